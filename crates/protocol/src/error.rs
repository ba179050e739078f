//! The typed error frame: what went wrong, in a code a program can match and words a person can read.

use serde::{Deserialize, Serialize};

/// Declares `ErrorCode` with each code's name on the wire written once, so serde (on the
/// server) and the widget's own reader (`visitor_json`) cannot disagree about it.
macro_rules! error_codes {
    ($($(#[$doc:meta])* $code:ident = $wire:literal,)*) => {
        /// Why the server refused a frame or a request.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
        pub enum ErrorCode {
            $($(#[$doc])* #[serde(rename = $wire)] $code,)*
        }

        impl ErrorCode {
            /// The code as it is written on the wire.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$code => $wire,)*
                }
            }

            /// The code written `wire`, if there is one. (Through `as_str`, so the names are
            /// stored once in the widget's download, not once per direction.)
            pub fn from_wire(wire: &str) -> Option<ErrorCode> {
                Self::ALL.iter().copied().find(|code| code.as_str() == wire)
            }

            /// Every code, in declaration order.
            pub const ALL: &[ErrorCode] = &[$(ErrorCode::$code,)*];
        }
    };
}

error_codes! {
    /// The frame is not JSON.
    MalformedJson = "malformed_json",
    /// The frame is JSON but not a frame this side accepts (unknown type, wrong field types).
    InvalidFrame = "invalid_frame",
    /// The frame is larger than `limits::MAX_FRAME_BYTES`.
    FrameTooLarge = "frame_too_large",
    /// Binary frames are not part of the protocol.
    BinaryFrame = "binary_frame",
    /// The first frame on a socket must be `hello`.
    HelloRequired = "hello_required",
    /// `hello` was already sent on this socket.
    AlreadyGreeted = "already_greeted",
    /// The client speaks a protocol version the server does not.
    UnsupportedVersion = "unsupported_version",
    /// The site id is not well formed.
    InvalidSite = "invalid_site",
    /// No such site is served here.
    UnknownSite = "unknown_site",
    /// A chat message with nothing but white space.
    MessageEmpty = "message_empty",
    /// A chat message over `limits::MAX_MESSAGE_CHARS`.
    MessageTooLong = "message_too_long",
    /// No such conversation for this agent's site.
    ConversationNotFound = "conversation_not_found",
    /// Another agent took the conversation first.
    AlreadyTaken = "already_taken",
    /// `take_next` found nobody waiting.
    QueueEmpty = "queue_empty",
    /// An account with this e-mail address exists already.
    EmailTaken = "email_taken",
    /// The conversation belongs to another agent.
    NotYourConversation = "not_your_conversation",
    /// The conversation is closed.
    ConversationClosed = "conversation_closed",
    /// The page's origin is not one the site allows (or, for the console, not this server).
    OriginNotAllowed = "origin_not_allowed",
    /// More frames per second than `limits::FRAMES_PER_SECOND` allows; slow down.
    RateLimited = "rate_limited",
    /// More open sockets from one address than `limits::MAX_CONNECTIONS_PER_IP`.
    TooManyConnections = "too_many_connections",
    /// More new conversations in an hour than `limits::MAX_CONVERSATIONS_PER_HOUR`.
    TooManyConversations = "too_many_conversations",
    /// The WebSocket itself broke the protocol (for example invalid UTF-8 in a text frame).
    ProtocolViolation = "protocol_violation",
    /// A message id that another sender already used.
    DuplicateId = "duplicate_id",
    /// An `identify` whose signature does not check out (or the site has none set up).
    IdentityRejected = "identity_rejected",
    /// A visitor's name in `profile` is empty, too long or has control characters.
    InvalidName = "invalid_name",
    /// A visitor's e-mail address in `profile` does not look like one.
    InvalidEmail = "invalid_email",
    /// Only the shop's owner may do that.
    OwnerOnly = "owner_only",
    /// A setting's value is not acceptable; the message says which and why.
    InvalidSetting = "invalid_setting",
    /// Opening hours that do not make a schedule (a time that is not `HH:MM`, an interval
    /// that closes before it opens or overlaps another, a holiday that is not a date).
    InvalidHours = "invalid_hours",
    /// Not a time zone of the IANA database, such as `America/Santiago`.
    InvalidTimeZone = "invalid_time_zone",
    /// A transfer to someone who is not on the shop's team or not online now.
    AgentUnavailable = "agent_unavailable",
    /// A quick answer the owner wrote is not acceptable (a language the widget does not
    /// speak, an empty question, too long); the message says which.
    InvalidAnswer = "invalid_answer",
    /// No quick answer of the shop has this id.
    AnswerNotFound = "answer_not_found",
    /// The conversation has not ended: only an ended one can be rated or followed up.
    ConversationOpen = "conversation_open",
    /// Not a date written `YYYY-MM-DD`, or one already past (a follow-up is today or later).
    InvalidDate = "invalid_date",
    /// Sign-in failed or the session has ended.
    Unauthorized = "unauthorized",
    /// Something broke on the server; details are in its log, not here.
    Internal = "internal",
}

/// An error frame body; `message` is for people and may change, `code` is for programs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtocolError {
    pub code: ErrorCode,
    pub message: String,
}

impl ProtocolError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for ProtocolError {}
