//! Identifiers with a `parse` constructor, so an invalid id cannot exist past the boundary.

use serde::{Deserialize, Serialize};

use crate::limits::{MAX_CLIENT_ID_CHARS, MAX_SITE_ID_CHARS};
use crate::{ErrorCode, ProtocolError};

/// A shop's site, as written in `data-site` on the script tag: `a-z`, `0-9` and `-`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SiteId(String);

impl SiteId {
    pub fn parse(raw: &str) -> Result<Self, ProtocolError> {
        let valid = !raw.is_empty()
            && raw.chars().count() <= MAX_SITE_ID_CHARS
            && raw
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if valid {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ProtocolError::new(
                ErrorCode::InvalidSite,
                format!("a site id is 1 to {MAX_SITE_ID_CHARS} characters of a-z, 0-9 and '-'"),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for SiteId {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw).map_err(|e| e.message)
    }
}

impl From<SiteId> for String {
    fn from(id: SiteId) -> Self {
        id.0
    }
}

impl std::fmt::Display for SiteId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The id a client gives each message it sends, so that a resend after a lost acknowledgement
/// is recognised and stored once. Clients make them random: 1 to 64 of `A-Z a-z 0-9 - _`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClientMessageId(String);

impl ClientMessageId {
    pub fn parse(raw: &str) -> Result<Self, ProtocolError> {
        let valid = !raw.is_empty()
            && raw.len() <= MAX_CLIENT_ID_CHARS
            && raw
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if valid {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ProtocolError::new(
                ErrorCode::InvalidFrame,
                format!(
                    "a message id is 1 to {MAX_CLIENT_ID_CHARS} characters of A-Z, a-z, 0-9, '-' and '_'"
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Makes an id of `RANDOM_CHARS` symbols from random bytes: each byte picks one of 64
    /// symbols (its low six bits, so a uniform byte gives a uniform symbol). 132 random bits
    /// in all: clients generating ids independently never collide.
    pub fn from_random_bytes(bytes: &[u8; Self::RANDOM_CHARS]) -> Self {
        const SYMBOLS: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        Self(
            bytes
                .iter()
                .map(|byte| char::from(SYMBOLS[usize::from(byte & 63)]))
                .collect(),
        )
    }

    /// How many random bytes [`ClientMessageId::from_random_bytes`] takes.
    pub const RANDOM_CHARS: usize = 22;
}

impl TryFrom<String> for ClientMessageId {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw).map_err(|e| e.message)
    }
}

impl From<ClientMessageId> for String {
    fn from(id: ClientMessageId) -> Self {
        id.0
    }
}

impl std::fmt::Display for ClientMessageId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! numeric_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

numeric_id!(
    /// One conversation between a visitor and the shop, from first message to close.
    ConversationId
);
numeric_id!(
    /// A person who answers chats for a shop.
    AgentId
);
