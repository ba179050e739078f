//! The shop's quick answers: every agent may read them, only the owner changes them (the
//! whole list at once, as the console's editor sends it), and a list with one bad entry
//! changes nothing. Visitors get them in their welcome.

use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::HeaderMap;
use axum::routing::get;
use axum::{Json, Router};
use pronto_protocol::ErrorCode;
use pronto_protocol::answers::{LANGUAGES, QuickAnswer};
use pronto_protocol::limits::{
    MAX_ANSWER_CHARS, MAX_KEYWORDS_CHARS, MAX_QUESTION_CHARS, MAX_QUICK_ANSWERS,
};

use crate::app::AppState;
use crate::auth::{Owner, SignedIn, ensure_same_site};
use crate::error::{AppError, AppResult};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/site/answers", get(list).put(replace))
}

async fn list(
    State(app): State<AppState>,
    SignedIn(agent): SignedIn,
) -> AppResult<Json<Vec<QuickAnswer>>> {
    Ok(Json(app.store.quick_answers(&agent.site).await?))
}

/// Replaces the whole list, as checked by [`checked`]; answers back with the list as stored,
/// new answers with their ids.
async fn replace(
    State(app): State<AppState>,
    headers: HeaderMap,
    Owner(owner): Owner,
    answers: Result<Json<Vec<QuickAnswer>>, JsonRejection>,
) -> AppResult<Json<Vec<QuickAnswer>>> {
    ensure_same_site(&headers)?;
    let Json(answers) = answers.map_err(|rejection| invalid(rejection.body_text()))?;
    let answers = checked(answers)?;
    app.store.set_quick_answers(&owner.site, &answers).await?;
    tracing::info!(site = %owner.site, count = answers.len(), "quick answers changed");
    Ok(Json(app.store.quick_answers(&owner.site).await?))
}

fn invalid(why: String) -> AppError {
    AppError::refused(ErrorCode::InvalidAnswer, why)
}

/// The list as it will be stored, every text trimmed. Refused whole, naming the first bad
/// entry, when one is not acceptable.
fn checked(answers: Vec<QuickAnswer>) -> AppResult<Vec<QuickAnswer>> {
    if answers.len() > MAX_QUICK_ANSWERS {
        return Err(invalid(format!(
            "at most {MAX_QUICK_ANSWERS} quick answers"
        )));
    }
    let mut clean: Vec<QuickAnswer> = Vec::with_capacity(answers.len());
    for answer in answers {
        let question = answer.question.trim();
        let text = answer.answer.trim();
        let keywords = answer.keywords.trim();
        let lang = answer.lang.trim().to_ascii_lowercase();
        let length = |text: &str| text.chars().count();
        let why = if !LANGUAGES.contains(&lang.as_str()) {
            Some(format!("its language is one of {}", LANGUAGES.join(", ")))
        } else if question.is_empty() || length(question) > MAX_QUESTION_CHARS {
            Some(format!(
                "a question has 1 to {MAX_QUESTION_CHARS} characters"
            ))
        } else if text.is_empty() || length(text) > MAX_ANSWER_CHARS {
            Some(format!("an answer has 1 to {MAX_ANSWER_CHARS} characters"))
        } else if length(keywords) > MAX_KEYWORDS_CHARS {
            Some(format!(
                "keywords have at most {MAX_KEYWORDS_CHARS} characters"
            ))
        } else if answer.id.is_some() && clean.iter().any(|c| c.id == answer.id) {
            Some("its id is there twice".to_owned())
        } else {
            None
        };
        if let Some(why) = why {
            return Err(invalid(format!("{:?}: {why}", answer.question)));
        }
        clean.push(QuickAnswer {
            id: answer.id,
            lang,
            question: question.to_owned(),
            answer: text.to_owned(),
            keywords: keywords.to_owned(),
        });
    }
    Ok(clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(lang: &str, question: &str, text: &str) -> QuickAnswer {
        QuickAnswer {
            id: None,
            lang: lang.into(),
            question: question.into(),
            answer: text.into(),
            keywords: String::new(),
        }
    }

    #[test]
    fn answers_are_trimmed_and_checked() {
        let clean = checked(vec![answer(" ES", " ¿Envíos? ", " Sí, a todo Chile. ")]).unwrap();
        assert_eq!(clean, [answer("es", "¿Envíos?", "Sí, a todo Chile.")]);
        for bad in [
            answer("fr", "Livraison ?", "Oui"),
            answer("es", "   ", "Sí"),
            answer("es", "¿Envíos?", ""),
            answer("es", &"x".repeat(MAX_QUESTION_CHARS + 1), "Sí"),
            answer("es", "¿Envíos?", &"x".repeat(MAX_ANSWER_CHARS + 1)),
        ] {
            let error = checked(vec![bad.clone()]).unwrap_err().to_client();
            assert_eq!(error.code, ErrorCode::InvalidAnswer, "{bad:?}");
        }
    }

    #[test]
    fn a_list_with_one_bad_entry_is_refused_whole_naming_it() {
        let error = checked(vec![
            answer("es", "¿Envíos?", "Sí"),
            answer("pt", "Trocas?", "  "),
        ])
        .unwrap_err()
        .to_client();
        assert!(
            error.message.starts_with("\"Trocas?\""),
            "{}",
            error.message
        );
        let mut twice = vec![answer("es", "a", "b"), answer("es", "c", "d")];
        twice[0].id = Some(4);
        twice[1].id = Some(4);
        assert!(checked(twice).is_err());
        let too_many = vec![answer("en", "Q", "A"); MAX_QUICK_ANSWERS + 1];
        assert!(checked(too_many).is_err());
    }
}
