//! Frames between the agents' console and the server, on `/ws/agent`, and the console's
//! sign-in requests.

use serde::{Deserialize, Serialize};

use crate::ProtocolError;
use crate::chat::{ChatMessage, ConversationState};
use crate::ids::{AgentId, ClientMessageId, ConversationId};

/// Body of `POST /api/login`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// What a console account may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the shop: its settings as well as its chats.
    Owner,
    /// Answers chats.
    Agent,
}

/// The signed-in agent, from `POST /api/login` and `GET /api/me`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentProfile {
    pub id: AgentId,
    pub name: String,
    pub email: String,
    pub site: String,
    pub shop_name: String,
    pub role: Role,
}

/// Body of `POST /api/site/agents` (owners only): a new console account for the shop.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAgent {
    pub email: String,
    pub name: String,
    pub password: String,
    pub role: Role,
}

/// A new identity-verification secret, from `POST /api/site/identity-secret` (owners only).
/// The shop's backend signs customer ids with it; it is shown this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentitySecret {
    pub secret: String,
}

/// A shop's settings, from `GET /api/site`; owners change them with `PUT /api/site` (a
/// [`SiteUpdate`], which a whole `SiteSettings` also reads as).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteSettings {
    pub name: String,
    pub greeting: String,
    /// Storefront origins that may embed the widget, such as `https://tienda.example`;
    /// `http://127.0.0.1:*` allows any port.
    pub allowed_origins: Vec<String>,
    /// The shop's opening hours. `GET` always says: `Some(None)` (`"hours": null`) for a shop
    /// with no schedule, which is always open, or `Some(Some(…))`. In a `PUT`, leave the field
    /// out (`None`) to keep the schedule as it is — so a client that predates opening hours
    /// does not erase them — send `null` to remove it, or a schedule to set it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub hours: Option<Option<OpeningHours>>,
    /// Seconds a visitor waits in line before the widget offers to reply by e-mail
    /// (`visitor::DEFAULT_ASK_EMAIL_AFTER_SECS` unless set; at most a day). `GET` always
    /// says; a `PUT` without it keeps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ask_email_after_secs: Option<u32>,
    /// A live chat's first reply is on target within this many seconds, on the dashboard
    /// (`dashboard::DEFAULT_REPLY_TARGET_SECS` unless set; at most a day). `GET` always says;
    /// a `PUT` without it keeps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_target_secs: Option<u32>,
    /// The same for a first reply that goes by e-mail because the visitor had left
    /// (`dashboard::DEFAULT_EMAIL_REPLY_TARGET_SECS` unless set; at most a week). `GET` always
    /// says; a `PUT` without it keeps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_reply_target_secs: Option<u32>,
    /// The widget's accent colour, `#rrggbb`, as the owner chose it for the script tag's
    /// `data-accent`. The widget reads it from the tag, not from here: the server keeps the
    /// owner's choice so the console shows it again. `GET` always says, `Some(None)`
    /// (`"widget_accent": null`) for the widget's own default; in a `PUT`, leave it out to
    /// keep it, send `null` to go back to the default.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub widget_accent: Option<Option<String>>,
    /// Which corner the widget sits in, `right` or `left` (`data-position`; kept as the
    /// accent is). `GET` always says (`right` unless set); a `PUT` without it keeps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub widget_position: Option<String>,
    /// The widget's language, `es`, `en` or `pt` (`data-lang`; kept as the accent is), or
    /// `Some(None)` (`"widget_lang": null`): it follows each visitor's browser. `GET` always says; in a
    /// `PUT`, leave it out to keep it, send `null` to follow the browser again.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub widget_lang: Option<Option<String>>,
}

