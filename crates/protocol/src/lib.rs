//! Wire types shared by the widget, the console and the server: every frame that crosses a
//! WebSocket or an HTTP request body is defined here and nowhere else.
//!
//! Frames are JSON objects tagged with `"type"`:
//!
//! ```
//! use pronto_protocol::{decode, encode, visitor::VisitorToServer};
//!
//! let frame: VisitorToServer = decode(r#"{"type":"send","text":"¿Tienen envío a Lima?"}"#).unwrap();
//! assert_eq!(frame, VisitorToServer::Send { text: "¿Tienen envío a Lima?".into() });
//! assert!(encode(&frame).starts_with(r#"{"type":"send""#));
//! ```

pub mod agent;
pub mod chat;
mod codec;
pub mod error;
pub mod ids;
pub mod limits;
pub mod visitor;

pub use codec::{decode, encode};
pub use error::{ErrorCode, ProtocolError};

/// Sent in every `hello`; the server refuses versions it does not speak.
pub const PROTOCOL_VERSION: u32 = 1;
