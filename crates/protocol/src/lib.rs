//! Wire types shared by the widget, the console and the server: every frame that crosses a
//! WebSocket or an HTTP request body is defined here and nowhere else.
//!
//! Frames are JSON objects tagged with `"type"`:
//!
//! ```
//! use pronto_protocol::{decode, encode, ids::ClientMessageId, visitor::VisitorToServer};
//!
//! let text = r#"{"type":"send","id":"k3x9","text":"¿Tienen envío a Lima?"}"#;
//! let frame: VisitorToServer = decode(text).unwrap();
//! let id = ClientMessageId::parse("k3x9").unwrap();
//! assert_eq!(frame, VisitorToServer::Send { id, text: "¿Tienen envío a Lima?".into() });
//! assert_eq!(encode(&frame), text);
//! ```

pub mod agent;
pub mod answers;
pub mod chat;
mod codec;
pub mod dashboard;
pub mod error;
pub mod ids;
pub mod json;
pub mod limits;
pub mod node;
pub mod pace;
pub mod visitor;
mod visitor_json;

pub use codec::{decode, decode_frame, encode};
pub use error::{ErrorCode, ProtocolError};

/// Sent in every `hello`; the server refuses versions it does not speak.
pub const PROTOCOL_VERSION: u32 = 1;
