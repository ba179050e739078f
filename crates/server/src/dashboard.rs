//! The owner's numbers: conversations, first replies, time in queue, answered on target,
//! missed, ratings and quick answers that solved a question, per day in the shop's time zone and per agent, as JSON for the console and as CSV
//! to take elsewhere.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};
use pronto_protocol::ErrorCode;
use pronto_protocol::dashboard::{
    AgentNumbers, DEFAULT_DAYS, Dashboard, DayNumbers, MAX_DAYS, Numbers,
};
use pronto_protocol::ids::SiteId;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::Owner;
use crate::clock::today_in;
use crate::error::{AppError, AppResult};
use crate::hours::time_zone_of;
use crate::storage::{AnswerUse, Served};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/site/dashboard", get(as_json))
        .route("/api/site/dashboard.csv", get(as_csv))
}

/// `?days=N`: the last N days, today included (default 7, at most 90).
#[derive(Deserialize)]
struct Range {
    days: Option<u32>,
}

async fn as_json(
    State(app): State<AppState>,
    Owner(owner): Owner,
    range: Result<Query<Range>, QueryRejection>,
) -> AppResult<Json<Dashboard>> {
    Ok(Json(dashboard(&app, &owner.site, range).await?))
}

async fn as_csv(
    State(app): State<AppState>,
    Owner(owner): Owner,
    range: Result<Query<Range>, QueryRejection>,
) -> AppResult<impl IntoResponse> {
    let dashboard = dashboard(&app, &owner.site, range).await?;
    let (first, last) = match (dashboard.days.first(), dashboard.days.last()) {
        (Some(first), Some(last)) => (first.date.clone(), last.date.clone()),
        _ => unreachable!("a range has at least one day"),
    };
    let file = format!(
        "attachment; filename=\"pronto-{}-{first}-to-{last}.csv\"",
        owner.site
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, file),
        ],
        to_csv(&dashboard),
    ))
}

async fn dashboard(
    app: &AppState,
    site: &SiteId,
    range: Result<Query<Range>, QueryRejection>,
) -> AppResult<Dashboard> {
    let invalid = |why: String| AppError::refused(ErrorCode::InvalidSetting, why);
    let Query(range) = range.map_err(|rejection| invalid(rejection.body_text()))?;
    let days = range.days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(invalid(format!("days is 1 to {MAX_DAYS}")));
    }
    let shop = app
        .store
        .site(site)
        .await?
        .ok_or_else(|| AppError::refused(ErrorCode::UnknownSite, "no such site"))?;
    let time_zone = time_zone_of(&shop);
    let today = today_in(&time_zone);
    let first_day = today
        .checked_sub(Span::new().days(i64::from(days - 1)))
        .expect("90 days back is a date");
    // The day's first instant (where a clock change skips midnight, the first after it).
    let since_ms = time_zone
        .to_ambiguous_timestamp(first_day.at(0, 0, 0, 0))
        .compatible()
        .map_or(0, |start| start.as_millisecond());
    let served = app.store.served_since(site, since_ms).await?;
    let answer_uses = app.store.answer_uses_since(site, since_ms).await?;
    let unanswered_now = app.store.unanswered_now(site).await?;
    Ok(report(
        &Activity {
            served: &served,
            answer_uses: &answer_uses,
        },
        &time_zone,
        first_day,
        days,
        Targets {
            live_secs: shop.reply_target_secs,
            email_secs: shop.email_reply_target_secs,
        },
        unanswered_now,
    ))
}

/// How soon a first reply is on target: in the widget, and by e-mail to a visitor who left.
#[derive(Clone, Copy)]
pub struct Targets {
    pub live_secs: u32,
    pub email_secs: u32,
}

/// What happened in the range: conversations begun, and quick answers read.
pub struct Activity<'a> {
    pub served: &'a [Served],
    pub answer_uses: &'a [AnswerUse],
}

