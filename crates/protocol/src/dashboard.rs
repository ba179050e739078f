//! The shop owner's numbers, from `GET /api/site/dashboard?days=N`: how many visitors asked,
//! how soon they were answered, how many were missed, per day and per agent.

use serde::{Deserialize, Serialize};

use crate::ids::AgentId;

/// The default for `days`, and the most one report covers.
pub const DEFAULT_DAYS: u32 = 7;
pub const MAX_DAYS: u32 = 90;

/// A live chat's first reply should come within this by default (the owner may change it).
pub const DEFAULT_REPLY_TARGET_SECS: u32 = 120;

/// A first reply that reaches the visitor by e-mail (they had left) should come within this
/// by default: three hours, as the shop's rules for e-mail say.
pub const DEFAULT_EMAIL_REPLY_TARGET_SECS: u32 = 3 * 60 * 60;

fn default_email_reply_target() -> u32 {
    DEFAULT_EMAIL_REPLY_TARGET_SECS
}

/// The last `days` days (today included) in the shop's time zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    /// The IANA time zone days are counted in: the shop's opening hours', or `UTC`.
    pub time_zone: String,
    /// A first reply within this many seconds counts as on target.
    pub reply_target_secs: u32,
    /// The same for a first reply that went by e-mail because the visitor had left (a
    /// server older than this target does not say: the default then).
    #[serde(default = "default_email_reply_target")]
    pub email_reply_target_secs: u32,
    /// Every day of the range, oldest first, also days nobody wrote.
    pub days: Vec<DayNumbers>,
    /// Each agent who held a conversation of the range (the last to hold it), by name.
    pub agents: Vec<AgentNumbers>,
    /// The whole range.
    pub total: Numbers,
    /// Conversations still open whose visitor has had no reply yet, whenever they began.
    pub unanswered_now: u32,
}

/// The conversations begun in a stretch of time.
///
/// Times are in seconds. A *median* or *90th percentile* is the smallest value that at
/// least half (nine in ten) of the values are at or under; `None` with no values at all.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Numbers {
    pub conversations: u32,
    /// Got a reply from an agent.
    pub answered: u32,
    /// Got the first reply within its target: the e-mail target for those whose first reply
    /// went by e-mail, the live chat's for the others.
    pub answered_within_target: u32,
    /// Of those answered, the ones whose first reply went by e-mail (the visitor had left),
    /// and how many of those within the e-mail target.
    #[serde(default)]
    pub answered_by_email: u32,
    #[serde(default)]
    pub answered_by_email_within_target: u32,
    /// Ended without any reply.
    pub missed: u32,
    /// From the visitor's first message to the agent's first reply, for those answered.
    pub first_reply_median_secs: Option<u32>,
    pub first_reply_p90_secs: Option<u32>,
    /// From joining the queue to being taken by an agent, for those taken.
    pub queue_median_secs: Option<u32>,
    pub queue_p90_secs: Option<u32>,
    /// Rated by their visitor once ended, and how many of those were rated good.
    #[serde(default)]
    pub rated: u32,
    #[serde(default)]
    pub rated_good: u32,
    /// Quick answers visitors read in the widget and said whether they solved their question,
    /// and how many did. Counted by the day they were read; no agent takes part, so an
    /// agent's are 0.
    #[serde(default)]
    pub instant_answers: u32,
    #[serde(default)]
    pub instant_answers_helped: u32,
}

/// One day's numbers; `date` is `YYYY-MM-DD` in the dashboard's time zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayNumbers {
    pub date: String,
    #[serde(flatten)]
    pub numbers: Numbers,
}

/// One agent's numbers over the range.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentNumbers {
    pub agent: AgentId,
    pub name: String,
    #[serde(flatten)]
    pub numbers: Numbers,
}
