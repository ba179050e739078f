//! The round button in the corner that opens the chat, with the count of unread answers.

use leptos::prelude::*;
use web_sys::KeyboardEvent;

use super::{Controls, PANEL_ID, UNREAD_ID};
use crate::state::{Chat, Presence, Screen};

pub fn launcher(chat: Chat, controls: Controls) -> impl IntoView {
    let text = chat.lang.get_untracked().text();
    let open = move || chat.is_open();
    let unread = move || chat.with(|screen| screen.unread);
    let has_unread = move || unread() > 0;
    // Once the widget knows, the launcher tells how soon the shop answers: a tooltip, and the
    // button's description for screen readers. Not while the visitor waits in line (the place
    // in line says it) nor while nobody is there (the panel says when someone will be).
    let hint = move || {
        let presence = chat.with(Screen::presence_to_tell)?;
        matches!(presence, Presence::Online { .. }).then(|| {
            chat.lang
                .get_untracked()
                .availability(presence, Default::default())
        })
    };

    view! {
        <button
            type="button"
            class="pronto-launcher"
            part="launcher"
            class=("pronto-launcher--open", open)
            node_ref=controls.launcher
            aria-label=text.open_chat
            title=hint
            aria-expanded=move || if open() { "true" } else { "false" }
            aria-controls=move || open().then_some(PANEL_ID)
            aria-describedby=move || has_unread().then_some(UNREAD_ID)
            on:click=move |_| controls.toggle()
            on:keydown=move |ev: KeyboardEvent| {
                // The panel closes on Esc wherever focus is in the widget, the launcher too.
                if ev.key() == "Escape" && open() {
                    ev.stop_propagation();
                    controls.close();
                }
            }
        >
            <span class="pronto-launcher-icon pronto-launcher-icon--chat" aria-hidden="true">
                <svg viewBox="0 0 24 24" focusable="false">
                    <path
                        fill="currentColor"
                        d="M12 3C6.9 3 3 6.6 3 11c0 2.1.9 4 2.4 5.5-.2 1.4-.8 2.8-1.8 3.8-.2.2 0 .6.3.6 2 0 3.8-.7 5.1-1.7 1 .3 2 .4 3 .4 5.1 0 9-3.6 9-8.5S17.1 3 12 3Zm-4 9.5a1.3 1.3 0 1 1 0-2.6 1.3 1.3 0 0 1 0 2.6Zm4 0a1.3 1.3 0 1 1 0-2.6 1.3 1.3 0 0 1 0 2.6Zm4 0a1.3 1.3 0 1 1 0-2.6 1.3 1.3 0 0 1 0 2.6Z"
                    ></path>
                </svg>
            </span>
            <span class="pronto-launcher-icon pronto-launcher-icon--close" aria-hidden="true">
                <svg viewBox="0 0 24 24" focusable="false">
                    <path
                        fill="none"
                        stroke="currentColor"
                        stroke-width="2.4"
                        stroke-linecap="round"
                        stroke-linejoin="round"
                        d="m6 9 6 6 6-6"
                    ></path>
                </svg>
            </span>
            {move || {
                has_unread()
                    .then(|| {
                        view! {
                            <span class="pronto-badge" part="badge" aria-hidden="true">
                                {move || if unread() > 9 { "9+".to_owned() } else { unread().to_string() }}
                            </span>
                            <span class="pronto-visually-hidden" id=UNREAD_ID>
                                {move || chat.lang.get_untracked().unread(unread())}
                            </span>
                        }
                    })
            }}
        </button>
    }
}