/// The dashboard of `activity` (conversations begun and answers read on or after
/// `first_day`), counted in `time_zone`, over `days` days.
pub fn report(
    activity: &Activity,
    time_zone: &TimeZone,
    first_day: Date,
    days: u32,
    targets: Targets,
    unanswered_now: u32,
) -> Dashboard {
    let served = activity.served;
    let day_of = |ms: i64| {
        let at = Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH);
        time_zone.to_datetime(at).date()
    };
    let days = (0..days)
        .filter_map(|n| first_day.checked_add(Span::new().days(i64::from(n))).ok())
        .map(|date| {
            let mut numbers = numbers(
                served.iter().filter(|s| day_of(s.created_ms) == date),
                targets,
            );
            count_answers(
                &mut numbers,
                activity
                    .answer_uses
                    .iter()
                    .filter(|u| day_of(u.used_ms) == date),
            );
            DayNumbers {
                date: date.to_string(),
                numbers,
            }
        })
        .collect();
    let mut held: Vec<_> = served.iter().filter_map(|s| s.agent.clone()).collect();
    held.sort_by(|a, b| (&a.1, a.0).cmp(&(&b.1, b.0)));
    held.dedup();
    let agents = held
        .into_iter()
        .map(|(agent, name)| AgentNumbers {
            numbers: numbers(
                served
                    .iter()
                    .filter(|s| s.agent.as_ref().is_some_and(|(id, _)| *id == agent)),
                targets,
            ),
            agent,
            name,
        })
        .collect();
    let mut total = numbers(served.iter(), targets);
    count_answers(&mut total, activity.answer_uses.iter());
    Dashboard {
        time_zone: time_zone.iana_name().unwrap_or("UTC").to_owned(),
        reply_target_secs: targets.live_secs,
        email_reply_target_secs: targets.email_secs,
        days,
        agents,
        total,
        unanswered_now,
    }
}

fn count_answers<'a>(numbers: &mut Numbers, uses: impl Iterator<Item = &'a AnswerUse>) {
    for used in uses {
        numbers.instant_answers += 1;
        numbers.instant_answers_helped += u32::from(used.helped);
    }
}

fn numbers<'a>(served: impl Iterator<Item = &'a Served>, targets: Targets) -> Numbers {
    let mut numbers = Numbers::default();
    let mut first_replies = Vec::new();
    let mut queued = Vec::new();
    for conversation in served {
        numbers.conversations += 1;
        match conversation.answered_ms {
            Some(answered_ms) => {
                let secs = whole_secs(answered_ms - conversation.asked_ms);
                numbers.answered += 1;
                let on_target = if conversation.reply_mailed {
                    numbers.answered_by_email += 1;
                    let on_target = secs <= targets.email_secs;
                    numbers.answered_by_email_within_target += u32::from(on_target);
                    on_target
                } else {
                    secs <= targets.live_secs
                };
                numbers.answered_within_target += u32::from(on_target);
                first_replies.push(secs);
            }
            None if conversation.closed => numbers.missed += 1,
            None => {}
        }
        if let Some(taken_ms) = conversation.taken_ms {
            queued.push(whole_secs(taken_ms - conversation.created_ms));
        }
        if let Some(good) = conversation.rating {
            numbers.rated += 1;
            numbers.rated_good += u32::from(good);
        }
    }
    first_replies.sort_unstable();
    queued.sort_unstable();
    numbers.first_reply_median_secs = percentile(&first_replies, 50);
    numbers.first_reply_p90_secs = percentile(&first_replies, 90);
    numbers.queue_median_secs = percentile(&queued, 50);
    numbers.queue_p90_secs = percentile(&queued, 90);
    numbers
}

/// Milliseconds as whole seconds, to the nearest (a clock that went back counts as 0).
fn whole_secs(ms: i64) -> u32 {
    u32::try_from((ms.max(0) + 500) / 1000).unwrap_or(u32::MAX)
}

