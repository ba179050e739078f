//! The server's one error type: refusals the client may read, and failures it may not.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pronto_protocol::{ErrorCode, ProtocolError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The client asked for something it may not have or sent something invalid; it is told why.
    #[error(transparent)]
    Refused(#[from] ProtocolError),
    /// Storage failed. Logged in full; the client only hears "internal".
    #[error("storage: {0}")]
    Storage(#[from] sqlx::Error),
    /// Redis, which carries events between servers, failed.
    #[error("fan-out: {0}")]
    Fanout(#[from] redis::RedisError),
    /// Events could not be handed to the other servers.
    #[error(transparent)]
    Unpublished(#[from] crate::fanout::Unpublished),
    /// Password hashing failed (a malformed stored hash, or a panicked worker).
    #[error("password hashing: {0}")]
    Hashing(String),
    /// The SMTP server did not take an e-mail.
    #[error("e-mail: {0}")]
    Mail(String),
}

impl AppError {
    pub fn refused(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Refused(ProtocolError::new(code, message))
    }

    /// What the client may be told: refusals as they are, failures logged and made opaque.
    pub fn to_client(&self) -> ProtocolError {
        match self {
            Self::Refused(refusal) => refusal.clone(),
            failure => {
                tracing::error!(error = %failure, "request failed");
                ProtocolError::new(ErrorCode::Internal, "something went wrong on our side")
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = self.to_client();
        let status = match body.code {
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::OriginNotAllowed | ErrorCode::OwnerOnly => StatusCode::FORBIDDEN,
            ErrorCode::EmailTaken => StatusCode::CONFLICT,
            ErrorCode::TooManyConnections | ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        (status, Json(body)).into_response()
    }
}

pub type AppResult<T> = Result<T, AppError>;
