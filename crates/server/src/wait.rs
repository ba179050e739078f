//! The expected wait in one site's queue: a `pronto_eta` estimator fed from what the shared
//! database says, so that every server of a deployment learns the same history.
//!
//! Each announcer round ([`crate::queue`]) hands [`QueueWait::observe`] the conversations open
//! now (waiting, or with an agent) and those that ended since it last looked. It compares
//! them with what it knew and tells the estimator what happened in between — joins, takes,
//! finished conversations, visitors who left without an agent — at the times the database
//! recorded, in time order. So a round that runs late teaches the same waits as a prompt one,
//! and servers that look at different moments learn the same events. Each event costs O(1);
//! a round costs one pass over the open conversations.
//!
//! The first round also reads the site's recent history ([`WARM_UP_CONVERSATIONS`]), so a
//! server that has just started knows the shop's pace at once instead of saying "unknown"
//! until it has watched a few more visitors served.

use std::collections::{HashMap, HashSet};

use pronto_eta::{Estimate, Estimator};
use pronto_protocol::chat::WaitEstimate;
use pronto_protocol::ids::ConversationId;

use crate::storage::ConversationTimes;

/// How many of its most recent ended conversations a fresh estimator replays: enough for a
/// settled rate and calibration, little enough to read at once.
pub const WARM_UP_CONVERSATIONS: u32 = 200;

/// What the estimator was last told about an open conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Waiting,
    Taken,
}

/// One thing that happened in the queue. The order of the variants breaks ties between
/// events at the same millisecond: a slot frees up before it is filled again, and a visitor
/// joins before they are taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Happened {
    Finished,
    Left,
    Joined,
    Taken,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Event {
    at_ms: u64,
    what: Happened,
    conversation: u64,
}

/// One site's wait estimator and what it knows of the site's open conversations.
#[derive(Default)]
pub struct QueueWait {
    eta: Estimator,
    /// The open conversations the estimator was told of: those it must hear the end of.
    known: HashMap<ConversationId, Stage>,
    /// The highest conversation id seen: ended conversations above it began and ended
    /// between two rounds, unseen.
    newest: Option<ConversationId>,
    /// The slot count last told, `None` before the first round.
    slots: Option<u32>,
}

impl QueueWait {
    /// Whether it has seen a round yet; the first round brings the recent history along.
    pub fn is_warm(&self) -> bool {
        self.slots.is_some()
    }

    /// The highest conversation id it has seen.
    pub fn newest(&self) -> Option<ConversationId> {
        self.newest
    }

    /// The conversations it believes open that `open` no longer lists: they ended since the
    /// last round, and the caller reads how.
    pub fn ended_since(&self, open: &[ConversationTimes]) -> Vec<ConversationId> {
        let still: HashSet<ConversationId> = open.iter().map(|c| c.id).collect();
        self.known
            .keys()
            .filter(|id| !still.contains(id))
            .copied()
            .collect()
    }

    /// One round: the conversations open now, those that ended since the last round (and,
    /// on the first round, the recent history), and the slots of the agents online now.
    /// A conversation in both lists ended while the round was reading: `ended` wins.
    pub fn observe(
        &mut self,
        now_ms: i64,
        slots: u32,
        open: &[ConversationTimes],
        ended: &[ConversationTimes],
    ) {
        let ended_ids: HashSet<ConversationId> = ended.iter().map(|c| c.id).collect();
        let mut events = Vec::new();
        let mut seen = HashSet::with_capacity(open.len() + ended.len());
        let now = millis(now_ms);
        for conversation in open
            .iter()
            .filter(|c| !ended_ids.contains(&c.id))
            .chain(ended)
        {
            if !seen.insert(conversation.id) {
                continue;
            }
            let before = self.known.get(&conversation.id).copied();
            match what_happened(before, conversation, &mut events) {
                Some(stage) => self.known.insert(conversation.id, stage),
                None => self.known.remove(&conversation.id),
            };
            self.newest = self.newest.max(Some(conversation.id));
        }
        // Open before and in neither list now: gone without a trace (no such row). It is
        // over; say so now, so the estimator does not count it as waiting or busy forever.
        self.known.retain(|id, stage| {
            let gone = !seen.contains(id);
            if gone {
                events.push(Event {
                    at_ms: now,
                    what: match stage {
                        Stage::Waiting => Happened::Left,
                        Stage::Taken => Happened::Finished,
                    },
                    conversation: estimator_id(*id),
                });
            }
            !gone
        });
        events.sort_unstable();
        if self.slots.is_none() {
            // The first round replays history: its slots count from the first event, or the
            // replay would run with none. The slots of the past are not stored; today's
            // count stands in for them.
            let first = events.first().map_or(now, |e| e.at_ms);
            self.eta.slots_changed(first, slots);
            self.slots = Some(slots);
        }
        for event in events {
            let Event {
                at_ms,
                what,
                conversation,
            } = event;
            match what {
                Happened::Joined => self.eta.visitor_joined(at_ms, conversation),
                Happened::Taken => self.eta.visitor_taken(at_ms, conversation),
                Happened::Left => self.eta.visitor_left(at_ms, conversation),
                Happened::Finished => self.eta.conversation_finished(at_ms),
            }
        }
        if self.slots != Some(slots) {
            self.eta.slots_changed(now, slots);
            self.slots = Some(slots);
        }
    }