/// A change of a shop's settings, `PUT /api/site`: each field given is set, each left out
/// keeps what is stored. So each part of the owner's settings page sends only its own, and
/// two tabs (or two quick saves) never put back each other's older values. The fields mean
/// what they do in [`SiteSettings`]; `hours`, `widget_accent` and `widget_lang` may be `null`
/// to remove them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub greeting: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_origins: Option<Vec<String>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub hours: Option<Option<OpeningHours>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ask_email_after_secs: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_target_secs: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_reply_target_secs: Option<u32>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub widget_accent: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub widget_position: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub widget_lang: Option<Option<String>>,
}

/// What a console that predates slots was told: one chat at a time.
fn one() -> u32 {
    1
}

/// The corners the widget can sit in (`SiteSettings::widget_position`), the default first.
pub const WIDGET_POSITIONS: [&str; 2] = ["right", "left"];

/// A field that is there, even as `null`: `Some(null)` is "remove", an absent field "keep".
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// When the shop is open: a weekly schedule in the shop's own time zone, and dates it is
/// closed. Outside these hours the widget says when the shop opens again.
///
/// ```json
/// {"time_zone": "America/Santiago",
///  "week": {"mon": [{"opens": "09:00", "closes": "13:00"}, {"opens": "14:00", "closes": "18:00"}],
///           "sat": [{"opens": "10:00", "closes": "14:00"}]},
///  "holidays": ["2025-12-25"]}
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningHours {
    /// An IANA time zone name, such as `America/Santiago` or `Europe/Madrid`: the clock the
    /// times in `week` are read on, daylight saving time included.
    pub time_zone: String,
    pub week: Week,
    /// Dates (`YYYY-MM-DD`, in the shop's time zone) the shop is closed all day; at most
    /// `limits::MAX_HOLIDAYS`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holidays: Vec<String>,
}

/// The open intervals of each weekday, earliest first; a day left out is closed all day.
/// At most `limits::MAX_OPEN_INTERVALS_PER_DAY` a day, none overlapping another.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Week {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mon: Vec<OpenInterval>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tue: Vec<OpenInterval>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wed: Vec<OpenInterval>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thu: Vec<OpenInterval>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fri: Vec<OpenInterval>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sat: Vec<OpenInterval>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sun: Vec<OpenInterval>,
}

impl Week {
    /// The week of `days`, Monday first: the inverse of [`Week::days`].
    pub fn from_days(days: [Vec<OpenInterval>; 7]) -> Self {
        let [mon, tue, wed, thu, fri, sat, sun] = days;
        Self {
            mon,
            tue,
            wed,
            thu,
            fri,
            sat,
            sun,
        }
    }

    /// Monday first, as ISO 8601 counts the days.
    pub fn days(&self) -> [&Vec<OpenInterval>; 7] {
        [
            &self.mon, &self.tue, &self.wed, &self.thu, &self.fri, &self.sat, &self.sun,
        ]
    }
}

/// Open from `opens` until `closes`, local times written `HH:MM` (24-hour clock). `closes`
/// may be `24:00`, the end of the day; a shop open past midnight writes two intervals
/// (`22:00–24:00` one day, `00:00–02:00` the next).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenInterval {
    pub opens: String,
    pub closes: String,
}

/// A reply the owner wrote once for the whole team: typing `/shortcut` in the console's reply
/// box offers `text`. `GET /api/site/canned` lists them for every agent; the owner replaces
/// the list with `PUT /api/site/canned`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannedReply {
    /// 1 to `limits::MAX_SHORTCUT_CHARS` lowercase letters, digits, `-` or `_`, unique in
    /// the shop (`envio`, `horario`, `talla-42`).
    pub shortcut: String,
    /// What goes into the reply box; a chat message's limits apply.
    pub text: String,
}

/// Someone on the shop's team, from `GET /api/site/team`: whom a conversation can be
/// transferred to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMember {
    pub id: AgentId,
    pub name: String,
    pub role: Role,
    /// Has the console open on some server now, and is not away.
    pub online: bool,
    /// Chats they hold at once: automatic assignment gives them no more (see
    /// [`Assignment`]), and the wait estimate counts them.
    pub slots: u32,
    /// Conversations they hold now.
    pub chats: u32,
}

