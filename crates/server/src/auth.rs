//! Agents signing in and out of the console: argon2 password checks and session cookies.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use pronto_protocol::ErrorCode;
use pronto_protocol::agent::{AgentProfile, LoginRequest, Role};
use pronto_protocol::limits::{
    MAX_FAILED_SIGN_INS_PER_ACCOUNT, MAX_FAILED_SIGN_INS_PER_ADDRESS, MAX_NAME_CHARS,
    MAX_PASSWORD_CHARS, SIGN_IN_WINDOW_SECS,
};

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::origin;
use crate::storage::Agent;

const SESSION_COOKIE: &str = "pronto_session";
/// Thirty days: agents sign in on their own devices and stay signed in.
const SESSION_MAX_AGE_SECS: u32 = 30 * 24 * 3600;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/login", post(login))
        .route("/api/logout", post(logout))
        .route("/api/logout-everywhere", post(logout_everywhere))
        .route("/api/me", get(me))
}

/// Hashes a password for storage, as an argon2id PHC string.
pub async fn hash_password(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| AppError::Hashing(e.to_string()))
    })
    .await
    .map_err(|e| AppError::Hashing(e.to_string()))?
}

async fn password_matches(password: String, stored: String) -> AppResult<bool> {
    // Hashing takes tens of milliseconds of CPU by design; keep it off the async workers.
    tokio::task::spawn_blocking(move || {
        let stored = PasswordHash::new(&stored).map_err(|e| AppError::Hashing(e.to_string()))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &stored)
            .is_ok())
    })
    .await
    .map_err(|e| AppError::Hashing(e.to_string()))?
}

fn unauthorized(message: &str) -> AppError {
    AppError::refused(ErrorCode::Unauthorized, message)
}

/// Refuses state-changing console requests from pages of other sites (CSRF).
pub fn ensure_same_site(headers: &HeaderMap) -> AppResult<()> {
    if origin::is_same_site(headers) {
        Ok(())
    } else {
        Err(AppError::refused(
            ErrorCode::OriginNotAllowed,
            "the console only works on its own site",
        ))
    }
}

async fn login(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(request): Json<LoginRequest>,
) -> AppResult<Response> {
    ensure_same_site(&headers)?;
    let wrong = || unauthorized("wrong e-mail or password");
    if request.email.chars().count() > MAX_NAME_CHARS
        || request.password.chars().count() > MAX_PASSWORD_CHARS
    {
        return Err(wrong());
    }
    let email = request.email.trim().to_lowercase();
    let account = format!("account:{email}");
    let address = format!("address:{}", peer.ip());
    let limits = [
        (account.as_str(), MAX_FAILED_SIGN_INS_PER_ACCOUNT),
        (address.as_str(), MAX_FAILED_SIGN_INS_PER_ADDRESS),
    ];
    if app.sign_ins.is_blocked(&limits) {
        tracing::warn!(ip = %peer.ip(), "sign-in refused after repeated failures");
        return Err(AppError::refused(
            ErrorCode::RateLimited,
            format!(
                "too many failed sign-ins; try again in {} minutes",
                SIGN_IN_WINDOW_SECS / 60
            ),
        ));
    }
    let agent = app.store.agent_by_email(&email).await?;
    // An unknown e-mail costs the same hashing as a wrong password, so the time taken does
    // not tell which accounts exist.
    let stored = match &agent {
        Some(agent) => agent.password_hash.clone(),
        None => decoy_hash().await?,
    };
    let matches = password_matches(request.password, stored).await?;
    let Some(agent) = agent.filter(|_| matches) else {
        app.sign_ins.failed(&[&account, &address]);
        return Err(wrong());
    };
    app.sign_ins.succeeded(&account);
    let token = app.store.create_session(agent.id).await?;
    tracing::info!(agent_id = %agent.id, "agent signed in");
    let cookie = format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={SESSION_MAX_AGE_SECS}{}",
        secure_flag(&app, &headers)
    );
    let mut response = Json(agent.profile()).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).expect("token is hex"),
    );
    Ok(response)
}

/// `; Secure` when the console is served over TLS (directly, or behind a proxy that says so).
fn secure_flag(app: &AppState, headers: &HeaderMap) -> &'static str {
    let forwarded_https = headers
        .get("x-forwarded-proto")
        .is_some_and(|proto| proto.as_bytes().eq_ignore_ascii_case(b"https"));
    if app.secure_cookies || forwarded_https {
        "; Secure"
    } else {
        ""
    }
}

/// A hash of nothing anyone knows, made once, to check wrong e-mails against.
async fn decoy_hash() -> AppResult<String> {
    static DECOY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DECOY
        .get_or_try_init(|| hash_password(crate::storage::random_token()))
        .await
        .cloned()
}

fn expired_cookie() -> HeaderValue {
    HeaderValue::from_static("pronto_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
}

async fn logout(State(app): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    ensure_same_site(&headers)?;
    if let Some(token) = session_token(&headers) {
        app.store.delete_session(token).await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, expired_cookie());
    Ok(response)
}

/// Ends every session of the signed-in agent and disconnects their open consoles.
async fn logout_everywhere(
    State(app): State<AppState>,
    headers: HeaderMap,
    SignedIn(agent): SignedIn,
) -> AppResult<Response> {
    ensure_same_site(&headers)?;
    app.store.delete_sessions_of(agent.id).await?;
    app.fanout.disconnect_agent(&agent.site, agent.id);
    tracing::info!(agent_id = %agent.id, "agent signed out everywhere");
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, expired_cookie());
    Ok(response)
}

async fn me(agent: SignedIn) -> Json<AgentProfile> {
    Json(agent.0.profile())
}

fn session_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, token)| token)
}

/// The shop's owner behind the request; 401 without a session, 403 for a plain agent.
pub struct Owner(pub Agent);

impl FromRequestParts<AppState> for Owner {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> AppResult<Self> {
        let SignedIn(agent) = SignedIn::from_request_parts(parts, app).await?;
        if agent.role != Role::Owner {
            return Err(AppError::refused(
                ErrorCode::OwnerOnly,
                "only the shop's owner may change this",
            ));
        }
        Ok(Self(agent))
    }
}

/// The agent behind the request's session cookie; rejects with 401 when there is none.
pub struct SignedIn(pub Agent);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> AppResult<Self> {
        let token = session_token(&parts.headers).ok_or_else(|| unauthorized("please sign in"))?;
        let agent = app
            .store
            .agent_by_session(token)
            .await?
            .ok_or_else(|| unauthorized("your session has ended; please sign in again"))?;
        Ok(Self(agent))
    }
}
