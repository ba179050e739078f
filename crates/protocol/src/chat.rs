//! What a conversation is made of, as both the visitor and the agent see it.

use serde::{Deserialize, Serialize};

use crate::ids::{ClientMessageId, ConversationId};
use crate::limits::MAX_MESSAGE_CHARS;
use crate::{ErrorCode, ProtocolError};

/// Who wrote a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Author {
    Visitor,
    Agent { name: String },
}

/// One stored chat message. `seq` counts from 1 within its conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub seq: u32,
    /// The id its sender gave it, so the sender's other tabs can match it to their outbox.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<ClientMessageId>,
    pub author: Author,
    pub text: String,
    /// Milliseconds since the Unix epoch, by the server's clock.
    pub sent_at_ms: i64,
}

/// Where a conversation stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ConversationState {
    /// In the shop's queue, not yet taken by an agent.
    Waiting,
    /// An agent took it.
    Active { agent_name: String },
    /// Ended by the agent; the visitor may start a new one.
    Closed,
}

/// A whole conversation, sent when a client (re)connects.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    pub id: ConversationId,
    pub state: ConversationState,
    pub messages: Vec<ChatMessage>,
    /// The agent has read the conversation up to this message number (0: not yet).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub read_seq: u32,
}

fn is_zero(seq: &u32) -> bool {
    *seq == 0
}

/// The expected wait until an agent takes the conversation, in seconds from now: the typical
/// wait and the range that about 8 in 10 waits fall in (`low_secs <= typical_secs <=
/// high_secs`). Rounded as a person would be told it — to 10 s under two minutes, to the
/// minute under an hour, to five minutes beyond — so a new value means a new thing to say.
///
/// When there is nothing honest to say (too little history, or no agent online) the queue
/// frame carries no estimate at all (`estimate: None`), never a made-up one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitEstimate {
    /// One visitor in ten waits less than this.
    pub low_secs: u32,
    /// The likeliest wait to show as "about …". Absent from servers older than it, then 0:
    /// show the range alone.
    #[serde(default)]
    pub typical_secs: u32,
    /// One visitor in ten waits longer than this.
    pub high_secs: u32,
}

/// Checks a chat message's text and returns it without surrounding white space.
pub fn validate_text(text: &str) -> Result<&str, ProtocolError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(ProtocolError::new(
            ErrorCode::MessageEmpty,
            "a message needs some text",
        ));
    }
    if trimmed.chars().count() > MAX_MESSAGE_CHARS {
        return Err(ProtocolError::new(
            ErrorCode::MessageTooLong,
            format!("messages are at most {MAX_MESSAGE_CHARS} characters"),
        ));
    }
    Ok(trimmed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(validate_text("  hola \n").unwrap(), "hola");
        assert_eq!(
            validate_text(" \n\t").unwrap_err().code,
            ErrorCode::MessageEmpty
        );
        let accented = "é".repeat(MAX_MESSAGE_CHARS);
        assert!(
            validate_text(&accented).is_ok(),
            "limit counts characters, not bytes"
        );
        let over = "a".repeat(MAX_MESSAGE_CHARS + 1);
        assert_eq!(
            validate_text(&over).unwrap_err().code,
            ErrorCode::MessageTooLong
        );
    }
}