/// The smallest of `sorted` that at least `percent` % of them are at or under (the
/// nearest-rank percentile: always one of the values, never an average of two).
fn percentile(sorted: &[u32], percent: usize) -> Option<u32> {
    let rank = (percent * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// One row per day, then the whole range; empty cells where there is nothing to measure.
fn to_csv(dashboard: &Dashboard) -> String {
    let mut csv = String::from(
        "date,conversations,answered,answered_within_target,missed,\
         first_reply_median_secs,first_reply_p90_secs,queue_median_secs,queue_p90_secs,\
         rated,rated_good,instant_answers,instant_answers_helped,\
         answered_by_email,answered_by_email_within_target\n",
    );
    let rows = dashboard
        .days
        .iter()
        .map(|day| (day.date.as_str(), &day.numbers))
        .chain([("total", &dashboard.total)]);
    for (date, n) in rows {
        let cell = |secs: Option<u32>| secs.map(|s| s.to_string()).unwrap_or_default();
        csv.push_str(&format!(
            "{date},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            n.conversations,
            n.answered,
            n.answered_within_target,
            n.missed,
            cell(n.first_reply_median_secs),
            cell(n.first_reply_p90_secs),
            cell(n.queue_median_secs),
            cell(n.queue_p90_secs),
            n.rated,
            n.rated_good,
            n.instant_answers,
            n.instant_answers_helped,
            n.answered_by_email,
            n.answered_by_email_within_target,
        ));
    }
    csv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_values_at_their_rank() {
        assert_eq!(percentile(&[], 50), None);
        assert_eq!(percentile(&[7], 90), Some(7));
        assert_eq!(percentile(&[1, 2, 3, 4], 50), Some(2));
        assert_eq!(percentile(&[1, 2, 3, 4, 5], 50), Some(3));
        let ten: Vec<u32> = (1..=10).collect();
        assert_eq!(percentile(&ten, 90), Some(9));
        assert_eq!(percentile(&ten, 50), Some(5));
    }

    #[test]
    fn days_are_counted_on_the_shops_clock() {
        // 23:30 on the 1st in Santiago (UTC−3 in summer) is already the 2nd in UTC.
        let santiago = TimeZone::get("America/Santiago").unwrap();
        let first = Date::new(2026, 12, 1).unwrap();
        let late = santiago
            .to_ambiguous_timestamp(first.at(23, 30, 0, 0))
            .compatible()
            .unwrap()
            .as_millisecond();
        let served = [Served {
            created_ms: late,
            asked_ms: late,
            taken_ms: None,
            answered_ms: None,
            reply_mailed: false,
            closed: true,
            agent: None,
            rating: None,
        }];
        let activity = Activity {
            served: &served,
            answer_uses: &[],
        };
        let targets = Targets {
            live_secs: 120,
            email_secs: 3 * 3600,
        };
        let dashboard = report(&activity, &santiago, first, 2, targets, 0);
        let counts: Vec<_> = dashboard
            .days
            .iter()
            .map(|d| (d.date.as_str(), d.numbers.conversations, d.numbers.missed))
            .collect();
        assert_eq!(counts, [("2026-12-01", 1, 1), ("2026-12-02", 0, 0)]);
        let utc = report(&activity, &TimeZone::UTC, first, 2, targets, 0);
        assert_eq!(utc.days[1].numbers.conversations, 1);
    }

    #[test]
    fn a_reply_that_went_by_e_mail_is_held_to_the_e_mail_target() {
        const HOUR: i64 = 3_600_000;
        let chat = |answered_after: i64, reply_mailed: bool| Served {
            created_ms: 0,
            asked_ms: 0,
            taken_ms: Some(0),
            answered_ms: Some(answered_after),
            reply_mailed,
            closed: true,
            agent: None,
            rating: None,
        };
        let served = [
            // Two hours is late in the widget, on time by e-mail; four is late either way.
            chat(2 * HOUR, false),
            chat(2 * HOUR, true),
            chat(4 * HOUR, true),
            chat(60_000, false),
        ];
        let targets = Targets {
            live_secs: 120,
            email_secs: 3 * 3600,
        };
        let numbers = numbers(served.iter(), targets);
        assert_eq!(
            (
                numbers.answered,
                numbers.answered_within_target,
                numbers.answered_by_email,
                numbers.answered_by_email_within_target,
            ),
            (4, 2, 2, 1)
        );
    }
}
