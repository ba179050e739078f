//! Frames between the visitor's widget and the server, on `/ws/visitor`.

use serde::{Deserialize, Serialize};

use crate::answers::QuickAnswer;
use crate::chat::{ChatMessage, Conversation, WaitEstimate};
use crate::ids::{ClientMessageId, ConversationId, SiteId};
use crate::limits::{MAX_EMAIL_CHARS, MAX_NAME_CHARS, MAX_RATING_COMMENT_CHARS};
use crate::{ErrorCode, ProtocolError};

/// What the widget sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum VisitorToServer {
    /// First frame on every socket. `token` is the one the server issued before, if any.
    Hello {
        version: u32,
        site: SiteId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<String>,
        /// What the widget already has; the welcome then carries only what it missed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume: Option<Resume>,
    },
    /// The shop's logged-in customer, vouched for by the shop's backend: `signature` is the
    /// hex HMAC-SHA256 of `user_id` under the site's identity secret. With a valid signature
    /// the server joins this visitor's conversations with the same customer's on other
    /// devices and answers with a fresh `welcome`.
    Identify { user_id: String, signature: String },
    /// A chat message. With no open conversation, this starts one in the shop's queue.
    /// Sending the same `id` again (after a lost acknowledgement) stores nothing new.
    Send { id: ClientMessageId, text: String },
    /// The visitor is typing (`true`, repeated every `limits::TYPING_REPEAT_MS` while they
    /// type), or stopped (`false`). Told to the agent holding the conversation, if any.
    Typing { typing: bool },
    /// What the page knows about the visitor (`Pronto('identify', {name, email})`), shown to
    /// the shop's agents. Unverified: the page says so, nobody proves it. A field left out
    /// keeps what was said before. Checked by [`Profile::check`] on both sides.
    Profile {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        email: Option<String>,
    },
    /// The visitor rates their latest conversation once it has ended: good or bad, and what
    /// they want to add (up to `limits::MAX_RATING_COMMENT_CHARS`). Rating it again replaces
    /// the rating. Refused with `conversation_open` while it goes on.
    Rate {
        good: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
    /// The visitor read the shop's quick answer `answer` (an id from `Shop::answers`) and
    /// said whether it solved their question; counted on the owner's dashboard.
    AnswerHelped { answer: u32, helped: bool },
}

/// The rules for a visitor's name and e-mail address, in one place for the widget (which
/// refuses a bad `identify` call at once, to the page's developer) and the server.
pub struct Profile;

impl Profile {
    /// The name and address as they will be kept (trimmed), or a typed error saying which
    /// is wrong: `invalid_name` (empty, longer than `limits::MAX_NAME_CHARS`, control
    /// characters) or `invalid_email` (not `someone@domain.tld`, longer than
    /// `limits::MAX_EMAIL_CHARS`).
    pub fn check(
        name: Option<&str>,
        email: Option<&str>,
    ) -> Result<(Option<String>, Option<String>), ProtocolError> {
        let name = name.map(str::trim);
        if let Some(name) = name {
            let length = name.chars().count();
            if length == 0 || length > MAX_NAME_CHARS || name.chars().any(char::is_control) {
                return Err(ProtocolError::new(
                    ErrorCode::InvalidName,
                    // Written out, not formatted: the widget downloads this code (a test
                    // keeps the number equal to the limit).
                    "a name has 1 to 120 characters, none of them control characters",
                ));
            }
        }
        let email = email.map(str::trim);
        if let Some(email) = email
            && !is_email(email)
        {
            return Err(ProtocolError::new(
                ErrorCode::InvalidEmail,
                "an e-mail address looks like someone@example.com",
            ));
        }
        Ok((name.map(str::to_owned), email.map(str::to_owned)))
    }
}

/// `local@domain.tld`: one `@`, something before it, a domain with a dot inside it, no
/// spaces or control characters, within `MAX_EMAIL_CHARS`. Deliverability is the mail
/// server's to judge; this catches the slips a form lets through.
fn is_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    email.chars().count() <= MAX_EMAIL_CHARS
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'))
}

/// A rating's comment as it will be kept: trimmed, `None` when nothing is left, or a
/// `message_too_long` error past `limits::MAX_RATING_COMMENT_CHARS`. One rule for the widget
/// and the server.
pub fn rating_comment(comment: Option<&str>) -> Result<Option<String>, ProtocolError> {
    let Some(comment) = comment.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    if comment.chars().count() > MAX_RATING_COMMENT_CHARS {
        return Err(ProtocolError::new(
            ErrorCode::MessageTooLong,
            format!("a comment has at most {MAX_RATING_COMMENT_CHARS} characters"),
        ));
    }
    Ok(Some(comment.to_owned()))
}

/// The conversation a reconnecting widget has, and the last message it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resume {
    pub conversation: ConversationId,
    pub last_seq: u32,
}