/// Body of `PUT /api/site/agents/{id}` (owners only): what changes about a teammate; a field
/// left out stays. Answered with the [`TeamMember`] as it is now. A shop keeps at least one
/// owner, so the last one cannot be made an agent (`invalid_setting`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// 1 to `limits::MAX_SLOTS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slots: Option<u32>,
}

/// How waiting visitors reach an agent, from `GET /api/site/assignment` (any agent) and set
/// with `PUT` (owners only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// `true`: each visitor who joins the line goes at once to the agent online (not away)
    /// with a free slot and the fewest chats, the longest without a new one among equals;
    /// when every slot is full they wait, and go to the first slot that frees. `false`:
    /// they wait until an agent takes them.
    pub automatic: bool,
}

/// What the console sends. The agent is known from the session cookie.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentToServer {
    Hello {
        version: u32,
    },
    /// Take a waiting conversation out of the queue.
    Take {
        conversation: ConversationId,
    },
    /// Take the visitor who has waited longest. When agents on several servers ask at the same
    /// instant, each conversation still goes to exactly one of them.
    TakeNext,
    /// A reply. Sending the same `id` again (after a lost acknowledgement) stores nothing new.
    Send {
        conversation: ConversationId,
        id: ClientMessageId,
        text: String,
    },
    /// End a conversation the agent holds.
    Close {
        conversation: ConversationId,
    },
    /// The agent has seen a conversation they hold up to message `seq`: it was on their
    /// screen, in a tab in view. The visitor sees their messages up to there as read.
    Read {
        conversation: ConversationId,
        seq: u32,
    },
    /// The agent is typing a reply in a conversation they hold (`true`, repeated every
    /// `limits::TYPING_REPEAT_MS` while they type), or stopped (`false`).
    Typing {
        conversation: ConversationId,
        typing: bool,
    },
    /// An internal note on a conversation this agent holds: the team sees it beside the
    /// messages (after the last one stored), the visitor never does. Sending the same `id`
    /// again stores nothing new. Answered by a `note`, or `rejected` with the id.
    Note {
        conversation: ConversationId,
        id: ClientMessageId,
        text: String,
    },
    /// Hand a conversation this agent holds to a teammate who is online, history and all.
    /// The teammate gets it as a `conversation`, this console a `transferred`, and the
    /// visitor hears who answers now.
    Transfer {
        conversation: ConversationId,
        to: AgentId,
    },
    /// Follow up now on an ended conversation (marked with `PUT
    /// /api/conversations/{id}/follow-up`, or not): it opens again, held by this agent, who
    /// gets it as a `conversation`, and its mark goes. The visitor hears who answers; what the
    /// agent writes reaches their widget, or their e-mail if they are not there. Only the
    /// visitor's latest conversation: a newer one is where to answer them.
    FollowUp {
        conversation: ConversationId,
    },
    /// The agent stepped away (`true`) or is back. While away their console stays open and
    /// their chats go on, but visitors count them as not there: with nobody else there, the
    /// widget says so and offers e-mail at once. Every console of theirs hears `away`.
    Away {
        away: bool,
    },
}

/// Body of `PUT /api/conversations/{id}/follow-up` (any agent of the shop): follow up on the
/// conversation `on` that day, `YYYY-MM-DD` in the shop's time zone, today or later; `null`
/// takes the mark off.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUpMark {
    pub on: Option<String>,
}

/// The shop's follow-ups, from `GET /api/site/follow-ups` (any agent of the shop).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUps {
    /// Today in the shop's time zone, `YYYY-MM-DD`: the first day a follow-up may be set for,
    /// and the day those falling due are shown.
    pub today: String,
    /// The conversations marked, soonest first (at most `limits::MAX_FOLLOW_UPS_LISTED`).
    pub marked: Vec<FollowUp>,
}

