//! What agents know of a visitor: who they are, since when, and every earlier conversation,
//! for any agent of the shop (rule 3: whoever answers next sees the history at once).

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use pronto_protocol::agent::VisitorHistory;
use pronto_protocol::ids::ConversationId;
use pronto_protocol::limits::EARLIER_CONVERSATIONS_SHOWN;

use crate::app::AppState;
use crate::auth::SignedIn;
use crate::error::AppResult;
use crate::storage::ensure_of_shop;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/conversations/{id}/visitor", get(visitor_of))
}

async fn visitor_of(
    State(app): State<AppState>,
    SignedIn(agent): SignedIn,
    Path(id): Path<i64>,
) -> AppResult<Json<VisitorHistory>> {
    let row = app.store.conversation(ConversationId(id)).await?;
    let conversation = ensure_of_shop(row, &agent.site)?;
    let (visitor, visitor_email) = app.store.visitor_card(conversation.visitor).await?;
    let said = app.store.visitor_said(conversation.visitor).await?;
    Ok(Json(VisitorHistory {
        visitor,
        visitor_email,
        locale: said.locale,
        page: said.page,
        first_seen_ms: app.store.first_seen(conversation.visitor).await?,
        earlier: app
            .store
            .earlier_conversations(
                conversation.visitor,
                conversation.id,
                EARLIER_CONVERSATIONS_SHOWN,
            )
            .await?,
    }))
}
