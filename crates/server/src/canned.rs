//! The shop's canned replies: every agent reads them (the console offers them at `/shortcut`),
//! only the owner changes them, and a list with one bad entry changes nothing.

use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::HeaderMap;
use axum::routing::get;
use axum::{Json, Router};
use pronto_protocol::ErrorCode;
use pronto_protocol::agent::CannedReply;
use pronto_protocol::chat::validate_text;
use pronto_protocol::limits::{MAX_CANNED_REPLIES, MAX_SHORTCUT_CHARS};

use crate::app::AppState;
use crate::auth::{Owner, SignedIn, ensure_same_site};
use crate::error::{AppError, AppResult};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/site/canned", get(list).put(replace))
}

async fn list(
    State(app): State<AppState>,
    SignedIn(agent): SignedIn,
) -> AppResult<Json<Vec<CannedReply>>> {
    Ok(Json(app.store.canned_replies(&agent.site).await?))
}

/// Replaces the whole list (the console's editor sends all of it), as checked by [`checked`].
async fn replace(
    State(app): State<AppState>,
    headers: HeaderMap,
    Owner(owner): Owner,
    replies: Result<Json<Vec<CannedReply>>, JsonRejection>,
) -> AppResult<Json<Vec<CannedReply>>> {
    ensure_same_site(&headers)?;
    let Json(replies) = replies.map_err(|rejection| invalid(rejection.body_text()))?;
    let replies = checked(replies)?;
    app.store.set_canned_replies(&owner.site, &replies).await?;
    tracing::info!(site = %owner.site, count = replies.len(), "canned replies changed");
    Ok(Json(replies))
}

fn invalid(why: String) -> AppError {
    AppError::refused(ErrorCode::InvalidSetting, why)
}

/// The list as it will be stored: shortcuts lowercased without a leading `/`, texts trimmed.
/// Refused whole, naming the first bad entry, when one is not acceptable.
fn checked(replies: Vec<CannedReply>) -> AppResult<Vec<CannedReply>> {
    if replies.len() > MAX_CANNED_REPLIES {
        return Err(invalid(format!(
            "at most {MAX_CANNED_REPLIES} canned replies"
        )));
    }
    let mut clean: Vec<CannedReply> = Vec::with_capacity(replies.len());
    for reply in replies {
        let shortcut = reply.shortcut.trim().trim_start_matches('/').to_lowercase();
        if !is_shortcut(&shortcut) {
            return Err(invalid(format!(
                "the shortcut {:?} is not 1 to {MAX_SHORTCUT_CHARS} letters, digits, - or _",
                reply.shortcut
            )));
        }
        if clean.iter().any(|c| c.shortcut == shortcut) {
            return Err(invalid(format!("the shortcut /{shortcut} is there twice")));
        }
        let text = validate_text(&reply.text)
            .map_err(|error| invalid(format!("/{shortcut}: {}", error.message)))?;
        clean.push(CannedReply {
            shortcut,
            text: text.to_owned(),
        });
    }
    Ok(clean)
}

/// ASCII letters and digits, `-` and `_`: typed after a `/` on any keyboard, and never
/// mistaken for the start of an ordinary sentence.
fn is_shortcut(shortcut: &str) -> bool {
    (1..=MAX_SHORTCUT_CHARS).contains(&shortcut.len())
        && shortcut
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canned(shortcut: &str, text: &str) -> CannedReply {
        CannedReply {
            shortcut: shortcut.into(),
            text: text.into(),
        }
    }

    #[test]
    fn shortcuts_are_cleaned_and_checked() {
        let clean = checked(vec![canned(" /Envio ", "  Enviamos en 24 h.  ")]).unwrap();
        assert_eq!(clean, [canned("envio", "Enviamos en 24 h.")]);
        for bad in [
            "",
            "/",
            "envío",
            "talla 42",
            &"x".repeat(MAX_SHORTCUT_CHARS + 1),
        ] {
            assert!(checked(vec![canned(bad, "Hola")]).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_list_with_one_bad_entry_is_refused_whole() {
        let twice = checked(vec![canned("hola", "Hola"), canned("HOLA", "Buenas")]);
        assert!(twice.unwrap_err().to_client().message.contains("twice"));
        let empty = checked(vec![canned("hola", "Hola"), canned("vacio", "   ")]);
        assert!(empty.unwrap_err().to_client().message.starts_with("/vacio"));
        let too_many = vec![canned("a", "A"); MAX_CANNED_REPLIES + 1];
        assert!(checked(too_many).is_err());
    }
}
