//! A visitor's answer by e-mail joins the chat (the seed's rule 1: same channel, same
//! history). E-mailed replies carry a Reply-To of `reply+<conversation>-<signature>@` the
//! shop's reply domain (`mail::Mailer::reply_address`); the mail provider's inbound webhook
//! posts what arrives there to `POST /api/mail/inbound`, and the visitor's words go into
//! their conversation as if typed in the widget: the same queue, the same agent, the same
//! history. Quoted text below the answer is left out; a webhook that retries stores nothing
//! twice (the e-mail's Message-ID is the message's id).

use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::post;
use axum::{Json, Router};
use pronto_protocol::ErrorCode;
use pronto_protocol::chat::validate_text;
use pronto_protocol::ids::ClientMessageId;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::storage::VisitorSent;
use crate::visitor::{announce, too_many_conversations};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/mail/inbound", post(receive))
}

/// What the mail provider's webhook posts: one e-mail that arrived.
#[derive(Debug, Deserialize)]
struct Arrived {
    /// The e-mail's Message-ID header: a retried delivery is stored once.
    message_id: String,
    /// The From header (`Carla <carla@correo.example>` or the bare address).
    from: String,
    /// The To header, or the envelope recipient: where the reply address is.
    to: String,
    /// The plain-text body.
    text: String,
}

async fn receive(
    State(app): State<AppState>,
    headers: HeaderMap,
    arrived: Result<Json<Arrived>, JsonRejection>,
) -> AppResult<StatusCode> {
    let Some(secret) = app.mail_inbound_secret.as_deref() else {
        return Err(AppError::refused(
            ErrorCode::Unauthorized,
            "inbound mail is off on this server (it has no PRONTO_MAIL_INBOUND_SECRET)",
        ));
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !same_secret(presented, secret) {
        return Err(AppError::refused(
            ErrorCode::Unauthorized,
            "wrong inbound-mail token",
        ));
    }
    let Json(arrived) = arrived
        .map_err(|rejection| AppError::refused(ErrorCode::InvalidFrame, rejection.body_text()))?;
    let not_ours = || {
        AppError::refused(
            ErrorCode::ConversationNotFound,
            "not a reply address of ours",
        )
    };
    let local_part = reply_local_part(&arrived.to).ok_or_else(not_ours)?;
    let conversation = app.tokens.verify_reply(local_part).ok_or_else(not_ours)?;
    let row = app
        .store
        .conversation(conversation)
        .await?
        .ok_or_else(not_ours)?;
    // Only the visitor writes in their chat: the answer must come from the address the
    // e-mail went to.
    let (_, email) = app.store.visitor_card(row.visitor).await?;
    let sender = address(&arrived.from);
    if !email.is_some_and(|email| email.eq_ignore_ascii_case(sender)) {
        return Err(AppError::refused(
            ErrorCode::IdentityRejected,
            "the answer did not come from the address the e-mail went to",
        ));
    }
    let text = validate_text(answer_above_quote(&arrived.text))?;
    let id = message_id(&arrived.message_id);
    match app
        .store
        .visitor_sends(&row.site, row.visitor, &id, text)
        .await?
    {
        VisitorSent::Stored {
            conversation,
            message,
            started,
        } => {
            tracing::info!(conversation_id = %conversation.id, seq = message.seq, "visitor answered by e-mail");
            announce(&app, &conversation, &message, started).await?;
        }
        // Delivered before: stored then, nothing new now.
        VisitorSent::Repeat(_) => {}
        VisitorSent::TooManyConversations => return Err(too_many_conversations()),
        VisitorSent::ForeignId => {
            return Err(AppError::refused(
                ErrorCode::DuplicateId,
                "this Message-ID was used by someone else",
            ));
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Compares without telling, by how long it takes, how much of the secret was right.
fn same_secret(presented: &str, secret: &str) -> bool {
    let (a, b) = (Sha256::digest(presented), Sha256::digest(secret));
    a.iter()
        .zip(b.iter())
        .fold(0, |diff, (x, y)| diff | (x ^ y))
        == 0
}

/// The bare address in a header value: `Carla <carla@x>` → `carla@x`.
fn address(header: &str) -> &str {
    match (header.rfind('<'), header.rfind('>')) {
        (Some(start), Some(end)) if start < end => header[start + 1..end].trim(),
        _ => header.trim(),
    }
}

/// The `reply+…` local part among the recipients, if one is there.
fn reply_local_part(to: &str) -> Option<&str> {
    to.split(',')
        .map(address)
        .filter_map(|address| address.split_once('@').map(|(local, _)| local))
        .find(|local| local.starts_with("reply+"))
}

/// What the visitor wrote above the quoted e-mail: the lines before the first that is
/// quoted (`>`), introduces the quote ("On … wrote:", "El … escribió:", "Em … escreveu:"),
/// or starts a signature (`-- `).
fn answer_above_quote(text: &str) -> &str {
    let mut end = 0;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end();
        let introduces_quote = ["wrote:", "escribió:", "escreveu:"]
            .iter()
            .any(|end| bare.ends_with(end));
        if bare.starts_with('>') || introduces_quote || bare == "--" {
            break;
        }
        end += line.len();
    }
    &text[..end]
}

/// The message id of an e-mail: `mail-` and the first 40 hex digits of its Message-ID's
/// SHA-256 (ids are short and plain).
fn message_id(message_id: &str) -> ClientMessageId {
    let digest = Sha256::digest(message_id.trim().as_bytes());
    let hex: String = digest[..20].iter().map(|b| format!("{b:02x}")).collect();
    ClientMessageId::parse(&format!("mail-{hex}")).expect("letters, digits and '-'")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_is_what_stands_above_the_quote() {
        let reply = "¡Perfecto, lo compro!\r\nGracias.\r\n\r\nEl vie, 27 nov 2026, Ana escribió:\r\n> Sí, llega en 48 horas.\r\n";
        assert_eq!(
            answer_above_quote(reply).trim(),
            "¡Perfecto, lo compro!\r\nGracias."
        );
        assert_eq!(answer_above_quote("Sí\n> cita\n").trim(), "Sí");
        assert_eq!(answer_above_quote("Ok\n-- \nCarla\n").trim(), "Ok");
        assert_eq!(answer_above_quote("Solo esto").trim(), "Solo esto");
    }

    #[test]
    fn reply_addresses_are_found_among_the_recipients() {
        assert_eq!(
            reply_local_part("Tienda <hola@tienda.example>, reply+7-abc@reply.tienda.example"),
            Some("reply+7-abc")
        );
        assert_eq!(
            reply_local_part("Respuestas <reply+7-abc@reply.tienda.example>"),
            Some("reply+7-abc")
        );
        assert_eq!(reply_local_part("hola@tienda.example"), None);
        assert_eq!(
            address("Carla <carla@correo.example>"),
            "carla@correo.example"
        );
    }

    #[test]
    fn a_message_id_makes_one_plain_id() {
        let id = message_id("<CAF=abc@mail.gmail.com>");
        assert_eq!(id, message_id(" <CAF=abc@mail.gmail.com> "));
        assert_ne!(id, message_id("<other@mail.gmail.com>"));
        assert!(id.as_str().starts_with("mail-"));
    }
}
