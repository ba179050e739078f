//! The conversation's messages, newest at the bottom, kept scrolled to the newest unless the
//! visitor scrolled up to read. The visitor's own messages show how far they got: sending,
//! sent, or refused with a way to retry or delete them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use leptos::either::Either;
use leptos::html;
use leptos::prelude::*;
use pronto_protocol::chat::Author;
use wasm_bindgen::JsValue;

use super::{Controls, DAY_AND_TIME, TIME, clock, clock_words};
use crate::i18n::Lang;
use crate::state::{Chat, Delivery, Row, RowKey};

/// Within this many pixels of the bottom counts as "at the bottom".
const STICKY_PX: i32 = 48;

pub fn message_list(chat: Chat, controls: Controls) -> impl IntoView {
    let lang = chat.lang.get_untracked();
    let list = NodeRef::<html::Div>::new();
    // Whether the visitor is reading the newest messages; scrolling up to read history
    // turns following off until they come back down.
    let following = Arc::new(AtomicBool::new(true));
    let on_scroll = {
        let following = Arc::clone(&following);
        move |_| {
            if let Some(list) = list.get_untracked() {
                let from_bottom = list.scroll_height() - list.scroll_top() - list.client_height();
                following.store(from_bottom <= STICKY_PX, Ordering::Relaxed);
            }
        }
    };
    // How many rows were drawn last time.
    let drawn = AtomicUsize::new(0);
    let mut times = Times {
        day: String::new(),
        written: Vec::new(),
        lang,
    };
    let messages = move || {
        let rows = chat.rows();
        // Scrolls to the newest message once drawn: when the panel opens, when the visitor
        // sends, and on any change while they follow. (Here rather than in an effect of its
        // own: each kind of effect is code every shopper downloads.)
        let added = drawn.swap(rows.len(), Ordering::Relaxed) != rows.len();
        let sent = added && rows.last().is_some_and(Row::is_own);
        if sent || following.load(Ordering::Relaxed) {
            request_animation_frame(move || {
                if let Some(list) = list.get_untracked() {
                    list.set_scroll_top(list.scroll_height());
                }
            });
        }
        times.start(lang);
        // The browser's formatters, made at the first time not written before (making one
        // costs far more than using it).
        let mut clocks = None;
        rows.into_iter()
            .enumerate()
            .map(|(at, row)| {
                let time = row.sent_at_ms.map(|ms| times.get(at, ms, &mut clocks));
                message_view(row, time, lang, controls)
            })
            .collect_view()
    };

    view! {
        <div
            class="pronto-messages"
            part="messages"
            role="log"
            aria-live="polite"
            aria-label=lang.text().messages
            tabindex="0"
            node_ref=list
            on:scroll=on_scroll
        >
            {messages}
        </div>
    }
}

/// One message, drawn by one view for both authors (every distinct view is code the shopper
/// downloads). The list draws every row again when any changes; Leptos keeps each element
/// and changes only what differs (a tick, a status line), so a message whose delivery moves
/// on stays the same element in the same place.
fn message_view(
    row: Row,
    time: Option<(String, String)>,
    lang: Lang,
    controls: Controls,
) -> impl IntoView {
    let text_of = lang.text();
    // The agent's name; for the visitor's own messages, "You", for screen readers only.
    let (who, who_class) = match row.author {
        Author::Agent { name } => (name, "pronto-message-author"),
        Author::Visitor => (text_of.you.to_owned(), "pronto-visually-hidden"),
    };
    let (class, part) = match row.delivery {
        Delivery::Received => (
            "pronto-message pronto-message--agent",
            "bubble agent-bubble",
        ),
        Delivery::Sending => (
            "pronto-message pronto-message--visitor pronto-message--sending",
            "bubble visitor-bubble",
        ),
        Delivery::Failed(_) => (
            "pronto-message pronto-message--visitor pronto-message--failed",
            "bubble visitor-bubble",
        ),
        Delivery::Sent | Delivery::Delivered | Delivery::Read => (
            "pronto-message pronto-message--visitor pronto-message--sent",
            "bubble visitor-bubble",
        ),
    };
    let time = time.map(|(clock, datetime)| {
        view! { <time class="pronto-message-time" datetime=datetime>{clock}</time> }
    });
    let (status, status_class) = match &row.delivery {
        Delivery::Sending => (Some(text_of.sending.to_owned()), "pronto-message-status"),
        Delivery::Failed(error) => (
            Some(lang.not_sent(error.code)),
            "pronto-message-status pronto-message-status--failed",
        ),
        _ => (None, ""),
    };
    let status = status.map(|line| view! { <span class=status_class>{line}</span> });
    // The ticks are drawn by the stylesheet: one when stored, two once on the agent's
    // console, two in the accent colour once read. This names them for screen readers.
    let ticks = match row.delivery {
        Delivery::Sent => Some(("pronto-message-check", text_of.sent)),
        Delivery::Delivered => Some((
            "pronto-message-check pronto-message-check--delivered",
            text_of.delivered,
        )),
        Delivery::Read => Some((
            "pronto-message-check pronto-message-check--read",
            text_of.read,
        )),
        _ => None,
    };
    let sent = ticks.map(|(class, label)| {
        view! { <span class=class role="img" aria-label=label title=label></span> }
    });
    // Only messages of this page can be refused, and those have the id they were sent with.
    let actions = match (&row.delivery, row.key) {
        (Delivery::Failed(_), RowKey::Client(id)) => {
            let again = id.clone();
            Some(view! {
                <span class="pronto-message-actions">
                    <button type="button" class="pronto-retry" on:click=move |_| controls.retry(&again)>
                        {text_of.retry}
                    </button>
                    <button type="button" class="pronto-discard" on:click=move |_| controls.discard(&id)>
                        {text_of.discard}
                    </button>
                </span>
            })
        }
        _ => None,
    };
    view! {
        <div class=class>
            <div class="pronto-bubble" part=part>
                <p class="pronto-message-text">{message_text(&row.text)}</p>
            </div>
            <div class="pronto-message-meta">
                <span class=who_class>{who}</span>
                {time}
                {status}
                {sent}
                {actions}
            </div>
        </div>
    }
}

