//! Turning frames into text and back, with the size check and typed errors in one place.

use serde::{Serialize, de::DeserializeOwned};

use crate::limits::MAX_FRAME_BYTES;
use crate::{ErrorCode, ProtocolError};

/// Encodes a frame. Frames are plain data, so encoding cannot fail.
pub fn encode<T: Serialize>(frame: &T) -> String {
    serde_json::to_string(frame).expect("protocol frames always serialise")
}

/// Decodes a frame a client sent, refusing frames over `MAX_FRAME_BYTES` before parsing them.
/// (Frames from the server, such as a long queue, may be larger.)
pub fn decode_frame<T: DeserializeOwned>(text: &str) -> Result<T, ProtocolError> {
    if text.len() > MAX_FRAME_BYTES {
        return Err(ProtocolError::new(
            ErrorCode::FrameTooLarge,
            format!("frames are at most {MAX_FRAME_BYTES} bytes"),
        ));
    }
    decode(text)
}

/// Decodes a text frame, telling malformed JSON apart from JSON that is not a valid frame.
pub fn decode<T: DeserializeOwned>(text: &str) -> Result<T, ProtocolError> {
    serde_json::from_str(text).map_err(|err| {
        let code = match err.classify() {
            serde_json::error::Category::Data => ErrorCode::InvalidFrame,
            _ => ErrorCode::MalformedJson,
        };
        ProtocolError::new(code, err.to_string())
    })
}
