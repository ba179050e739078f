//! Draws what the widget asks and offers besides the chat (`asks::Card`), above the composer,
//! and does what the visitor chooses: opens a quick answer, counts whether it helped (a "no"
//! sends the question on to a person), keeps an e-mail address, rates an ended conversation.
//!
//! Drawn as HTML (`asks`, every text escaped) rather than Leptos views: the cards change
//! rarely, and each distinct view is kilobytes every shopper downloads. They are drawn again
//! only when they change, so a field being typed in keeps its text and focus while the queue
//! moves. One click handler serves every button, by its `data-act` number, and one key handler
//! every field, by its `data-enter` number.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use leptos::html;
use leptos::prelude::*;
use pronto_protocol::chat::validate_text;
use pronto_protocol::visitor::{Profile, VisitorToServer, rating_comment};
use wasm_bindgen::JsCast;
use web_sys::Element;

use super::Controls;
use crate::asks::Action;
use crate::state::{Chat, Rating};

pub fn cards(chat: Chat, controls: Controls) -> impl IntoView {
    let stack = NodeRef::<html::Div>::new();
    // The one timer that draws the cards again when the wait passes the shop's threshold.
    let timer_set = Arc::new(AtomicBool::new(false));
    let html = move || {
        let now = js_sys::Date::now();
        let lang = chat.lang.get();
        let (cards, offer_in) =
            chat.with(|screen| (screen.cards(lang, now), screen.email_offer_in(now)));
        if let Some(ms) = offer_in.filter(|ms| *ms > 0.0)
            && !timer_set.swap(true, Ordering::Relaxed)
        {
            let timer_set = Arc::clone(&timer_set);
            set_timeout(
                move || {
                    timer_set.store(false, Ordering::Relaxed);
                    chat.redraw();
                },
                Duration::from_millis(ms as u64 + 50),
            );
        }
        // Set again only when it changes: a field being typed in keeps its text and focus.
        cards.html
    };
    // What `target` does, by its number in `attribute`: `data-act` on a button (clicked, or
    // Enter, which clicks it), `data-enter` on a field (Enter; a click into it only puts the
    // caret there).
    let chosen = move |target: Option<web_sys::EventTarget>, attribute: &str| {
        let number = target
            .and_then(|target| target.dyn_into::<Element>().ok())?
            .get_attribute(attribute)?
            .parse::<usize>()
            .ok()?;
        // As drawn: only the e-mail offer comes with time, and it is the last card, so the
        // buttons before it keep their numbers even in the moment before it is drawn.
        let lang = chat.lang.get_untracked();
        let now = js_sys::Date::now();
        chat.with_untracked(|screen| screen.cards(lang, now).actions.get(number).copied())
    };
    let on_click = move |ev: web_sys::MouseEvent| {
        if let Some(action) = chosen(ev.target(), "data-act") {
            act(chat, controls, stack, action);
        }
    };
    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        // Enter in a card's field does its first button's action.
        if ev.key() == "Enter"
            && !ev.is_composing()
            && let Some(action) = chosen(ev.target(), "data-enter")
        {
            ev.prevent_default();
            act(chat, controls, stack, action);
        }
    };
    view! {
        <div
            class="pronto-cards"
            node_ref=stack
            inner_html=html
            on:click=on_click
            on:keydown=on_keydown
        ></div>
    }
}

/// Does what the visitor chose, then moves focus where they will want it next: the new
/// card's first field or button, else the composer.
fn act(chat: Chat, controls: Controls, stack: NodeRef<html::Div>, action: Action) {
    let text = chat.lang.get_untracked().text();
    // What the visitor typed in the card's field, if it has one.
    let typed = stack
        .get_untracked()
        .and_then(|stack| stack.query_selector(".pronto-field").ok().flatten())
        .and_then(|field| field.dyn_into::<web_sys::HtmlInputElement>().ok())
        .map(|field| field.value())
        .unwrap_or_default();
    match action {
        Action::Open(answer) => chat.open_answer(answer),
        Action::Helped(helped) => {
            let question = chat.with_untracked(|screen| {
                let shown = screen.answer_shown?;
                Some(
                    screen
                        .shop
                        .as_ref()?
                        .answers
                        .get(shown.answer)?
                        .question
                        .clone(),
                )
            });
            if let Some(answer) = chat.answer_helped(helped) {
                controls.tell(VisitorToServer::AnswerHelped { answer, helped });
            }
            if !helped {
                // A person answers: the visitor's own words go first, or the question they chose.
                let draft = chat.with_untracked(|screen| screen.draft.clone());
                let message = validate_text(&draft).map(str::to_owned).ok().or(question);
                if let Some(message) = message {
                    controls.send(message);
                }
            }
            chat.set_draft(String::new());
        }
        Action::SaveEmail => match Profile::check(None, Some(&typed)) {
            Ok((_, Some(email))) => {
                controls.profile(None, Some(email.clone()));
                chat.set_email(email);
            }
            _ => return chat.show_error(text.email_invalid.to_owned()),
        },
        Action::Rate(good) => {
            controls.tell(VisitorToServer::Rate {
                good,
                comment: None,
            });
            chat.set_rating(Rating::Chosen { good });
        }
        Action::Comment => {
            let Some(Rating::Chosen { good }) = chat.with_untracked(|screen| screen.rating) else {
                return;
            };
            match rating_comment(Some(&typed)) {
                Ok(comment) => {
                    if comment.is_some() {
                        controls.tell(VisitorToServer::Rate { good, comment });
                    }
                    chat.set_rating(Rating::Sent);
                }
                Err(_) => return chat.show_error(text.too_long.to_owned()),
            }
        }
    }
    let composer = controls.input;
    let next = controls.new_conversation;
    request_animation_frame(move || {
        let in_card = stack
            .get_untracked()
            .and_then(|stack| {
                stack
                    .query_selector(".pronto-field, .pronto-choice")
                    .ok()
                    .flatten()
            })
            .and_then(|found| found.dyn_into::<web_sys::HtmlElement>().ok());
        let _ = match in_card {
            Some(found) => found.focus(),
            None => match (composer.get_untracked(), next.get_untracked()) {
                (Some(input), _) => input.focus(),
                (None, Some(button)) => button.focus(),
                (None, None) => Ok(()),
            },
        };
    });
}
