//! The open chat: header with the shop (and agent, once one answers), connection status,
//! messages, place in line, and the composer or the "conversation ended" notice.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use leptos::either::Either;
use leptos::prelude::*;
use web_sys::KeyboardEvent;

use super::cards::cards;
use super::composer::composer;
use super::message_list::message_list;
use super::queue_status::{dots, queue_status};
use super::{Controls, PANEL_ID, TITLE_ID, availability_line};
use crate::state::{Chat, Presence, Screen};
use crate::transport::Link;

/// How often "we open again … (in 3 hours)" is worded anew while on screen.
const REDRAW_OPENING_EVERY: Duration = Duration::from_secs(60);

pub fn panel(chat: Chat, controls: Controls) -> impl IntoView {
    let text = chat.lang.get_untracked().text();

    let title = move || {
        chat.with(|screen| match &screen.shop {
            Some(shop) if !shop.name.trim().is_empty() => shop.name.clone(),
            _ => text.chat.to_owned(),
        })
    };
    let greeting = move || {
        chat.with(|screen| match &screen.shop {
            Some(shop) if !shop.greeting.trim().is_empty() => shop.greeting.clone(),
            _ => text.greeting.to_owned(),
        })
    };
    let agent = move || chat.agent_name();
    // The composer is built once per conversation, not again on every change of its state.
    let closed = Memo::new(move |_| chat.is_closed());
    // "(in 3 hours)" grows stale as the visitor reads: while the line says when the shop
    // opens, it is drawn again a minute later (one timer at a time; none once the shop is
    // open or the panel is gone).
    let redraw_due = Arc::new(AtomicBool::new(false));
    // Before an agent has the conversation: is anyone there to answer?
    let availability = move || {
        if agent().is_some() {
            return None;
        }
        let presence = chat.with(Screen::presence_to_tell)?;
        if matches!(presence, Presence::Closed { .. }) && !redraw_due.swap(true, Ordering::Relaxed)
        {
            let redraw_due = Arc::clone(&redraw_due);
            set_timeout(
                move || {
                    redraw_due.store(false, Ordering::Relaxed);
                    chat.redraw();
                },
                REDRAW_OPENING_EVERY,
            );
        }
        let class = match presence {
            Presence::Online { .. } => "pronto-availability pronto-availability--online",
            Presence::Closed { .. } | Presence::Away => {
                "pronto-availability pronto-availability--away"
            }
        };
        let line = availability_line(presence, chat.lang.get_untracked());
        Some(view! { <p class=class>{line}</p> })
    };
    let status = move || match chat.with(|screen| screen.link) {
        Link::Reconnecting => Some(text.reconnecting),
        Link::Refused => Some(text.unavailable),
        Link::Idle | Link::Connecting | Link::Open => None,
    };
    // Only worth saying while the connection is down; otherwise they go out at once.
    let waiting_to_send =
        move || chat.with(|screen| screen.link == Link::Reconnecting && screen.has_sending());

    let on_keydown = move |ev: KeyboardEvent| {
        if ev.key() == "Escape" && !ev.is_composing() {
            // The page behind must not also react (closing its own dialogs, say).
            ev.stop_propagation();
            controls.close();
        }
    };

    view! {
        <div
            class="pronto-panel"
            part="panel"
            id=PANEL_ID
            role="dialog"
            aria-modal="false"
            aria-labelledby=TITLE_ID
            on:keydown=on_keydown
        >
            <header class="pronto-header" part="header">
                <div class="pronto-header-row">
                    {move || {
                        agent()
                            .map(|name| {
                                view! {
                                    <span class="pronto-avatar" aria-hidden="true">
                                        {initials(&name)}
                                    </span>
                                }
                            })
                    }}
                    <div class="pronto-header-text">
                        <h2 class="pronto-title" id=TITLE_ID>
                            {title}
                        </h2>
                        {move || {
                            agent()
                                .map(|name| {
                                    view! {
                                        <p class="pronto-agent">
                                            <span class="pronto-agent-name">{name}</span>
                                            " "
                                            <span class="pronto-agent-role">{text.agent_helping}</span>
                                        </p>
                                    }
                                })
                        }}
                    </div>
                    <button
                        type="button"
                        class="pronto-close"
                        aria-label=text.close_chat
                        on:click=move |_| controls.close()
                    >
                        <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                            <path
                                fill="none"
                                stroke="currentColor"
                                stroke-width="2.2"
                                stroke-linecap="round"
                                d="M6 6l12 12M18 6 6 18"
                            ></path>
                        </svg>
                    </button>
                </div>
                <p class="pronto-greeting">{greeting}</p>
                {availability}
            </header>

            // Live regions must exist before their content changes to be announced, so the
            // wrappers stay and only their content comes and goes.
            <div class="pronto-live" role="status">
                {move || {
                    status()
                        .map(|line| {
                            view! {
                                <p class="pronto-status">
                                    <span class="pronto-status-line">{line}</span>
                                    {move || {
                                        waiting_to_send()
                                            .then(|| {
                                                view! {
                                                    <span class="pronto-status-pending">{text.will_send}</span>
                                                }
                                            })
                                    }}
                                </p>
                            }
                        })
                }}
            </div>

            {message_list(chat, controls)}
            {queue_status(chat)}
            {move || {
                let agent = chat.with(|screen| screen.agent_name().filter(|_| screen.agent_typing))?;
                let line = chat.lang.get_untracked().typing(&agent);
                Some(view! {
                    <p class="pronto-typing" part="typing">
                        {dots()}
                        <span>{line}</span>
                    </p>
                })
            }}

            <div class="pronto-live">
                {move || {
                    chat.with(|screen| screen.error.clone())
                        .map(|message| {
                            view! {
                                <p class="pronto-error" role="alert">
                                    {message}
                                </p>
                            }
                        })
                }}
            </div>

            {cards(chat, controls)}

            {move || {
                if !closed.get() {
                    return Either::Left(composer(chat, controls));
                }
                Either::Right(view! {
                <div class="pronto-ended">
                    <p class="pronto-closed">{text.conversation_ended}</p>
                    <button
                        type="button"
                        class="pronto-new-conversation"
                        node_ref=controls.new_conversation
                        on:click=move |_| controls.start_new()
                    >
                        {text.new_conversation}
                    </button>
                </div>
                })
            }}
        </div>
    }
}

/// "Ana María" → "AM", "ángel" → "Á": what the avatar shows in place of a photo.
fn initials(name: &str) -> String {
    let first: String = name
        .split_whitespace()
        .filter_map(|word| word.chars().next())
        .take(2)
        .collect();
    upper_case(&first)
}

/// Upper case by the browser's Unicode tables: Rust's own would add 15 KB to the download.
/// (Natively, where only the unit tests run, Rust's.)
fn upper_case(text: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    return js_sys::JsString::from(text).to_upper_case().into();
    #[cfg(not(target_arch = "wasm32"))]
    return text.to_uppercase();
}

#[cfg(test)]
mod tests {
    use super::initials;

    #[test]
    fn initials_take_two_words() {
        assert_eq!(initials("Ana María López"), "AM");
        assert_eq!(initials("  ana "), "A");
        assert_eq!(initials("Élodie"), "É");
        assert_eq!(initials(""), "");
    }
}
