//! What one Pronto server tells the others, through Redis, when several serve the same shops.
//!
//! Each server subscribes once to the channel of every site it has people connected for and
//! delivers what arrives to its own sockets. Frames for people travel already encoded, so the
//! receiving server hands the same text to each socket without decoding it.

use serde::{Deserialize, Serialize};

use crate::ids::{AgentId, ConversationId, SiteId};

/// An agent's reply: its conversation and number there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub conversation: ConversationId,
    pub seq: u32,
}

/// One event for the connected people of one site.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub site: SiteId,
    pub event: NodeEvent,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NodeEvent {
    /// An encoded `ServerToVisitor` frame for every tab of one visitor (their row id).
    /// `reply`: the frame is an agent's reply, which a server that shows it in an open widget
    /// notes as seen, so that no server of the deployment e-mails it.
    ToVisitor {
        visitor: i64,
        frame: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply: Option<Reply>,
    },
    /// An encoded `ServerToAgent` frame for every console tab of one agent.
    ToAgent { agent: AgentId, frame: String },
    /// The site's queue changed: every server tells its own waiting visitors their places and
    /// its own agents the queue, reading both from the shared database.
    QueueChanged,
    /// A visitor's first message put them in the site's line (their row id): as
    /// `QueueChanged`, and the server with their socket tells them their place at once
    /// rather than in its next paced round.
    VisitorJoined { visitor: i64 },
    /// A conversation of the site ended: a slot is free, so the expected waits changed though
    /// the line did not. Every server feeds its estimator from the database and tells its own
    /// waiting visitors a wait that changed; agents' queue views are left alone.
    ConversationEnded,
    /// An agent opened or closed the site's console somewhere: every server tells its
    /// visitors of the site whether anyone is there to answer, reading it from the database.
    PresenceChanged,
    /// The agent's sessions ended: close their consoles everywhere.
    DisconnectAgent { agent: AgentId },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{decode, encode};

    #[test]
    fn envelopes_round_trip() {
        let envelope = Envelope {
            site: SiteId::parse("demo").unwrap(),
            event: NodeEvent::ToVisitor {
                visitor: 7,
                frame: r#"{"type":"closed"}"#.into(),
                reply: Some(Reply {
                    conversation: ConversationId(3),
                    seq: 2,
                }),
            },
        };
        let text = encode(&envelope);
        assert_eq!(decode::<Envelope>(&text).unwrap(), envelope);
    }
}
