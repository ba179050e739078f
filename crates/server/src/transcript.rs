//! A conversation's transcript by e-mail, on request: the visitor asks in the chat, any agent
//! of the shop sends it to the address the visitor gave (`letters::transcript`), in their language.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use pronto_protocol::ErrorCode;
use pronto_protocol::ids::ConversationId;

use crate::app::AppState;
use crate::auth::{SignedIn, ensure_same_site};
use crate::error::{AppError, AppResult};
use crate::letters;
use crate::locale::Lang;
use crate::storage::ensure_of_shop;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/conversations/{id}/transcript", post(send))
}

async fn send(
    State(app): State<AppState>,
    headers: HeaderMap,
    SignedIn(agent): SignedIn,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    ensure_same_site(&headers)?;
    let row = app.store.conversation(ConversationId(id)).await?;
    let conversation = ensure_of_shop(row, &agent.site)?;
    let Some(mailer) = &app.mailer else {
        return Err(AppError::refused(
            ErrorCode::InvalidSetting,
            "e-mail is off on this server (it has no SMTP_URL)",
        ));
    };
    let (_, email) = app.store.visitor_card(conversation.visitor).await?;
    let Some(email) = email else {
        return Err(AppError::refused(
            ErrorCode::InvalidEmail,
            "the visitor has not given an e-mail address",
        ));
    };
    let shop = app
        .store
        .site(&agent.site)
        .await?
        .ok_or_else(|| AppError::refused(ErrorCode::UnknownSite, "no such site"))?;
    let messages = app.store.messages(conversation.id).await?;
    let said = app.store.visitor_said(conversation.visitor).await?;
    let (subject, body) = letters::transcript(
        Lang::for_visitor(said.lang.as_deref(), said.locale.as_deref()),
        &shop.name,
        &messages,
    );
    mailer
        .send(&email, None, &subject, body)
        .await
        .map_err(|error| AppError::Mail(error.to_string()))?;
    tracing::info!(conversation_id = %conversation.id, agent = %agent.id, "transcript e-mailed");
    Ok(StatusCode::NO_CONTENT)
}