    /// The expected wait of the visitor at `position` (1: next), rounded as it is told, or
    /// `None` when there is nothing honest to say yet.
    pub fn estimate(&mut self, now_ms: i64, position: u32) -> Option<WaitEstimate> {
        match self.eta.estimate(millis(now_ms), u64::from(position)) {
            Estimate::Unknown => None,
            Estimate::Range {
                typical_ms,
                low_ms,
                high_ms,
            } => Some(WaitEstimate {
                low_secs: told_secs(low_ms),
                typical_secs: told_secs(typical_ms),
                high_secs: told_secs(high_ms),
            }),
        }
    }
}

/// Adds the events that took `conversation` from stage `before` (`None`: never seen) to what
/// the database says now, and returns its stage now (`None`: ended). Times that a skewed
/// clock put out of order are held to join ≤ take ≤ end.
fn what_happened(
    before: Option<Stage>,
    conversation: &ConversationTimes,
    events: &mut Vec<Event>,
) -> Option<Stage> {
    let id = estimator_id(conversation.id);
    let mut event = |at_ms, what| {
        events.push(Event {
            at_ms,
            what,
            conversation: id,
        })
    };
    let joined = millis(conversation.created_ms);
    if before.is_none() {
        event(joined, Happened::Joined);
    }
    let taken = conversation.taken_ms.map(|t| millis(t).max(joined));
    if let Some(taken) = taken
        && before != Some(Stage::Taken)
    {
        event(taken, Happened::Taken);
    }
    match conversation.closed_ms {
        Some(closed) => {
            let closed = millis(closed).max(taken.unwrap_or(joined));
            // Taken before: an agent finished it. Never taken: the visitor gave up.
            let taken_ever = taken.is_some() || before == Some(Stage::Taken);
            event(
                closed,
                if taken_ever {
                    Happened::Finished
                } else {
                    Happened::Left
                },
            );
            None
        }
        None if taken.is_some() || before == Some(Stage::Taken) => Some(Stage::Taken),
        None => Some(Stage::Waiting),
    }
}

/// The estimator names visitors by a `u64`: their conversation's id.
fn estimator_id(id: ConversationId) -> u64 {
    u64::try_from(id.0).unwrap_or_default()
}

/// Database times are milliseconds since the Unix epoch; the estimator takes them unsigned.
fn millis(ms: i64) -> u64 {
    u64::try_from(ms).unwrap_or_default()
}