/// A conversation marked to follow up on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    pub conversation: ConversationId,
    /// As in `QueueEntry`.
    pub visitor: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visitor_email: Option<String>,
    /// The day to follow up, `YYYY-MM-DD` in the shop's time zone.
    pub on: String,
    /// `on` is today or has passed, in the shop's time zone.
    pub due: bool,
    /// Who marked it.
    pub marked_by: String,
    /// The conversation's last message, to recall what it was about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message: Option<String>,
    /// The conversation has ended (a marked one may still be open).
    pub ended: bool,
}

/// A visitor waiting in the queue, as the agents see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueEntry {
    pub conversation: ConversationId,
    /// The visitor's name, as the shop's page gave it, or how agents refer to them until then.
    pub visitor: String,
    /// The visitor's e-mail address, when the shop's page gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visitor_email: Option<String>,
    /// The visitor's languages as their browser says them, most preferred first
    /// (`es-CL,es,en`), when it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The storefront page the visitor is on (`https://tienda.example/zapatillas`), as the
    /// widget said it when it last connected; each page load of the shop reconnects it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// When the visitor joined the queue, by the server's clock (ms since the Unix epoch).
    pub waiting_since_ms: i64,
    pub first_message: String,
}

/// A conversation an agent holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentConversation {
    pub id: ConversationId,
    /// As in `QueueEntry`.
    pub visitor: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visitor_email: Option<String>,
    pub state: ConversationState,
    pub messages: Vec<ChatMessage>,
    /// The team's internal notes, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
}

/// What the shop knows of a conversation's visitor, from `GET /api/conversations/{id}/visitor`
/// (any agent of the shop): whoever answers sees at once who they are and what they asked
/// before.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorHistory {
    /// As in `QueueEntry`.
    pub visitor: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visitor_email: Option<String>,
    /// As in `QueueEntry`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// As in `QueueEntry`: the page they are on, or were on last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// When the shop first saw them, by the server's clock (ms since the Unix epoch).
    pub first_seen_ms: i64,
    /// Their other conversations, newest first, at most
    /// `limits::EARLIER_CONVERSATIONS_SHOWN`.
    pub earlier: Vec<EarlierConversation>,
}

/// One of a visitor's other conversations, whole.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarlierConversation {
    pub id: ConversationId,
    /// When it began (ms since the Unix epoch).
    pub started_ms: i64,
    pub state: ConversationState,
    pub messages: Vec<ChatMessage>,
}

/// An internal note: the team's, never the visitor's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// The id its writer's console gave it, so that console can match it to its outbox.
    pub client_id: ClientMessageId,
    /// Who wrote it.
    pub author: String,
    pub text: String,
    /// Milliseconds since the Unix epoch, by the server's clock.
    pub sent_at_ms: i64,
    /// The number of the last message stored when it was written (0: before any): the note
    /// goes after that message.
    pub after_seq: u32,
}

