//! The typed error frame: what went wrong, in a code a program can match and words a person can read.

use serde::{Deserialize, Serialize};

/// Why the server refused a frame or a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame is not JSON.
    MalformedJson,
    /// The frame is JSON but not a frame this side accepts (unknown type, wrong field types).
    InvalidFrame,
    /// The frame is larger than `limits::MAX_FRAME_BYTES`.
    FrameTooLarge,
    /// Binary frames are not part of the protocol.
    BinaryFrame,
    /// The first frame on a socket must be `hello`.
    HelloRequired,
    /// `hello` was already sent on this socket.
    AlreadyGreeted,
    /// The client speaks a protocol version the server does not.
    UnsupportedVersion,
    /// The site id is not well formed.
    InvalidSite,
    /// No such site is served here.
    UnknownSite,
    /// A chat message with nothing but white space.
    MessageEmpty,
    /// A chat message over `limits::MAX_MESSAGE_CHARS`.
    MessageTooLong,
    /// No such conversation for this agent's site.
    ConversationNotFound,
    /// Another agent took the conversation first.
    AlreadyTaken,
    /// `take_next` found nobody waiting.
    QueueEmpty,
    /// An account with this e-mail address exists already.
    EmailTaken,
    /// The conversation belongs to another agent.
    NotYourConversation,
    /// The conversation is closed.
    ConversationClosed,
    /// The page's origin is not one the site allows (or, for the console, not this server).
    OriginNotAllowed,
    /// More frames per second than `limits::FRAMES_PER_SECOND` allows; slow down.
    RateLimited,
    /// More open sockets from one address than `limits::MAX_CONNECTIONS_PER_IP`.
    TooManyConnections,
    /// More new conversations in an hour than `limits::MAX_CONVERSATIONS_PER_HOUR`.
    TooManyConversations,
    /// The WebSocket itself broke the protocol (for example invalid UTF-8 in a text frame).
    ProtocolViolation,
    /// A message id that another sender already used.
    DuplicateId,
    /// An `identify` whose signature does not check out (or the site has none set up).
    IdentityRejected,
    /// Only the shop's owner may do that.
    OwnerOnly,
    /// A setting's value is not acceptable; the message says which and why.
    InvalidSetting,
    /// Sign-in failed or the session has ended.
    Unauthorized,
    /// Something broke on the server; details are in its log, not here.
    Internal,
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
        write!(f, "{:?}: {}", self.code, self.message)
    }
}

impl std::error::Error for ProtocolError {}
