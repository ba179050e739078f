//! Identifiers with a `parse` constructor, so an invalid id cannot exist past the boundary.

use serde::{Deserialize, Serialize};

use crate::limits::MAX_SITE_ID_CHARS;
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
