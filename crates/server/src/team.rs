//! The shop's team: the owner adds the agents who answer chats; every agent sees who is on
//! the team and online, to hand a conversation to.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use pronto_protocol::ErrorCode;
use pronto_protocol::agent::{AgentProfile, NewAgent, TeamMember};
use pronto_protocol::limits::{MAX_NAME_CHARS, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};

use crate::app::AppState;
use crate::auth::{Owner, SignedIn, ensure_same_site, hash_password};
use crate::error::{AppError, AppResult};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/site/agents", post(add))
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