/// What the server sends to the console.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerToAgent {
    /// Answer to `hello`: the head of the queue and the agent's open conversations.
    Welcome {
        agent: AgentProfile,
        now_ms: i64,
        /// The first `limits::QUEUE_VIEW_ENTRIES` waiting visitors, in order.
        queue: Vec<QueueEntry>,
        /// How many visitors are waiting in all.
        queue_total: u32,
        conversations: Vec<AgentConversation>,
        /// The agent said they are away (see `AgentToServer::Away`).
        #[serde(default)]
        away: bool,
        /// The chats this agent holds at once (see [`TeamMember::slots`]); told again with
        /// `slots` when the owner changes it.
        #[serde(default = "one")]
        slots: u32,
    },
    /// The owner changed how many chats this agent holds at once.
    Slots {
        slots: u32,
    },
    /// The head of the site's queue (the first `limits::QUEUE_VIEW_ENTRIES`, in order) and how
    /// many wait in all, whenever it changes.
    Queue {
        now_ms: i64,
        total: u32,
        entries: Vec<QueueEntry>,
    },
    /// A conversation this agent now holds: after their `take`, or handed to them by a
    /// teammate (`from`, the teammate's name), which should not pull them away from the
    /// conversation on their screen.
    Conversation {
        conversation: AgentConversation,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<String>,
        /// Given to this agent by automatic assignment ([`Assignment`]), unasked: like a
        /// handed conversation, it should not pull them away from the one on their screen.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        assigned: bool,
    },
    /// The reply with this id is stored as number `seq` of its conversation.
    Ack {
        conversation: ConversationId,
        id: ClientMessageId,
        seq: u32,
    },
    /// The reply with this id was not stored, and why.
    Rejected {
        id: ClientMessageId,
        error: ProtocolError,
    },
    /// A message stored in one of this agent's conversations.
    Message {
        conversation: ConversationId,
        message: ChatMessage,
    },
    /// One of this agent's conversations was closed.
    Closed {
        conversation: ConversationId,
    },
    /// An internal note stored in one of this agent's conversations (their own ones too:
    /// the acknowledgement of a `note`).
    Note {
        conversation: ConversationId,
        note: Note,
    },
    /// This agent handed a conversation to `to_name`: it is theirs now.
    Transferred {
        conversation: ConversationId,
        to_name: String,
    },
    /// This agent stepped away (`true`) or is back, from this console or another of theirs.
    Away {
        away: bool,
    },
    /// The visitor of one of this agent's conversations is typing (or stopped); it lapses
    /// after `limits::TYPING_LASTS_MS` without a repeat.
    Typing {
        conversation: ConversationId,
        typing: bool,
    },
    /// The shop's page said who the visitor of one of this agent's conversations is
    /// (`Pronto('identify', {name, email})` on the storefront). The queue shows it too, through
    /// the next `queue`.
    Visitor {
        conversation: ConversationId,
        visitor: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        visitor_email: Option<String>,
    },
    Error(ProtocolError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ErrorCode, decode, encode};

    #[test]
    fn whole_settings_read_as_a_change_of_every_field() {
        let settings = SiteSettings {
            name: "Tienda".into(),
            greeting: "Hola".into(),
            allowed_origins: vec!["https://tienda.example".into()],
            hours: Some(None),
            ask_email_after_secs: Some(60),
            reply_target_secs: Some(120),
            email_reply_target_secs: Some(3 * 3600),
            widget_accent: Some(None),
            widget_position: Some("left".into()),
            widget_lang: Some(Some("pt".into())),
        };
        let change: SiteUpdate = decode(&encode(&settings)).unwrap();
        assert_eq!(
            change,
            SiteUpdate {
                name: Some("Tienda".into()),
                greeting: Some("Hola".into()),
                allowed_origins: Some(vec!["https://tienda.example".into()]),
                hours: Some(None),
                ask_email_after_secs: Some(60),
                reply_target_secs: Some(120),
                email_reply_target_secs: Some(3 * 3600),
                widget_accent: Some(None),
                widget_position: Some("left".into()),
                widget_lang: Some(Some("pt".into())),
            }
        );
        assert_eq!(decode::<SiteUpdate>("{}").unwrap(), SiteUpdate::default());
        assert_eq!(encode(&SiteUpdate::default()), "{}");
    }

    #[test]
    fn hours_left_out_null_or_set_are_three_different_things() {
        let base = r#""name":"Tienda","greeting":"Hola","allowed_origins":[]"#;
        let read = |extra: &str| decode::<SiteSettings>(&format!("{{{base}{extra}}}")).unwrap();
        // Left out (a client older than opening hours): keep them.
        assert_eq!(read("").hours, None);
        // `null`: remove them, always open.
        assert_eq!(read(r#","hours":null"#).hours, Some(None));
        let set = read(
            r#","hours":{"time_zone":"Europe/Madrid","week":{"mon":[{"opens":"09:00","closes":"14:00"}]}}"#,
        );
        let hours = OpeningHours {
            time_zone: "Europe/Madrid".into(),
            week: Week {
                mon: vec![OpenInterval {
                    opens: "09:00".into(),
                    closes: "14:00".into(),
                }],
                ..Week::default()
            },
            holidays: vec![],
        };
        assert_eq!(set.hours, Some(Some(hours)));
        // Each reads back as it was written.
        for settings in [read(""), read(r#","hours":null"#), set] {
            assert_eq!(
                decode::<SiteSettings>(&encode(&settings)).unwrap(),
                settings
            );
        }
        // A day by another name is refused, not quietly closed.
        assert!(
            decode::<SiteSettings>(&format!(
                r#"{{{base},"hours":{{"time_zone":"UTC","week":{{"monday":[]}}}}}}"#
            ))
            .is_err()
        );
    }

    #[test]
    fn widget_appearance_left_out_keeps_and_null_goes_back_to_the_default() {
        let base = r#""name":"Tienda","greeting":"Hola","allowed_origins":[]"#;
        let read = |extra: &str| decode::<SiteSettings>(&format!("{{{base}{extra}}}")).unwrap();
        let kept = read("");
        assert_eq!(
            (kept.widget_accent, kept.widget_position, kept.widget_lang),
            (None, None, None)
        );
        let defaults = read(r#","widget_accent":null,"widget_lang":null"#);
        assert_eq!(
            (defaults.widget_accent.clone(), defaults.widget_lang.clone()),
            (Some(None), Some(None))
        );
        let chosen =
            read(r##","widget_accent":"#b4451f","widget_position":"left","widget_lang":"pt""##);
        assert_eq!(chosen.widget_accent, Some(Some("#b4451f".into())));
        assert_eq!(chosen.widget_position.as_deref(), Some("left"));
        assert_eq!(chosen.widget_lang, Some(Some("pt".into())));
        for settings in [defaults, chosen] {
            assert_eq!(
                decode::<SiteSettings>(&encode(&settings)).unwrap(),
                settings
            );
        }
    }

    #[test]
    fn agent_frames_round_trip() {
        let frames = vec![
            ServerToAgent::Queue {
                now_ms: 5,
                total: 1,
                entries: vec![QueueEntry {
                    conversation: ConversationId(3),
                    visitor: "Visitor 3".into(),
                    visitor_email: Some("v3@tienda.cl".into()),
                    locale: Some("es-CL,es".into()),
                    page: Some("https://tienda.cl/zapatillas".into()),
                    waiting_since_ms: 1,
                    first_message: "Hola".into(),
                }],
            },
            ServerToAgent::Closed {
                conversation: ConversationId(3),
            },
            ServerToAgent::Transferred {
                conversation: ConversationId(3),
                to_name: "Bruno".into(),
            },
            ServerToAgent::Error(ProtocolError::new(ErrorCode::AlreadyTaken, "taken")),
        ];
        for frame in frames {
            assert_eq!(decode::<ServerToAgent>(&encode(&frame)).unwrap(), frame);
        }
        let next: AgentToServer = decode(r#"{"type":"take_next"}"#).unwrap();
        assert_eq!(next, AgentToServer::TakeNext);
        let transfer: AgentToServer =
            decode(r#"{"type":"transfer","conversation":3,"to":2}"#).unwrap();
        assert_eq!(
            transfer,
            AgentToServer::Transfer {
                conversation: ConversationId(3),
                to: AgentId(2)
            }
        );
        let follow_up: AgentToServer = decode(r#"{"type":"follow_up","conversation":3}"#).unwrap();
        assert_eq!(
            follow_up,
            AgentToServer::FollowUp {
                conversation: ConversationId(3)
            }
        );
        let take: AgentToServer = decode(r#"{"type":"take","conversation":3}"#).unwrap();
        assert_eq!(
            take,
            AgentToServer::Take {
                conversation: ConversationId(3)
            }
        );
    }
}