/// A wait rounded as a person would say it: to 10 s under two minutes, to the minute under
/// an hour, to five minutes beyond. Visitors are told a new estimate only when this changes,
/// not on every millisecond of drift. Rounding never reorders two waits (each step's bounds
/// are multiples of the next step), so `low <= typical <= high` survives it.
pub fn told_secs(ms: u64) -> u32 {
    let step_ms = match ms {
        0..120_000 => 10_000,
        120_000..3_600_000 => 60_000,
        _ => 300_000,
    };
    let rounded_ms = ms.saturating_add(step_ms / 2) / step_ms * step_ms;
    u32::try_from(rounded_ms / 1000).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;

    fn waiting(id: i64, created_ms: i64) -> ConversationTimes {
        ConversationTimes {
            id: ConversationId(id),
            created_ms,
            taken_ms: None,
            closed_ms: None,
        }
    }

    fn taken(id: i64, created_ms: i64, taken_ms: i64) -> ConversationTimes {
        ConversationTimes {
            taken_ms: Some(taken_ms),
            ..waiting(id, created_ms)
        }
    }

    fn finished(id: i64, created_ms: i64, taken_ms: i64, closed_ms: i64) -> ConversationTimes {
        ConversationTimes {
            closed_ms: Some(closed_ms),
            ..taken(id, created_ms, taken_ms)
        }
    }

    fn left(id: i64, created_ms: i64, closed_ms: i64) -> ConversationTimes {
        ConversationTimes {
            closed_ms: Some(closed_ms),
            ..waiting(id, created_ms)
        }
    }

    /// A shop with one agent who spends four minutes on each chat, back to back, while the
    /// next visitor waits two minutes: `n` ended conversations from id 1, starting at 0.
    fn steady_history(n: i64) -> Vec<ConversationTimes> {
        (1..=n)
            .map(|id| {
                let taken = id * 4 * MINUTE;
                finished(id, taken - 2 * MINUTE, taken, taken + 4 * MINUTE)
            })
            .collect()
    }

    /// The events a round gives the estimator, by kind and conversation.
    fn events_of(
        before: Option<Stage>,
        conversation: ConversationTimes,
    ) -> (Vec<(Happened, u64)>, Option<Stage>) {
        let mut events = Vec::new();
        let stage = what_happened(before, &conversation, &mut events);
        (events.iter().map(|e| (e.what, e.at_ms)).collect(), stage)
    }

    #[test]
    fn each_change_of_a_conversation_is_one_event_at_the_database_time() {
        use Happened::*;
        assert_eq!(
            events_of(None, waiting(1, 100)),
            (vec![(Joined, 100)], Some(Stage::Waiting))
        );
        assert_eq!(
            events_of(Some(Stage::Waiting), waiting(1, 100)),
            (vec![], Some(Stage::Waiting))
        );
        assert_eq!(
            events_of(Some(Stage::Waiting), taken(1, 100, 250)),
            (vec![(Taken, 250)], Some(Stage::Taken))
        );
        assert_eq!(
            events_of(Some(Stage::Taken), taken(1, 100, 250)),
            (vec![], Some(Stage::Taken))
        );
        assert_eq!(
            events_of(Some(Stage::Taken), finished(1, 100, 250, 900)),
            (vec![(Finished, 900)], None)
        );
        assert_eq!(
            events_of(Some(Stage::Waiting), left(1, 100, 400)),
            (vec![(Left, 400)], None)
        );
        // Begun, taken and ended between two rounds: all of it, in order.
        assert_eq!(
            events_of(None, finished(1, 100, 250, 900)),
            (vec![(Joined, 100), (Taken, 250), (Finished, 900)], None)
        );
        // A server whose clock runs behind stamped the take before the join.
        assert_eq!(
            events_of(None, taken(1, 100, 40)),
            (vec![(Joined, 100), (Taken, 100)], Some(Stage::Taken))
        );
    }

    #[test]
    fn no_history_no_estimate() {
        let mut wait = QueueWait::default();
        wait.observe(0, 1, &[waiting(1, 0)], &[]);
        assert_eq!(wait.estimate(MINUTE, 1), None);
    }

    #[test]
    fn no_agent_online_no_estimate() {
        let mut wait = QueueWait::default();
        let history = steady_history(30);
        let now = 31 * 4 * MINUTE;
        wait.observe(now, 0, &[waiting(31, now)], &history);
        assert_eq!(wait.estimate(now, 1), None);
        wait.observe(now + 1, 1, &[waiting(31, now)], &[]);
        assert!(wait.estimate(now + 1, 1).is_some(), "an agent came");
    }

    #[test]
    fn history_gives_a_range_that_grows_with_the_place_in_line() {
        let mut wait = QueueWait::default();
        // One minute into the 31st chat, three visitors wait.
        let now = 31 * 4 * MINUTE + MINUTE;
        let open = [
            taken(31, 30 * 4 * MINUTE, 31 * 4 * MINUTE),
            waiting(32, now - 30_000),
            waiting(33, now - 20_000),
            waiting(34, now - 10_000),
        ];
        wait.observe(now, 1, &open, &steady_history(30));
        let estimates: Vec<WaitEstimate> = (1..=3)
            .map(|position| wait.estimate(now, position).expect("history enough"))
            .collect();
        for e in &estimates {
            assert!(
                e.low_secs <= e.typical_secs && e.typical_secs <= e.high_secs,
                "{e:?}"
            );
            assert!(e.low_secs < e.high_secs, "a range, not a point: {e:?}");
        }
        assert!(
            estimates[0].typical_secs < estimates[1].typical_secs,
            "{estimates:?}"
        );
        assert!(
            estimates[1].typical_secs < estimates[2].typical_secs,
            "{estimates:?}"
        );
        // Four-minute chats, one agent: the third in line waits for three of them, about.
        let third = estimates[2].typical_secs;
        assert!((5 * 60..=15 * 60).contains(&third), "{estimates:?}");
    }

    #[test]
    fn rounds_track_the_open_conversations_and_forget_the_ended() {
        let mut wait = QueueWait::default();
        wait.observe(1_000, 1, &[waiting(1, 900), waiting(2, 950)], &[]);
        assert_eq!(wait.newest(), Some(ConversationId(2)));
        assert_eq!(wait.eta.waiting(), 2);

        // 1 was taken; 2 is still there; 3 joined.
        let open = [taken(1, 900, 1_500), waiting(2, 950), waiting(3, 1_600)];
        assert!(wait.ended_since(&open).is_empty());
        wait.observe(2_000, 1, &open, &[]);
        assert_eq!(wait.eta.waiting(), 2);

        // 1 was finished, 2 gave up; 3 waits on; 4 came and went between rounds unseen.
        let open = [waiting(3, 1_600)];
        let mut gone = wait.ended_since(&open);
        gone.sort_unstable_by_key(|id| id.0);
        assert_eq!(gone, [ConversationId(1), ConversationId(2)]);
        let ended = [
            finished(1, 900, 1_500, 2_500),
            left(2, 950, 2_600),
            finished(4, 2_100, 2_200, 2_700),
        ];
        wait.observe(3_000, 1, &open, &ended);
        assert_eq!(wait.eta.waiting(), 1);
        assert_eq!(wait.known.len(), 1);
        assert_eq!(wait.newest(), Some(ConversationId(4)));
        assert!(wait.ended_since(&open).is_empty());
    }

    #[test]
    fn a_conversation_ending_while_the_round_reads_counts_as_ended() {
        let mut wait = QueueWait::default();
        wait.observe(1_000, 1, &[waiting(1, 900)], &[]);
        // Read as open, then found ended by the next query of the same round.
        wait.observe(2_000, 1, &[waiting(1, 900)], &[left(1, 900, 1_900)]);
        assert_eq!(wait.eta.waiting(), 0);
        assert!(wait.known.is_empty());
    }

    #[test]
    fn a_conversation_with_no_row_left_is_over() {
        let mut wait = QueueWait::default();
        wait.observe(1_000, 1, &[waiting(1, 900), taken(2, 100, 200)], &[]);
        // Neither open nor found among the ended.
        wait.observe(2_000, 1, &[], &[]);
        assert!(wait.known.is_empty());
        assert_eq!(wait.eta.waiting(), 0);
    }

    #[test]
    fn servers_that_look_at_different_moments_learn_the_same() {
        // One server looks after every change; another once at the end. Fed the same
        // database, they say the same.
        let history = steady_history(30);
        let t = 31 * 4 * MINUTE;
        let mut often = QueueWait::default();
        let mut once = QueueWait::default();
        often.observe(t, 1, &[], &history);
        once.observe(t, 1, &[], &history);
        often.observe(t + 1_000, 1, &[waiting(31, t + 500)], &[]);
        often.observe(t + 2_000, 1, &[taken(31, t + 500, t + 1_500)], &[]);
        let end = t + 4 * MINUTE;
        let open = [waiting(32, end - 1_000)];
        let ended = [finished(31, t + 500, t + 1_500, end - 2_000)];
        often.observe(end, 1, &open, &ended);
        once.observe(end, 1, &open, &ended);
        assert_eq!(often.estimate(end, 1), once.estimate(end, 1));
        assert!(often.estimate(end, 1).is_some());
    }

    #[test]
    fn waits_are_rounded_as_they_are_said() {
        assert_eq!(told_secs(0), 0);
        assert_eq!(told_secs(4_999), 0);
        assert_eq!(told_secs(5_000), 10);
        assert_eq!(told_secs(44_400), 40);
        assert_eq!(told_secs(119_000), 120);
        assert_eq!(told_secs(149_000), 120);
        assert_eq!(told_secs(151_000), 180);
        assert_eq!(told_secs(3_599_000), 3_600);
        assert_eq!(told_secs(3_749_000), 3_600);
        assert_eq!(told_secs(3_751_000), 3_900);
        assert_eq!(told_secs(u64::MAX), u32::MAX);
        // Never reorders: a slowly growing wait is told in steps, each once.
        let mut last = 0;
        for ms in (0..8_000_000).step_by(250) {
            let told = told_secs(ms);
            assert!(told >= last, "{ms} ms told {told} after {last}");
            last = told;
        }
    }
}
