//! The shop's settings in the console: every agent may read them, only the owner may change
//! them. Opening hours are checked by [`crate::hours`]; the widget's look (accent, corner,
//! language) is only kept here for the console's script tag, the widget reads it from there.

use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use pronto_protocol::ErrorCode;
use pronto_protocol::agent::{IdentitySecret, SiteSettings, SiteUpdate, WIDGET_POSITIONS};
use pronto_protocol::answers::LANGUAGES;
use pronto_protocol::ids::SiteId;
use pronto_protocol::limits::{
    MAX_ALLOWED_ORIGINS, MAX_EMAIL_TARGET_SECS, MAX_GREETING_CHARS, MAX_NAME_CHARS,
    MAX_SETTING_SECS,
};

use crate::app::AppState;
use crate::auth::{Owner, SignedIn, ensure_same_site};
use crate::error::{AppError, AppResult};
use crate::hours::{Schedule, schedule_of};
use crate::storage::{SiteChange, random_token};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/site", get(read).put(change))
        .route("/api/site/identity-secret", post(new_identity_secret))
}

async fn read(
    State(app): State<AppState>,
    SignedIn(agent): SignedIn,
) -> AppResult<Json<SiteSettings>> {
    Ok(Json(settings_of(&app, &agent.site).await?))
}

/// The site's settings as stored.
async fn settings_of(app: &AppState, site: &SiteId) -> AppResult<SiteSettings> {
    let site = app
        .store
        .site(site)
        .await?
        .ok_or_else(|| AppError::refused(ErrorCode::UnknownSite, "no such site"))?;
    Ok(SiteSettings {
        hours: Some(schedule_of(&site).map(|schedule| schedule.to_hours())),
        name: site.name,
        greeting: site.greeting,
        allowed_origins: site
            .allowed_origins
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
        ask_email_after_secs: Some(site.ask_email_after_secs),
        reply_target_secs: Some(site.reply_target_secs),
        email_reply_target_secs: Some(site.email_reply_target_secs),
        widget_accent: Some(site.widget_accent),
        widget_position: Some(
            site.widget_position
                .unwrap_or_else(|| WIDGET_POSITIONS[0].to_owned()),
        ),
        widget_lang: Some(site.widget_lang),
    })
}

