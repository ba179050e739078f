//! Who answers a waiting visitor: the agent who takes them, or, when the owner turns on
//! automatic assignment, the agent online with a free slot and the fewest chats.
//!
//! Assignment runs on the server where something made it possible: a visitor joined the
//! line, an agent came, came back from away, ended or handed on a chat, or the owner gave
//! more slots or turned it on. It reads the shared database, so it does not matter which
//! server that is, and [`crate::storage::Store::assign_next`] keeps two servers doing it at
//! once from filling one slot twice.

use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::HeaderMap;
use axum::routing::get;
use axum::{Json, Router};
use pronto_protocol::ErrorCode;
use pronto_protocol::agent::{Assignment, ServerToAgent};
use pronto_protocol::ids::{AgentId, SiteId};
use pronto_protocol::visitor::ServerToVisitor;

use crate::app::AppState;
use crate::auth::{Owner, SignedIn, ensure_same_site};
use crate::error::{AppError, AppResult};
use crate::storage::ConversationRow;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/site/assignment", get(read).put(change))
}

async fn read(
    State(app): State<AppState>,
    SignedIn(agent): SignedIn,
) -> AppResult<Json<Assignment>> {
    let automatic = app.store.auto_assign(&agent.site).await?;
    Ok(Json(Assignment { automatic }))
}

async fn change(
    State(app): State<AppState>,
    headers: HeaderMap,
    Owner(owner): Owner,
    assignment: Result<Json<Assignment>, JsonRejection>,
) -> AppResult<Json<Assignment>> {
    ensure_same_site(&headers)?;
    let Json(assignment) = assignment
        .map_err(|rejection| AppError::refused(ErrorCode::InvalidSetting, rejection.body_text()))?;
    app.store
        .set_auto_assign(&owner.site, assignment.automatic)
        .await?;
    tracing::info!(site = %owner.site, automatic = assignment.automatic, "assignment changed");
    // Turned on with visitors waiting: they go to whoever has room now.
    waiting(&app, &owner.site).await;
    Ok(Json(assignment))
}

/// Gives the site's waiting visitors to agents with free slots, longest-waiting first, while
/// the shop assigns automatically and both remain. Failures are logged, not returned: the
/// event that called this (a message stored, a chat closed) has happened either way, and
/// the visitors still wait to be taken by hand.
pub async fn waiting(app: &AppState, site: &SiteId) {
    if let Err(error) = assign_while_room(app, site).await {
        tracing::error!(%error, %site, "could not assign waiting visitors");
    }
}

async fn assign_while_room(app: &AppState, site: &SiteId) -> AppResult<()> {
    if !app.store.auto_assign(site).await? {
        return Ok(());
    }
    while let Some((agent, name, row)) = app
        .store
        .assign_next(site, crate::presence::LASTS_MS)
        .await?
    {
        tracing::info!(conversation_id = %row.id, agent_id = %agent, "conversation assigned");
        handed(app, agent, &name, row, true).await?;
    }
    Ok(())
}

/// Tells everyone concerned that `agent` (named `name`) holds `row` now: taken by them from
/// the line or to follow it up, or `assigned` to them. Their consoles get it, the visitor
/// hears who answers, and the queue and its estimates change for everyone.
pub async fn handed(
    app: &AppState,
    agent: AgentId,
    name: &str,
    row: ConversationRow,
    assigned: bool,
) -> AppResult<()> {
    let site = &row.site;
    let fanout = &app.fanout;
    let conversation = app.store.agent_conversation(&row).await?;
    fanout.to_agent(
        site,
        agent,
        &ServerToAgent::Conversation {
            conversation,
            from: None,
            assigned,
        },
    );
    fanout.to_visitor(
        site,
        row.visitor,
        &ServerToVisitor::Assigned {
            agent_name: name.to_owned(),
        },
    );
    fanout.queue_changed(site);
    Ok(())
}
