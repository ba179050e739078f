//! Follow-ups (rule 10 of the seed): any agent marks a conversation to come back to on a day
//! in the shop's time zone; the console lists the shop's marks, due ones first; following up
//! opens the ended conversation again for the agent (`agent::Session`), and what they write
//! reaches the visitor in the widget, or by e-mail if they are not there (`mail`).

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, put};
use axum::{Json, Router};
use jiff::civil::Date;
use pronto_protocol::ErrorCode;
use pronto_protocol::agent::{FollowUpMark, FollowUps};
use pronto_protocol::ids::{ConversationId, SiteId};

use crate::app::AppState;
use crate::auth::{SignedIn, ensure_same_site};
use crate::clock::today_in;
use crate::error::{AppError, AppResult};
use crate::hours::time_zone_of;
use crate::storage::Store;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/site/follow-ups", get(list))
        .route("/api/conversations/{id}/follow-up", put(mark))
}

async fn list(
    State(app): State<AppState>,
    SignedIn(agent): SignedIn,
) -> AppResult<Json<FollowUps>> {
    let today = shop_today(&app.store, &agent.site).await?.to_string();
    let marked = app.store.follow_ups(&agent.site, &today).await?;
    Ok(Json(FollowUps { today, marked }))
}

/// Sets or takes off the mark; a date that is not one, or is past, changes nothing.
async fn mark(
    State(app): State<AppState>,
    headers: HeaderMap,
    SignedIn(agent): SignedIn,
    Path(id): Path<i64>,
    mark: Result<Json<FollowUpMark>, JsonRejection>,
) -> AppResult<StatusCode> {
    ensure_same_site(&headers)?;
    let invalid = |why: String| AppError::refused(ErrorCode::InvalidDate, why);
    let Json(mark) = mark.map_err(|rejection| invalid(rejection.body_text()))?;
    let on = match mark.on.as_deref().map(str::trim) {
        None => None,
        Some(written) => {
            let day: Date = written
                .parse()
                .map_err(|_| invalid(format!("{written:?} is not a date written YYYY-MM-DD")))?;
            let today = shop_today(&app.store, &agent.site).await?;
            if day < today {
                return Err(invalid(format!(
                    "{day} has passed; a follow-up is today ({today}) or later"
                )));
            }
            Some(day.to_string())
        }
    };
    let conversation = ConversationId(id);
    if !app
        .store
        .set_follow_up(&agent.site, conversation, on.as_deref(), agent.id)
        .await?
    {
        return Err(AppError::refused(
            ErrorCode::ConversationNotFound,
            "no such conversation",
        ));
    }
    tracing::info!(conversation_id = %conversation, on = ?on, agent = %agent.id, "follow-up marked");
    Ok(StatusCode::NO_CONTENT)
}

/// Today in the shop's time zone: the day follow-ups fall due.
async fn shop_today(store: &Store, site: &SiteId) -> AppResult<Date> {
    let shop = store
        .site(site)
        .await?
        .ok_or_else(|| AppError::refused(ErrorCode::UnknownSite, "no such site"))?;
    Ok(today_in(&time_zone_of(&shop)))
}
