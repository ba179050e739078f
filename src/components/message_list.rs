//! The conversation's messages, newest at the bottom, kept scrolled to the newest unless the
//! visitor scrolled up to read. The visitor's own messages show how far they got: sending,
//! sent, or refused with a way to retry or delete them.

use leptos::either::Either;
use leptos::html;
use leptos::prelude::*;
use pronto_protocol::chat::Author;
use wasm_bindgen::JsValue;

use super::Controls;
use crate::i18n::Lang;
use crate::state::{Chat, Delivery, Row, RowKey};

/// Within this many pixels of the bottom counts as "at the bottom".
const STICKY_PX: i32 = 48;

#[component]
pub fn MessageList() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let controls = expect_context::<Controls>();
    let lang = chat.lang.get_untracked();
    let list = NodeRef::<html::Div>::new();
    // Whether the visitor is reading the newest messages; scrolling up to read history
    // turns following off until they come back down.
    let following = StoredValue::new(true);
    let rows = Memo::new(move |_| chat.rows());

    Effect::new(move |_| {
        let newest_is_own = rows.with(|rows| rows.last().is_some_and(Row::is_own));
        // Runs when the panel opens too, to start at the newest message.
        if newest_is_own || following.get_value() {
            request_animation_frame(move || {
                if let Some(list) = list.get_untracked() {
                    list.set_scroll_top(list.scroll_height());
                }
            });
        }
    });

    let on_scroll = move |_| {
        if let Some(list) = list.get_untracked() {
            let from_bottom = list.scroll_height() - list.scroll_top() - list.client_height();
            following.set_value(from_bottom <= STICKY_PX);
        }
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
            <For
                each=move || rows.get()
                key=|row| row.key.clone()
                children=move |row| message_view(row, rows, lang, controls)
            />
        </div>
    }
}

/// One message, drawn by one view for both authors (every distinct view is code the shopper
/// downloads). A row keeps its key from sending to sent, so this element stays; what changes
/// with the delivery (class, status line) follows `rows`.
fn message_view(row: Row, rows: Memo<Vec<Row>>, lang: Lang, controls: Controls) -> impl IntoView {
    let text_of = lang.text();
    let text = message_text(&row.text);
    let id = match &row.key {
        RowKey::Client(id) => Some(id.clone()),
        RowKey::Stored { .. } => None,
    };
    // The agent's name; for the visitor's own messages, "You", for screen readers only.
    let (who, who_class) = match row.author {
        Author::Agent { name } => (name, "pronto-message-author"),
        Author::Visitor => (text_of.you.to_owned(), "pronto-visually-hidden"),
    };
    let part = match row.delivery {
        Delivery::Received => "bubble agent-bubble",
        _ => "bubble visitor-bubble",
    };
    let key = row.key;
    let first = (row.delivery, row.sent_at_ms);
    let current = Memo::new(move |_| {
        rows.with(|rows| {
            rows.iter()
                .find(|r| r.key == key)
                .map(|r| (r.delivery.clone(), r.sent_at_ms))
        })
        // Only while the row is on its way out of the list.
        .unwrap_or_else(|| first.clone())
    });
    let class = move || {
        current.with(|(delivery, _)| match delivery {
            Delivery::Received => "pronto-message pronto-message--agent",
            Delivery::Sending => "pronto-message pronto-message--visitor pronto-message--sending",
            Delivery::Failed(_) => "pronto-message pronto-message--visitor pronto-message--failed",
            Delivery::Sent | Delivery::Delivered | Delivery::Read => {
                "pronto-message pronto-message--visitor pronto-message--sent"
            }
        })
    };
    let meta = move || {
        let (delivery, sent_at_ms) = current.get();
        let time = sent_at_ms.map(|ms| {
            let (clock, datetime) = local_time(ms, lang);
            view! { <time class="pronto-message-time" datetime=datetime>{clock}</time> }
        });
        let (status, status_class) = match &delivery {
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
        let ticks = match delivery {
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
        // A failed row always has an id: only messages of this page can be refused.
        let actions = id.clone().filter(|_| matches!(delivery, Delivery::Failed(_))).map(|id| {
            let again = id.clone();
            view! {
                <span class="pronto-message-actions">
                    <button type="button" class="pronto-retry" on:click=move |_| controls.retry(&again)>
                        {text_of.retry}
                    </button>
                    <button type="button" class="pronto-discard" on:click=move |_| controls.discard(&id)>
                        {text_of.discard}
                    </button>
                </span>
            }
        });
        (time, status, sent, actions)
    };
    view! {
        <div class=class>
            <div class="pronto-bubble" part=part>
                <p class="pronto-message-text">{text}</p>
            </div>
            <div class="pronto-message-meta">
                <span class=who_class>{who}</span>
                {meta}
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

/// When a message was sent, as the visitor's language writes it in their time zone ("4:58 PM",
/// "16:58"; with the day in front when it was not today), and the ISO instant for
/// `<time datetime>`.
fn local_time(ms: i64, lang: Lang) -> (String, String) {
    // Milliseconds since 1970 fit an f64 exactly for the next quarter million years.
    let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    let today = js_sys::Date::new_0().to_date_string() == date.to_date_string();
    let options = js_sys::Object::new();
    let set = |key: &str, value: &str| {
        let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
    };
    set("hour", "numeric");
    set("minute", "2-digit");
    if !today {
        set("month", "short");
        set("day", "numeric");
    }
    let clock = String::from(date.to_locale_string(lang.code(), &options));
    let iso = date.to_iso_string().as_string().unwrap_or_default();
    (clock, iso)
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
