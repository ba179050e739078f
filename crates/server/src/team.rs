//! The shop's team: the owner adds the agents who answer chats; every agent sees who is on
//! the team and online, to hand a conversation to.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use pronto_protocol::ErrorCode;
use pronto_protocol::agent::{AgentChange, AgentProfile, NewAgent, ServerToAgent, TeamMember};
use pronto_protocol::ids::AgentId;
use pronto_protocol::limits::{MAX_NAME_CHARS, MAX_PASSWORD_CHARS, MAX_SLOTS, MIN_PASSWORD_CHARS};

use crate::app::AppState;
use crate::auth::{Owner, SignedIn, ensure_same_site, hash_password};
use crate::error::{AppError, AppResult};
use crate::storage::AgentChangeRefusal;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/site/agents", post(add))
        .route("/api/site/agents/{id}", put(change))
        .route("/api/site/team", get(team))
}

/// Everyone on the signed-in agent's team, by name, with whether they are online now.
async fn team(
    State(app): State<AppState>,
    SignedIn(agent): SignedIn,
) -> AppResult<Json<Vec<TeamMember>>> {
    let team = app
        .store
        .team(&agent.site, crate::presence::LASTS_MS)
        .await?;
    Ok(Json(team))
}

/// Adds a console account to the owner's shop; 409 `email_taken` when the address has one.
async fn add(
    State(app): State<AppState>,
    headers: HeaderMap,
    Owner(owner): Owner,
    Json(new): Json<NewAgent>,
) -> AppResult<(StatusCode, Json<AgentProfile>)> {
    ensure_same_site(&headers)?;
    let invalid = |why: String| AppError::refused(ErrorCode::InvalidSetting, why);
    let email = new.email.trim().to_lowercase();
    if !is_email(&email) || email.chars().count() > MAX_NAME_CHARS {
        return Err(invalid(format!("{:?} is not an e-mail address", new.email)));
    }
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(invalid(format!(
            "the agent's name is 1 to {MAX_NAME_CHARS} characters"
        )));
    }
    let password_chars = new.password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&password_chars) {
        return Err(invalid(format!(
            "the password is {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"
        )));
    }
    let hash = hash_password(new.password).await?;
    let created = app
        .store
        .create_agent(&owner.site, &email, name, new.role, &hash)
        .await?;
    let Some(id) = created else {
        return Err(AppError::refused(
            ErrorCode::EmailTaken,
            "an account with this e-mail address exists",
        ));
    };
    tracing::info!(site = %owner.site, agent_id = %id, by = %owner.id, "agent added");
    let profile = AgentProfile {
        id,
        name: name.to_owned(),
        email,
        site: owner.site.to_string(),
        shop_name: owner.shop_name.clone(),
        role: new.role,
    };
    Ok((StatusCode::CREATED, Json(profile)))
}

/// Changes a teammate's role or slots. More slots may let waiting visitors be assigned to
/// them at once; their consoles hear their new slots.
async fn change(
    State(app): State<AppState>,
    headers: HeaderMap,
    Owner(owner): Owner,
    Path(id): Path<i64>,
    change: Result<Json<AgentChange>, JsonRejection>,
) -> AppResult<Json<TeamMember>> {
    ensure_same_site(&headers)?;
    let invalid = |why: String| AppError::refused(ErrorCode::InvalidSetting, why);
    let Json(change) = change.map_err(|rejection| invalid(rejection.body_text()))?;
    if change
        .slots
        .is_some_and(|slots| !(1..=MAX_SLOTS).contains(&slots))
    {
        return Err(invalid(format!(
            "an agent holds 1 to {MAX_SLOTS} chats at once"
        )));
    }
    let agent = AgentId(id);
    let not_on_team =
        || AppError::refused(ErrorCode::AgentUnavailable, "no such agent in this shop");
    match app
        .store
        .change_agent(&owner.site, agent, change.role, change.slots)
        .await?
    {
        Ok(()) => {}
        Err(AgentChangeRefusal::NotOnTeam) => return Err(not_on_team()),
        Err(AgentChangeRefusal::LastOwner) => {
            return Err(invalid(
                "the shop needs an owner: make someone else owner first".into(),
            ));
        }
    }
    tracing::info!(site = %owner.site, agent_id = %agent, by = %owner.id, "agent changed");
    if let Some(slots) = change.slots {
        app.fanout
            .to_agent(&owner.site, agent, &ServerToAgent::Slots { slots });
        // The wait estimate divides the line among the slots online.
        app.fanout.presence_changed(&owner.site);
        crate::assign::waiting(&app, &owner.site).await;
    }
    let member = app
        .store
        .team_member(&owner.site, agent, crate::presence::LASTS_MS)
        .await?
        .ok_or_else(not_on_team)?;
    Ok(Json(member))
}

/// Something@something.something, with no spaces: enough to catch typos; the address is
/// proven when mail to it arrives.
fn is_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.contains(char::is_whitespace)
        && !domain.contains('@')
}

#[cfg(test)]
mod tests {
    use super::is_email;

    #[test]
    fn e_mail_addresses_are_checked_loosely() {
        assert!(is_email("bruno@tienda.example"));
        for bad in [
            "bruno",
            "@tienda.example",
            "bruno@tienda",
            "bruno@.example",
            "a b@c.d",
            "a@b@c.d",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }
}
