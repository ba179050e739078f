//! What a visitor is told before they write: how long the shop typically takes to answer, and
//! when a shop closed by its opening hours opens again.
//!
//! The typical reply is the median first reply of the last [`WINDOW_MS`] — from a
//! conversation's first visitor message to its first agent message — over the conversations
//! that began within opening hours (a shop is not slow for not answering at 3 a.m.; the widget
//! says when it opens instead). Conversations nobody answered are not quietly left out, which
//! would flatter a shop that ignores half its chats: one that ended unanswered, or has waited
//! longer than the slowest answer of the week, counts as slower than every answer. One still
//! waiting less than that may yet be answered in the range the answers span, so it is left
//! out. When the middle of the sample is an unanswered conversation, or the sample has fewer
//! than [`MIN_CONVERSATIONS`], the typical reply is unknown and the widget says an honest
//! default instead of a number.
//!
//! The figure is cached per site for [`LIFETIME`], so a welcome reads one aggregate a minute
//! at most, not one per visitor.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use jiff::Timestamp;
use pronto_protocol::ids::SiteId;
use tokio::time::Instant;

use crate::hours::{Schedule, Status};
use crate::storage::{Site, Store};
use crate::wait::told_secs;

/// How far back the typical reply looks: a week, so every weekday counts once.
pub const WINDOW_MS: i64 = 7 * 24 * 3600 * 1000;
/// Fewer conversations than this in the window, and the typical reply is unknown.
pub const MIN_CONVERSATIONS: usize = 5;
/// How long a site's typical reply is reused before it is read again.
const LIFETIME: Duration = Duration::from_secs(60);

/// A conversation of the window, as the typical reply reads it (ms since the Unix epoch).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FirstReply {
    /// The visitor's first message.
    pub started_ms: i64,
    /// The first agent message, if any.
    pub replied_ms: Option<i64>,
    /// Whether the conversation has ended.
    pub closed: bool,
}

/// The median first reply in milliseconds at `now_ms`, by the rules in this module's comment;
/// `None` when unknown. `schedule`: the shop's opening hours, `None` for always open.
pub fn typical_reply_ms(
    now_ms: i64,
    conversations: &[FirstReply],
    schedule: Option<&Schedule>,
) -> Option<u64> {
    let in_hours = conversations.iter().filter(|c| {
        c.started_ms > now_ms - WINDOW_MS
            && c.started_ms <= now_ms
            && schedule.is_none_or(|schedule| {
                Timestamp::from_millisecond(c.started_ms)
                    .is_ok_and(|started| schedule.is_open_at(started))
            })
    });
    let (answered, unanswered): (Vec<&FirstReply>, Vec<&FirstReply>) =
        in_hours.partition(|c| c.replied_ms.is_some());
    let mut replies: Vec<u64> = answered
        .iter()
        .filter_map(|c| Some(u64::try_from(c.replied_ms? - c.started_ms).unwrap_or(0)))
        .collect();
    replies.sort_unstable();
    let slowest = replies.last().copied().unwrap_or(0);
    let never_answered = unanswered
        .iter()
        .filter(|c| c.closed || u64::try_from(now_ms - c.started_ms).unwrap_or(0) > slowest)
        .count();
    let sample = replies.len() + never_answered;
    if sample < MIN_CONVERSATIONS {
        return None;
    }
    // The middle one; for an even count the later of the two, so never the flattering one.
    // Past the answers lie the unanswered, slower than all of them: then it is unknown.
    replies.get(sample / 2).copied()
}

/// Each site's typical reply, read from the database at most once per [`LIFETIME`].
#[derive(Default)]
pub struct ReplyTimes {
    by_site: Mutex<HashMap<SiteId, (Instant, Option<u32>)>>,
}

impl ReplyTimes {
    /// The site's typical reply in seconds, rounded as a person says it; `None`: unknown.
    pub async fn typical_secs(
        &self,
        store: &Store,
        site: &SiteId,
        schedule: Option<&Schedule>,
    ) -> sqlx::Result<Option<u32>> {
        if let Some((read_at, typical)) = self.sites().get(site).copied()
            && read_at.elapsed() < LIFETIME
        {
            return Ok(typical);
        }
        let now = crate::clock::now_ms();
        let conversations = store.first_replies(site, now - WINDOW_MS).await?;
        let typical = typical_reply_ms(now, &conversations, schedule).map(told_secs);
        self.sites().insert(site.clone(), (Instant::now(), typical));
        Ok(typical)
    }

    /// The site's opening hours changed: the next visitor gets a figure read afresh.
    pub fn forget(&self, site: &SiteId) {
        self.sites().remove(site);
    }

    fn sites(&self) -> std::sync::MutexGuard<'_, HashMap<SiteId, (Instant, Option<u32>)>> {
        self.by_site.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// What a visitor is told about when they will be answered, besides whether anyone is online.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReplyOutlook {
    /// See `visitor::Shop::typical_reply_secs`.
    pub typical_reply_secs: Option<u32>,
    /// See `visitor::Shop::opens_at_ms`.
    pub opens_at_ms: Option<i64>,
    /// When the shop opens or closes next by its hours (ms since the Unix epoch): the
    /// announcer tells everyone then. `None` without a schedule.
    pub changes_at_ms: Option<i64>,
}