async fn change(
    State(app): State<AppState>,
    headers: HeaderMap,
    Owner(owner): Owner,
    settings: Result<Json<SiteUpdate>, JsonRejection>,
) -> AppResult<Json<SiteSettings>> {
    ensure_same_site(&headers)?;
    let invalid = |why: String| AppError::refused(ErrorCode::InvalidSetting, why);
    // A body that does not read as settings (a day named `monday`, a number for a name) is
    // refused in the same typed way as a value out of bounds.
    let Json(settings) = settings.map_err(|rejection| invalid(rejection.body_text()))?;
    // Each field left out keeps what is stored.
    let name = settings.name.as_deref().map(str::trim);
    if name.is_some_and(|name| name.is_empty() || name.chars().count() > MAX_NAME_CHARS) {
        return Err(invalid(format!(
            "the shop's name is 1 to {MAX_NAME_CHARS} characters"
        )));
    }
    let greeting = settings.greeting.as_deref().map(str::trim);
    if greeting.is_some_and(|greeting| greeting.chars().count() > MAX_GREETING_CHARS) {
        return Err(invalid(format!(
            "the greeting is at most {MAX_GREETING_CHARS} characters"
        )));
    }
    let origins = settings.allowed_origins.as_deref().unwrap_or_default();
    if origins.len() > MAX_ALLOWED_ORIGINS {
        return Err(invalid(format!(
            "at most {MAX_ALLOWED_ORIGINS} storefront origins"
        )));
    }
    for origin in origins {
        if !is_origin_pattern(origin) {
            return Err(invalid(format!(
                "{origin:?} is not an origin such as https://tienda.example or http://127.0.0.1:*"
            )));
        }
    }
    // Checked into the form it is stored and read back in; left out, kept as it is.
    let hours = match &settings.hours {
        None => None,
        Some(None) => Some(None),
        Some(Some(hours)) => {
            let schedule = Schedule::parse(hours)?;
            let stored =
                serde_json::to_string(&schedule.to_hours()).expect("opening hours serialize");
            Some(Some(stored))
        }
    };
    for (what, secs, most, words) in [
        (
            "ask_email_after_secs",
            settings.ask_email_after_secs,
            MAX_SETTING_SECS,
            "a day",
        ),
        (
            "reply_target_secs",
            settings.reply_target_secs,
            MAX_SETTING_SECS,
            "a day",
        ),
        (
            "email_reply_target_secs",
            settings.email_reply_target_secs,
            MAX_EMAIL_TARGET_SECS,
            "a week",
        ),
    ] {
        if secs.is_some_and(|secs| secs > most) {
            return Err(invalid(format!("{what} is at most {most} ({words})")));
        }
    }
    let widget_accent = settings
        .widget_accent
        .as_ref()
        .map(|accent| accent.as_deref().map(str::to_ascii_lowercase));
    if let Some(Some(accent)) = &widget_accent
        && !is_colour(accent)
    {
        return Err(invalid(format!(
            "the accent {accent:?} is not a colour written #rrggbb, such as #b4451f"
        )));
    }
    if let Some(position) = &settings.widget_position
        && !WIDGET_POSITIONS.contains(&position.as_str())
    {
        return Err(invalid(format!(
            "the widget's position {position:?} is \"right\" or \"left\""
        )));
    }
    if let Some(Some(lang)) = &settings.widget_lang
        && !LANGUAGES.contains(&lang.as_str())
    {
        return Err(invalid(format!(
            "the widget's language {lang:?} is \"es\", \"en\", \"pt\", or null to follow \
             each visitor's browser"
        )));
    }
    let allowed_origins = settings.allowed_origins.as_ref().map(|list| list.join(" "));
    let change = SiteChange {
        name,
        greeting,
        allowed_origins: allowed_origins.as_deref(),
        opening_hours: hours.as_ref().map(Option::as_deref),
        ask_email_after_secs: settings.ask_email_after_secs,
        reply_target_secs: settings.reply_target_secs,
        email_reply_target_secs: settings.email_reply_target_secs,
        widget_accent: widget_accent.as_ref().map(Option::as_deref),
        widget_position: settings.widget_position.as_deref(),
        widget_lang: settings.widget_lang.as_ref().map(Option::as_deref),
    };
    app.store.update_site(&owner.site, &change).await?;
    tracing::info!(site = %owner.site, agent_id = %owner.id, "site settings changed");
    if hours.is_some() {
        // Visitors on every server hear whether the shop is open now and when it opens,
        // through the same announcement as an agent coming or going.
        app.reply_times.forget(&owner.site);
        app.fanout.presence_changed(&owner.site);
    }
    Ok(Json(settings_of(&app, &owner.site).await?))
}

/// Turns identity verification on with a new secret (or replaces the old one, which then
/// stops working). Shown once: the shop's backend keeps it.
async fn new_identity_secret(
    State(app): State<AppState>,
    headers: HeaderMap,
    Owner(owner): Owner,
) -> AppResult<Json<IdentitySecret>> {
    ensure_same_site(&headers)?;
    let secret = format!("{}{}", random_token(), random_token());
    app.store.set_identity_secret(&owner.site, &secret).await?;
    tracing::info!(site = %owner.site, agent_id = %owner.id, "identity secret replaced");
    Ok(Json(IdentitySecret { secret }))
}

/// `#rrggbb`, the one way the console's colour picker writes a colour (lowercase by now).
fn is_colour(accent: &str) -> bool {
    accent.strip_prefix('#').is_some_and(|hex| {
        hex.len() == 6
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// `http(s)://host` with an optional `:port` or `:*`, and nothing else (no path, no spaces).
fn is_origin_pattern(origin: &str) -> bool {
    let Some((scheme, rest)) = origin.split_once("://") else {
        return false;
    };
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    matches!(scheme, "http" | "https")
        && !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && port.is_none_or(|p| {
            p == "*" || (!p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
        })
}

#[cfg(test)]
mod tests {
    use super::{is_colour, is_origin_pattern};

    #[test]
    fn accents_are_six_hex_digits() {
        assert!(is_colour("#b4451f") && is_colour("#000000"));
        for bad in [
            "b4451f", "#b4451", "#b4451f0", "#g4451f", "#B4451F", "red", "#fff", "",
        ] {
            assert!(!is_colour(bad), "{bad}");
        }
    }

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        for good in [
            "https://tienda.example",
            "http://127.0.0.1:*",
            "http://localhost:8080",
        ] {
            assert!(is_origin_pattern(good), "{good}");
        }
        for bad in [
            "tienda.example",
            "ftp://tienda.example",
            "https://tienda.example/",
            "https://tienda.example/path",
            "https://*.example",
            "https://tienda example",
            "https://",
            "https://tienda.example:",
            "https://tienda.example:123456",
            "javascript://alert(1)",
        ] {
            assert!(!is_origin_pattern(bad), "{bad}");
        }
    }
}
