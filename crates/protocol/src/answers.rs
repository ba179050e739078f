//! The shop's quick answers: the owner writes them in the console (`GET`/`PUT
//! /api/site/answers`), the widget gets them in its welcome and offers the ones in the
//! visitor's language as they type, and the visitor says whether one solved their question.

use serde::{Deserialize, Serialize};

/// The languages the widget speaks, so the ones a quick answer may be written in.
pub const LANGUAGES: [&str; 3] = ["es", "en", "pt"];

/// One question the shop answers the same way every time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuickAnswer {
    /// Given by the server. In a `PUT`, an answer with the id of one kept before stays that
    /// answer (its count of questions solved goes on); one without an id is new.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u32>,
    /// One of [`LANGUAGES`].
    pub lang: String,
    /// As a visitor would ask it: "¿Cuánto tarda el envío?". 1 to
    /// `limits::MAX_QUESTION_CHARS` characters.
    pub question: String,
    /// Up to `limits::MAX_ANSWER_CHARS` characters, shown as written.
    pub answer: String,
    /// Other words visitors use for the same thing ("despacho entrega"), up to
    /// `limits::MAX_KEYWORDS_CHARS` characters.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub keywords: String,
}