impl ReplyOutlook {
    /// The shop's outlook at `now_ms`: its opening hours read from `site`, its typical reply
    /// from `reply_times`.
    pub async fn of(
        store: &Store,
        reply_times: &ReplyTimes,
        site: &Site,
    ) -> sqlx::Result<ReplyOutlook> {
        let schedule = crate::hours::schedule_of(site);
        let typical_reply_secs = reply_times
            .typical_secs(store, &site.id, schedule.as_ref())
            .await?;
        let status = schedule.as_ref().map(status_now);
        Ok(ReplyOutlook {
            typical_reply_secs,
            opens_at_ms: status.and_then(|status| status.opens_at_ms()),
            changes_at_ms: status
                .and_then(|status| status.changes_at)
                .map(Timestamp::as_millisecond),
        })
    }
}

/// When the shop next opens or closes by its hours (ms since the Unix epoch), read without
/// its typical reply; `None` without a schedule.
pub fn next_change_ms(site: &Site) -> Option<i64> {
    let schedule = crate::hours::schedule_of(site)?;
    status_now(&schedule)
        .changes_at
        .map(Timestamp::as_millisecond)
}

/// Whether the shop is open by the server's clock.
fn status_now(schedule: &Schedule) -> Status {
    let now = Timestamp::from_millisecond(crate::clock::now_ms()).unwrap_or(Timestamp::UNIX_EPOCH);
    schedule.status(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pronto_protocol::agent::{OpenInterval, OpeningHours, Week};

    const MINUTE: i64 = 60_000;
    const HOUR: i64 = 60 * MINUTE;
    /// Wednesday 2025-06-11 12:00 UTC.
    const NOON: i64 = 1_749_643_200_000;

    fn answered(started_ms: i64, after_ms: i64) -> FirstReply {
        FirstReply {
            started_ms,
            replied_ms: Some(started_ms + after_ms),
            closed: true,
        }
    }

    fn unanswered(started_ms: i64, closed: bool) -> FirstReply {
        FirstReply {
            started_ms,
            replied_ms: None,
            closed,
        }
    }

    /// Open every day 09:00–18:00 UTC.
    fn daytime() -> Schedule {
        let day = vec![OpenInterval {
            opens: "09:00".into(),
            closes: "18:00".into(),
        }];
        Schedule::parse(&OpeningHours {
            time_zone: "UTC".into(),
            week: Week {
                mon: day.clone(),
                tue: day.clone(),
                wed: day.clone(),
                thu: day.clone(),
                fri: day.clone(),
                sat: day.clone(),
                sun: day,
            },
            holidays: vec![],
        })
        .unwrap()
    }

    #[test]
    fn the_median_of_the_week_within_opening_hours() {
        // Answered 1 to 5 minutes after, on the five mornings before today at 10:00.
        let mut week: Vec<FirstReply> = (1..=5)
            .map(|n| answered(NOON - n * 24 * HOUR - 2 * HOUR, n * MINUTE))
            .collect();
        assert_eq!(typical_reply_ms(NOON, &week, None), Some(3 * MINUTE as u64));
        // Quick answers at night and more than a week ago change nothing within the hours…
        for n in 1..=5 {
            week.push(answered(NOON - n * 24 * HOUR + 10 * HOUR, 1_000));
            week.push(answered(NOON - 8 * 24 * HOUR - n * HOUR, 1_000));
        }
        assert_eq!(
            typical_reply_ms(NOON, &week, Some(&daytime())),
            Some(3 * MINUTE as u64)
        );
        // …but without a schedule the night answers count (the old ones never do): the
        // later middle of ten.
        assert_eq!(typical_reply_ms(NOON, &week, None), Some(MINUTE as u64));
    }

    #[test]
    fn too_few_conversations_is_unknown() {
        let four: Vec<FirstReply> = (1..=4).map(|n| answered(NOON - n * HOUR, MINUTE)).collect();
        assert_eq!(typical_reply_ms(NOON, &four, None), None);
        assert_eq!(typical_reply_ms(NOON, &[], None), None);
    }

    #[test]
    fn unanswered_conversations_count_as_slower_than_every_answer() {
        let mut week: Vec<FirstReply> = (1..=5)
            .map(|n| answered(NOON - n * HOUR, n * MINUTE))
            .collect();
        // One that ended unanswered moves the median up a place: 4 minutes, not 3.
        week.push(unanswered(NOON - 3 * HOUR, true));
        assert_eq!(typical_reply_ms(NOON, &week, None), Some(4 * MINUTE as u64));
        // One still waiting for a minute may yet be answered within the range: left out.
        week.push(unanswered(NOON - MINUTE, false));
        assert_eq!(typical_reply_ms(NOON, &week, None), Some(4 * MINUTE as u64));
        // Once it has waited longer than the slowest answer, it counts: n = 7, the fourth.
        week.pop();
        week.push(unanswered(NOON - HOUR, false));
        assert_eq!(typical_reply_ms(NOON, &week, None), Some(4 * MINUTE as u64));
        week.push(unanswered(NOON - 2 * HOUR, false));
        assert_eq!(typical_reply_ms(NOON, &week, None), Some(5 * MINUTE as u64));
        // When half or more go unanswered, there is no typical reply to promise.
        week.push(unanswered(NOON - 2 * HOUR, true));
        week.push(unanswered(NOON - 4 * HOUR, true));
        assert_eq!(typical_reply_ms(NOON, &week, None), None);
        // And unanswered ones alone are not a sample of replies.
        let ignored: Vec<FirstReply> = (1..=9).map(|n| unanswered(NOON - n * HOUR, true)).collect();
        assert_eq!(typical_reply_ms(NOON, &ignored, None), None);
    }
}
