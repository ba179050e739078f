//! What the widget offers and asks besides the chat itself, as plain data that one view draws
//! (`components::cards`): the quick answers matching the draft, the one opened with "did this
//! answer your question?", the offer to send the reply by e-mail, and the rating of an ended
//! conversation. One shape for all: every distinct view is code each shopper downloads.

use crate::i18n::Lang;
use crate::state::{Rating, Screen};

/// What a card's button does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Opens the quick answer at this index of `shop.answers`.
    Open(usize),
    /// The open answer solved the question (`true`), or a person is to answer it.
    Helped(bool),
    /// Keeps the e-mail address typed in the field.
    SaveEmail,
    /// Rates the ended conversation good (`true`) or bad.
    Rate(bool),
    /// Sends the comment typed in the field with the rating.
    Comment,
}

/// The cards as HTML (every text escaped), and what each button numbered `data-act` (and
/// field numbered `data-enter`) does.
#[derive(Default)]
pub struct Cards {
    pub html: String,
    pub actions: Vec<Action>,
}

impl Cards {
    /// Appends these pieces of HTML, written here, never from outside (see `text`).
    fn push(&mut self, pieces: &[&str]) {
        for piece in pieces {
            self.html.push_str(piece);
        }
    }

    /// Appends `text` safe inside HTML, as text.
    fn text(&mut self, text: &str) {
        for c in text.chars() {
            match c {
                '&' => self.html.push_str("&amp;"),
                '<' => self.html.push_str("&lt;"),
                '>' => self.html.push_str("&gt;"),
                '"' => self.html.push_str("&quot;"),
                c => self.html.push(c),
            }
        }
    }

    /// Opens a card named `part` (for theming): a live one (`status`) is read out when it
    /// changes.
    fn card(&mut self, part: &str, live: bool) -> &mut Self {
        let role = if live { "status" } else { "group" };
        self.push(&[
            r#"<div class="pronto-card" part=""#,
            part,
            r#"" role=""#,
            role,
            r#"">"#,
        ]);
        self
    }

    /// A line: `title` in bold, `text` as written, `ask` quieter.
    fn line(&mut self, class: &str, text: &str) -> &mut Self {
        self.push(&[r#"<p class=""#, class, r#"">"#]);
        self.text(text);
        self.push(&["</p>"]);
        self
    }

    /// The question a card's field answers, as its label.
    fn label(&mut self, text: &str) -> &mut Self {
        self.push(&[r#"<label class="pronto-ask" for="pronto-field">"#]);
        self.text(text);
        self.push(&["</label>"]);
        self
    }

    /// The card's field (of this `type`; Enter in it does the first button's action) and
    /// buttons, then its end.
    fn choices(&mut self, field: Option<&str>, buttons: &[(&str, Action)]) {
        self.push(&[r#"<div class="pronto-choices">"#]);
        if let Some(kind) = field {
            let autocomplete = if kind == "email" { "email" } else { "off" };
            let first = self.actions.len().to_string();
            self.push(&[
                r#"<input class="pronto-field" id="pronto-field" type=""#,
                kind,
                r#"" autocomplete=""#,
                autocomplete,
                r#"" data-enter=""#,
                &first,
                r#"">"#,
            ]);
        }
        for (label, action) in buttons {
            let number = self.actions.len().to_string();
            self.push(&[
                r#"<button class="pronto-choice" type="button" data-act=""#,
                &number,
                r#"">"#,
            ]);
            self.text(label);
            self.push(&["</button>"]);
            self.actions.push(*action);
        }
        self.push(&["</div></div>"]);
    }
}

impl Screen {
    /// The cards to show now, top to bottom; `now_ms` for how long the visitor has waited.
    pub fn cards(&self, lang: Lang, now_ms: f64) -> Cards {
        let text = lang.text();
        let answers = self.shop.as_ref().map_or(&[][..], |shop| &shop.answers[..]);
        let mut cards = Cards::default();
        if self.is_closed() {
            match self.rating {
                None => cards
                    .card("rating", false)
                    .line("pronto-ask", text.rate_question)
                    .choices(
                        None,
                        &[
                            (text.rate_good, Action::Rate(true)),
                            (text.rate_bad, Action::Rate(false)),
                        ],
                    ),
                Some(Rating::Chosen { .. }) => cards
                    .card("rating", false)
                    .label(text.rate_comment)
                    .choices(Some("text"), &[(text.send, Action::Comment)]),
                Some(Rating::Sent) => cards
                    .card("rating", true)
                    .line("pronto-ask", text.rate_thanks)
                    .choices(None, &[]),
            }
            return cards;
        }
        if let Some(shown) = self.answer_shown
            && let Some(answer) = answers.get(shown.answer)
        {
            let card = cards
                .card("answer", shown.helped)
                .line("pronto-card-title", &answer.question)
                .line("pronto-card-text", &answer.answer);
            if shown.helped {
                card.line("pronto-ask", text.glad_it_helped)
                    .choices(None, &[]);
            } else {
                card.line("pronto-ask", text.did_it_help).choices(
                    None,
                    &[
                        (text.it_helped, Action::Helped(true)),
                        (text.ask_a_person, Action::Helped(false)),
                    ],
                );
            }
        }
        if !self.suggested.is_empty() {
            let offered: Vec<(&str, Action)> = self
                .suggested
                .iter()
                .filter_map(|&i| Some((answers.get(i)?.question.as_str(), Action::Open(i))))
                .collect();
            cards.card("suggestions", false).choices(None, &offered);
        }
        // Last: the one card that comes with time, so the buttons above keep their numbers
        // (`components::cards` reads them again on a click).
        if self.email_offer_in(now_ms) == Some(0.0) {
            let card = cards.card("email", true);
            match &self.email {
                Some(email) => card
                    .line("pronto-card-text", &[text.email_saved, email].join(" "))
                    .choices(None, &[]),
                None => card
                    .label(text.email_offer)
                    .choices(Some("email"), &[(text.email_send, Action::SaveEmail)]),
            }
        }
        cards
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_in_cards_is_escaped_so_it_stays_text() {
        let mut cards = Cards::default();
        cards.text(r#"<img src=x onerror="alert(1)"> & co"#);
        assert_eq!(
            cards.html,
            "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; co"
        );
        let mut cards = Cards::default();
        cards
            .card("answer", false)
            .line("pronto-card-title", "<b>¿Envíos?</b>")
            .choices(
                None,
                &[("Sí", Action::Helped(true)), ("No", Action::Helped(false))],
            );
        assert!(
            cards.html.contains("&lt;b&gt;¿Envíos?&lt;/b&gt;"),
            "{}",
            cards.html
        );
        assert!(
            cards.html.contains(r#"data-act="1">No</button>"#),
            "{}",
            cards.html
        );
        assert_eq!(cards.actions, [Action::Helped(true), Action::Helped(false)]);
    }
}
