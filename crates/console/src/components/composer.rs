//! The reply box: Enter sends, Shift+Enter starts a new line, empty replies are not sent.
//! A reply leaves the box at once, also while offline: the outbox sends it when it can.

use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::prelude::*;
use pronto_protocol::ErrorCode;
use pronto_protocol::chat::validate_text;
use pronto_protocol::ids::ConversationId;
use pronto_protocol::limits::MAX_MESSAGE_CHARS;

use crate::outbox;
use crate::state::Console;
use crate::strings;

#[component]
pub fn Composer(
    /// The conversation the reply goes to.
    id: ConversationId,
) -> impl IntoView {
    let console = expect_context::<Console>();
    let textarea = NodeRef::<leptos::html::Textarea>::new();
    let draft = RwSignal::new(console.draft(id));
    let field_id = format!("composer-{id}");

    let can_send = move || !draft.with(|text| text.trim().is_empty());

    let send = Callback::new(move |()| {
        let text = draft.get_untracked();
        match validate_text(&text) {
            Ok(text) => {
                console.reply(id, outbox::new_id(), text.to_owned());
                draft.set(String::new());
                console.set_draft(id, String::new());
                if let Some(textarea) = textarea.get_untracked() {
                    let _ = textarea.focus();
                }
            }
            Err(error) if error.code == ErrorCode::MessageEmpty => {}
            Err(error) => console.show_error(strings::error_text(&error)),
        }
    });

    // After a Take the agent's next move is to greet the visitor.
    Effect::new(move |_| {
        if console.focus_composer.get() == Some(id)
            && let Some(textarea) = textarea.get()
        {
            let _ = textarea.focus();
            console.focus_composer.set(None);
        }
    });

    let on_keydown = move |ev: KeyboardEvent| {
        // `is_composing`: Enter also confirms a word in Japanese or Chinese input methods.
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            send.run(());
        }
    };
    let on_input = move |ev| {
        let text = event_target_value(&ev);
        console.agent_types(id, !text.trim().is_empty());
        console.set_draft(id, text.clone());
        draft.set(text);
    };

    view! {
        <form
            class="composer-form"
            on:submit=move |ev: SubmitEvent| {
                ev.prevent_default();
                send.run(());
            }
        >
            <label class="visually-hidden" for=field_id.clone()>
                {strings::REPLY}
            </label>
            <textarea
                id=field_id
                class="composer"
                name="message"
                rows="3"
                maxlength=MAX_MESSAGE_CHARS
                placeholder=strings::REPLY_PLACEHOLDER
                prop:value=move || draft.get()
                on:input=on_input
                on:keydown=on_keydown
                node_ref=textarea
            ></textarea>
            <button type="submit" class="button button--primary send" disabled=move || !can_send()>
                {strings::SEND}
            </button>
        </form>
    }
}
