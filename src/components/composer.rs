//! Where the visitor writes: Enter sends, Shift+Enter starts a new line.

use leptos::prelude::*;
use pronto_protocol::ErrorCode;
use pronto_protocol::chat::validate_text;
use pronto_protocol::limits::MAX_MESSAGE_CHARS;
use web_sys::KeyboardEvent;

use super::Controls;
use crate::state::{Chat, Screen};

/// What browsers report as the key while an input method (Japanese, Chinese…) is composing.
const IME_KEY_CODE: u32 = 229;

pub fn composer(chat: Chat, controls: Controls) -> impl IntoView {
    let text = chat.lang.get_untracked().text();

    let send = move || {
        let draft = chat.with_untracked(|screen| screen.draft.clone());
        match validate_text(&draft) {
            Ok(message) => {
                controls.send(message.to_owned());
                chat.set_draft(String::new());
            }
            Err(error) if error.code == ErrorCode::MessageTooLong => {
                chat.show_error(text.too_long.to_owned());
            }
            // Nothing but white space: nothing to send.
            Err(_) => {}
        }
    };

    let on_keydown = move |ev: KeyboardEvent| {
        let composing = ev.is_composing() || ev.key_code() == IME_KEY_CODE;
        if ev.key() == "Enter" && !ev.shift_key() && !composing {
            ev.prevent_default();
            send();
        }
    };

    let ready = move || chat.with(Screen::has_draft);

    view! {
        <div class="pronto-composer" part="composer">
            <textarea
                class="pronto-input"
                part="input"
                rows="1"
                node_ref=controls.input
                aria-label=text.input_label
                placeholder=text.placeholder
                maxlength=MAX_MESSAGE_CHARS.to_string()
                enterkeyhint="send"
                // Follows the draft when the chat changes it (emptied once sent); the visitor's
                // own typing is already in the box.
                prop:value=move || chat.with(|screen| screen.draft.clone())
                on:input=move |ev| {
                    let draft = event_target_value(&ev);
                    controls.typing(!draft.trim().is_empty());
                    chat.set_draft(draft);
                }
                on:keydown=on_keydown
            ></textarea>
            <button
                type="button"
                class="pronto-send"
                part="send"
                class=("pronto-send--ready", ready)
                aria-label=text.send
                on:click=move |_| {
                    send();
                    if let Some(input) = controls.input.get_untracked() {
                        let _ = input.focus();
                    }
                }
            >
                <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                    <path
                        fill="currentColor"
                        d="M3.4 20.4 21 12.9c.8-.4.8-1.5 0-1.9L3.4 3.6c-.7-.3-1.4.3-1.3 1l1.2 5.8c.1.5.5.8 1 .9L13 12l-8.7.7c-.5.1-.9.4-1 .9l-1.2 5.8c-.1.8.6 1.3 1.3 1Z"
                    ></path>
                </svg>
            </button>
        </div>
    }
}