/// The shop as the visitor sees it in the widget's header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shop {
    pub name: String,
    pub greeting: String,
    /// Whether an agent of the shop has the console open right now, anywhere: the panel says
    /// "we typically reply in a few minutes" or "we're away". Kept up to date by `availability`.
    #[serde(default)]
    pub online: bool,
    /// How long the shop typically takes to answer a new conversation, in seconds: the median
    /// first reply of the last 7 days, counting conversations begun within opening hours.
    /// `None` while there is too little history to say: show an honest default, no number.
    /// Kept up to date by `availability`, as are the fields around it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typical_reply_secs: Option<u32>,
    /// While the shop is closed by its opening hours: when it opens again (ms since the Unix
    /// epoch), to say "back at 9:00, in 3 hours" in the visitor's own clock and language.
    /// `None` while it is open, and for a shop without opening hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opens_at_ms: Option<i64>,
    /// After this long in line (seconds), the widget offers to reply by e-mail; at once while
    /// nobody is there to answer.
    #[serde(default = "default_ask_email_after_secs")]
    pub ask_email_after_secs: u32,
    /// The shop's quick answers, in every language it wrote them in: the widget offers those
    /// in the visitor's language while they type, without asking the server.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<QuickAnswer>,
}

/// How long a visitor waits in line before the widget offers to reply by e-mail, unless the
/// owner says otherwise.
pub const DEFAULT_ASK_EMAIL_AFTER_SECS: u32 = 180;

fn default_ask_email_after_secs() -> u32 {
    DEFAULT_ASK_EMAIL_AFTER_SECS
}