/// A message's text with its web addresses as links.
fn message_text(text: &str) -> impl IntoView + use<> {
    split_links(text)
        .into_iter()
        .map(|piece| match piece {
            Piece::Text(text) => Either::Left(text),
            Piece::Link(url) => {
                let href = url.clone();
                Either::Right(view! {
                    <a href=href target="_blank" rel="noopener noreferrer nofollow">
                        {url}
                    </a>
                })
            }
        })
        .collect_view()
}

/// The times of the messages drawn, by place in the list, so drawing a long conversation
/// again (on every change of the chat) asks the browser for new messages' times only.
struct Times {
    /// The day they were written on ("Thu Nov 26 2026"): at midnight, today's times gain
    /// their day.
    day: String,
    /// Per row: when it was sent, and its time as written and as an ISO instant.
    written: Vec<(i64, String, String)>,
    lang: Lang,
}

/// The browser's formatters of a message's time: of today's, and of an older one's.
type Clocks = [js_sys::Intl::DateTimeFormat; 2];

impl Times {
    /// Before a drawing: forgets everything on a new day.
    fn start(&mut self, lang: Lang) {
        let day = String::from(js_sys::Date::new_0().to_date_string());
        if day != self.day || self.lang != lang {
            self.day = day;
            self.lang = lang;
            self.written.clear();
        }
    }

    /// The time of the row at `at`, sent at `ms`: "4:58 PM", "16:58", with the day in front
    /// when it was not today, as the visitor's language writes it in their time zone; and
    /// the ISO instant for `<time datetime>`.
    fn get(&mut self, at: usize, ms: i64, clocks: &mut Option<Clocks>) -> (String, String) {
        if let Some((known, clock, iso)) = self.written.get(at)
            && *known == ms
        {
            return (clock.clone(), iso.clone());
        }
        // Milliseconds since 1970 fit an f64 exactly for the next quarter million years.
        let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
        let lang = self.lang;
        let [time, day_and_time] =
            clocks.get_or_insert_with(|| [clock(lang, TIME), clock(lang, DAY_AND_TIME)]);
        // Compared as Rust strings: comparing a `JsString` to a `String` costs the download
        // a few hundred bytes more.
        #[allow(clippy::cmp_owned)]
        let today = String::from(date.to_date_string()) == self.day;
        let time: (String, String) = (
            clock_words(if today { time } else { day_and_time }, &date),
            date.to_iso_string().into(),
        );
        self.written.truncate(at);
        self.written.resize(at, (0, String::new(), String::new()));
        self.written.push((ms, time.0.clone(), time.1.clone()));
        time
    }
}

/// A piece of a message's text: plain, or a web address to make clickable.
#[derive(Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    Link(String),
}

/// Finds `http(s)://` addresses in a message so they can be links. Everything stays text
/// nodes and `href`s limited to http(s): a message can never become markup.
fn split_links(text: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let (word, after) = rest.split_at(word_end);
        let lower = word.to_ascii_lowercase();
        if lower.starts_with("https://") || lower.starts_with("http://") {
            // Punctuation that ends a sentence is not part of the address.
            let url = word.trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '"', '\'']);
            let has_host = url
                .split_once("://")
                .is_some_and(|(_, host)| !host.is_empty());
            if has_host {
                if !plain.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut plain)));
                }
                pieces.push(Piece::Link(url.to_owned()));
                plain.push_str(&word[url.len()..]);
            } else {
                plain.push_str(word);
            }
        } else {
            plain.push_str(word);
        }
        let space_end = after
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(after.len());
        plain.push_str(&after[..space_end]);
        rest = &after[space_end..];
    }
    if !plain.is_empty() {
        pieces.push(Piece::Text(plain));
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_found_and_the_rest_stays_text() {
        assert_eq!(
            split_links("Mira https://tienda.cl/envios. ¿Sirve?"),
            [
                Piece::Text("Mira ".into()),
                Piece::Link("https://tienda.cl/envios".into()),
                Piece::Text(". ¿Sirve?".into()),
            ]
        );
        assert_eq!(
            split_links("<b>hola</b>\n  chau"),
            [Piece::Text("<b>hola</b>\n  chau".into())]
        );
        assert_eq!(
            split_links("javascript:alert(1) http://"),
            [Piece::Text("javascript:alert(1) http://".into())]
        );
        assert_eq!(split_links(""), []);
    }
}
