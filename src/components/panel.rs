//! The open chat: header with the shop (and agent, once one answers), connection status,
//! messages, place in line, and the composer or the "conversation ended" notice.

use leptos::prelude::*;
use web_sys::KeyboardEvent;

use super::composer::Composer;
use super::message_list::MessageList;
use super::queue_status::{Dots, QueueStatus};
use super::{Controls, PANEL_ID, TITLE_ID};
use crate::state::Chat;
use crate::transport::Link;

#[component]
pub fn Panel() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let controls = expect_context::<Controls>();
    let text = chat.lang.get_untracked().text();

    let title = move || {
        chat.shop.with(|shop| match shop {
            Some(shop) if !shop.name.trim().is_empty() => shop.name.clone(),
            _ => text.chat.to_owned(),
        })
    };
    let greeting = move || {
        chat.shop.with(|shop| match shop {
            Some(shop) if !shop.greeting.trim().is_empty() => shop.greeting.clone(),
            _ => text.greeting.to_owned(),
        })
    };
    let agent = move || chat.agent_name();
    // Before an agent has the conversation: is anyone there to answer?
    let availability = move || {
        if agent().is_some() {
            return None;
        }
        let online = chat.online.get()?;
        let (class, line) = if online {
            (
                "pronto-availability pronto-availability--online",
                text.replies_soon,
            )
        } else {
            ("pronto-availability pronto-availability--away", text.away)
        };
        Some(view! { <p class=class>{line}</p> })
    };
    let status = move || match chat.link.get() {
        Link::Reconnecting => Some(text.reconnecting),
        Link::Refused => Some(text.unavailable),
        Link::Idle | Link::Connecting | Link::Open => None,
    };
    // Only worth saying while the connection is down; otherwise they go out at once.
    let waiting_to_send = move || chat.link.get() == Link::Reconnecting && chat.has_sending();

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
                    <Show when=move || agent().is_some()>
                        <span class="pronto-avatar" aria-hidden="true">
                            {move || initials(&agent().unwrap_or_default())}
                        </span>
                    </Show>
                    <div class="pronto-header-text">
                        <h2 class="pronto-title" id=TITLE_ID>
                            {title}
                        </h2>
                        <Show when=move || agent().is_some()>
                            <p class="pronto-agent">
                                <span class="pronto-agent-name">
                                    {move || agent().unwrap_or_default()}
                                </span>
                                " "
                                <span class="pronto-agent-role">{text.agent_helping}</span>
                            </p>
                        </Show>
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
                                    <Show when=waiting_to_send>
                                        <span class="pronto-status-pending">{text.will_send}</span>
                                    </Show>
                                </p>
                            }
                        })
                }}
            </div>

            <MessageList />
            <QueueStatus />
            {move || {
                let agent = chat.agent_name().filter(|_| chat.agent_typing.get())?;
                let line = chat.lang.get_untracked().typing(&agent);
                Some(view! {
                    <p class="pronto-typing" part="typing">
                        <Dots />
                        <span>{line}</span>
                    </p>
                })
            }}

            <div class="pronto-live">
                {move || {
                    chat.error
                        .get()
                        .map(|message| {
                            view! {
                                <p class="pronto-error" role="alert">
                                    {message}
                                </p>
                            }
                        })
                }}
            </div>

            <Show when=move || chat.is_closed() fallback=|| view! { <Composer /> }>
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
            </Show>
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