/// What the server sends to the widget.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerToVisitor {
    /// Answer to `hello`: the visitor's token (keep it to come back) and their latest
    /// conversation, if any.
    Welcome {
        token: String,
        shop: Shop,
        conversation: Option<Conversation>,
        /// True when `conversation` is the one in `hello`'s `resume` and holds only the
        /// messages after its `last_seq`; false when it holds the whole conversation.
        #[serde(default)]
        resumed: bool,
        /// The e-mail address the shop has for this visitor, if any: replies they miss go
        /// there, and the widget does not ask for one again.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        email: Option<String>,
    },
    /// The visitor's place in the queue (1: next to be taken) and the expected wait, sent when
    /// either changes, at most once a second. `estimate: None` means the wait is unknown (too
    /// little history, or nobody online to answer): say nothing about time rather than guess.
    Queue {
        position: u32,
        estimate: Option<WaitEstimate>,
    },
    /// An agent took the conversation.
    Assigned {
        agent_name: String,
    },
    /// The message with this id is stored as number `seq` (sent again for a repeated id).
    Ack {
        id: ClientMessageId,
        seq: u32,
    },
    /// The message with this id was not stored, and why. Clients send it again by themselves
    /// after a passing refusal (`pace::is_transient`) and offer the visitor a retry otherwise.
    Rejected {
        id: ClientMessageId,
        error: ProtocolError,
    },
    /// A message was stored in the visitor's conversation (their own ones included).
    Message {
        message: ChatMessage,
    },
    /// The agent closed the conversation.
    Closed,
    /// The agent is typing a reply (or stopped); it lapses after `limits::TYPING_LASTS_MS`
    /// without a repeat.
    Typing {
        typing: bool,
    },
    /// Someone is there to answer now (an agent opened the console), or nobody is any more;
    /// also sent when the shop opens or closes by its opening hours. Carries the same
    /// `typical_reply_secs` and `opens_at_ms` as the welcome's `Shop`, current: each frame
    /// replaces all three (absent from servers older than them: unknown, no schedule).
    Availability {
        online: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        typical_reply_secs: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        opens_at_ms: Option<i64>,
    },
    /// The agent holding the conversation has read it up to message `seq`: the visitor's
    /// messages up to there show as read.
    Read {
        seq: u32,
    },
    Error(ProtocolError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::{Author, ConversationState};
    use crate::{ErrorCode, decode, encode};

    #[test]
    fn the_name_rule_names_the_limit_it_checks() {
        let longest = "n".repeat(MAX_NAME_CHARS);
        assert!(Profile::check(Some(&longest), None).is_ok());
        let refused = Profile::check(Some(&format!("{longest}n")), None).unwrap_err();
        assert_eq!(refused.code, ErrorCode::InvalidName);
        assert!(
            refused.message.contains(&format!("1 to {MAX_NAME_CHARS} ")),
            "{}",
            refused.message
        );
    }

    fn round_trip<T>(frame: T)
    where
        T: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        let text = encode(&frame);
        assert_eq!(decode::<T>(&text).unwrap(), frame, "{text}");
    }

    #[test]
    fn visitor_frames_round_trip() {
        round_trip(VisitorToServer::Hello {
            version: crate::PROTOCOL_VERSION,
            site: SiteId::parse("demo").unwrap(),
            token: Some("abc".into()),
            resume: Some(Resume {
                conversation: ConversationId(4),
                last_seq: 9,
            }),
        });
        round_trip(VisitorToServer::Send {
            id: ClientMessageId::parse("m-1").unwrap(),
            text: "¿Hacen envíos a Valparaíso?".into(),
        });
        round_trip(ServerToVisitor::Ack {
            id: ClientMessageId::parse("m-1").unwrap(),
            seq: 3,
        });
        round_trip(ServerToVisitor::Rejected {
            id: ClientMessageId::parse("m-1").unwrap(),
            error: ProtocolError::new(ErrorCode::MessageTooLong, "too long"),
        });
        round_trip(ServerToVisitor::Welcome {
            token: "t".into(),
            shop: Shop {
                name: "Tienda".into(),
                greeting: "¡Hola!".into(),
                online: true,
                typical_reply_secs: Some(240),
                opens_at_ms: Some(1_764_000_000_000),
                ask_email_after_secs: DEFAULT_ASK_EMAIL_AFTER_SECS,
                answers: vec![],
            },
            conversation: Some(Conversation {
                read_seq: 0,
                id: ConversationId(7),
                state: ConversationState::Active {
                    agent_name: "Ana".into(),
                },
                messages: vec![ChatMessage {
                    seq: 1,
                    client_id: None,
                    author: Author::Agent { name: "Ana".into() },
                    text: "Hola".into(),
                    sent_at_ms: 1,
                }],
            }),
            resumed: false,
            email: Some("ana@tienda.cl".into()),
        });
        round_trip(ServerToVisitor::Queue {
            position: 2,
            estimate: Some(WaitEstimate {
                low_secs: 60,
                typical_secs: 120,
                high_secs: 180,
            }),
        });
        round_trip(ServerToVisitor::Closed);
        round_trip(ServerToVisitor::Error(ProtocolError::new(
            ErrorCode::MessageTooLong,
            "too long",
        )));
    }

    #[test]
    fn error_frame_is_flat_and_tagged() {
        let text = encode(&ServerToVisitor::Error(ProtocolError::new(
            ErrorCode::FrameTooLarge,
            "big",
        )));
        assert_eq!(
            text,
            r#"{"type":"error","code":"frame_too_large","message":"big"}"#
        );
    }

    #[test]
    fn bad_frames_get_typed_errors() {
        let code = |text: &str| {
            crate::decode_frame::<VisitorToServer>(text)
                .unwrap_err()
                .code
        };
        assert_eq!(code("{not json"), ErrorCode::MalformedJson);
        assert_eq!(code(""), ErrorCode::MalformedJson);
        assert_eq!(code(r#"{"type":"dance"}"#), ErrorCode::InvalidFrame);
        assert_eq!(
            code(r#"{"type":"send","text":42}"#),
            ErrorCode::InvalidFrame
        );
        assert_eq!(
            code(r#"{"type":"hello","version":1,"site":"Not Valid!"}"#),
            ErrorCode::InvalidFrame
        );
        let huge = format!(
            r#"{{"type":"send","id":"a","text":"{}"}}"#,
            "a".repeat(crate::limits::MAX_FRAME_BYTES)
        );
        assert_eq!(code(&huge), ErrorCode::FrameTooLarge);
    }

    #[test]
    fn profiles_are_trimmed_or_refused_with_the_field_to_blame() {
        assert_eq!(
            Profile::check(Some("  Ana María "), Some(" ana@tienda.cl ")),
            Ok((Some("Ana María".into()), Some("ana@tienda.cl".into())))
        );
        assert_eq!(Profile::check(None, None), Ok((None, None)));
        let code = |name: Option<&str>, email: Option<&str>| {
            Profile::check(name, email).map_err(|error| error.code)
        };
        assert_eq!(code(Some("   "), None), Err(ErrorCode::InvalidName));
        assert_eq!(code(Some("a\u{0}b"), None), Err(ErrorCode::InvalidName));
        let long = "ñ".repeat(MAX_NAME_CHARS + 1);
        assert_eq!(code(Some(&long), None), Err(ErrorCode::InvalidName));
        assert!(code(Some(&long[..2 * MAX_NAME_CHARS]), None).is_ok());
        for bad in [
            "ana",
            "ana@",
            "@tienda.cl",
            "ana@tienda",
            "ana@.cl",
            "ana@tienda.",
            "a b@c.cl",
            "a@b@c.cl",
            "ana@tienda..cl",
            "Ana <ana@tienda.cl>",
        ] {
            assert_eq!(code(None, Some(bad)), Err(ErrorCode::InvalidEmail), "{bad}");
        }
        assert!(code(None, Some("josé.pérez+pedidos@tienda.com.br")).is_ok());
        let long_email = format!("{}@tienda.cl", "a".repeat(MAX_EMAIL_CHARS));
        assert_eq!(code(None, Some(&long_email)), Err(ErrorCode::InvalidEmail));
    }
}
