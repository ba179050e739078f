//! The reply box: Enter sends, Shift+Enter starts a new line, empty replies are not sent.
//! A reply leaves the box at once, also while offline: the outbox sends it when it can.
//! Typing `/` and a shortcut offers the shop's canned replies; Enter or Tab puts the chosen
//! one in the box to be read over (and changed) before it is sent. The "Internal note"
//! switch turns the box into one for a note only the team sees.

use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::prelude::*;
use pronto_protocol::ErrorCode;
use pronto_protocol::chat::validate_text;
use pronto_protocol::ids::ConversationId;
use pronto_protocol::limits::MAX_MESSAGE_CHARS;

use crate::canned;
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
    let list_id = format!("canned-{id}");
    let hint_id = format!("canned-hint-{id}");

    let can_send = move || !draft.with(|text| text.trim().is_empty());
    // Writing a note: the visitor must not even see "typing".
    let as_note = RwSignal::new(false);
    let typing = move |text: &str| {
        console.agent_types(id, !as_note.get_untracked() && !text.trim().is_empty())
    };

    // The canned replies matching the `/shortcut` being typed; none once Esc closed the list,
    // until the agent types again.
    let dismissed = RwSignal::new(false);
    let suggestions = Memo::new(move |_| {
        if dismissed.get() {
            return Vec::new();
        }
        draft.with(|text| match canned::typed_shortcut(text) {
            Some((_, typed)) => console.canned.with(|all| canned::matching(all, typed)),
            None => Vec::new(),
        })
    });
    let suggesting = move || suggestions.with(|s| !s.is_empty());
    let highlighted = RwSignal::new(0_usize);
    let option_id = {
        let list_id = list_id.clone();
        move |index: usize| format!("{list_id}-{index}")
    };

    let focus_box = move || {
        if let Some(textarea) = textarea.get_untracked() {
            let _ = textarea.focus();
        }
    };

    let choose = Callback::new(move |index: usize| {
        let Some(reply) = suggestions.with_untracked(|s| s.get(index).cloned()) else {
            return;
        };
        let text = draft.get_untracked();
        if let Some((at, _)) = canned::typed_shortcut(&text) {
            let text = canned::insert(&text, at, &reply.text);
            typing(&text);
            console.set_draft(id, text.clone());
            draft.set(text);
        }
        focus_box();
    });

    let send = Callback::new(move |()| {
        let text = draft.get_untracked();
        match validate_text(&text) {
            Ok(text) => {
                if as_note.get_untracked() {
                    console.note(id, outbox::new_id(), text.to_owned());
                } else {
                    console.reply(id, outbox::new_id(), text.to_owned());
                }
                draft.set(String::new());
                console.set_draft(id, String::new());
                focus_box();
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
        if suggesting() {
            let count = suggestions.with_untracked(Vec::len);
            let step = |by: usize| highlighted.update(|at| *at = (*at + by) % count);
            match ev.key().as_str() {
                "ArrowDown" => step(1),
                "ArrowUp" => step(count - 1),
                "Enter" | "Tab" if !ev.shift_key() && !ev.is_composing() => {
                    choose.run(highlighted.get_untracked());
                }
                // Closes the list only; the reply box keeps what was typed.
                "Escape" => {
                    dismissed.set(true);
                    ev.stop_propagation();
                }
                _ => return,
            }
            ev.prevent_default();
            return;
        }
        // `is_composing`: Enter also confirms a word in Japanese or Chinese input methods.
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            send.run(());
        }
    };
    let on_input = move |ev| {
        let text = event_target_value(&ev);
        typing(&text);
        console.set_draft(id, text.clone());
        dismissed.set(false);
        highlighted.set(0);
        draft.set(text);
    };

    let list = {
        let (list_id, hint_id, option_id) = (list_id.clone(), hint_id.clone(), option_id.clone());
        move || {
            suggesting().then(|| {
                let options = suggestions
                    .get()
                    .into_iter()
                    .enumerate()
                    .map(|(index, reply)| {
                        let selected = move || highlighted.get() == index;
                        view! {
                            <li
                                id=option_id(index)
                                role="option"
                                class="canned-option"
                                class:canned-option--highlighted=selected
                                aria-selected=move || selected().to_string()
                                // Before the box loses focus, so the caret stays where it was.
                                on:mousedown=move |ev| {
                                    ev.prevent_default();
                                    choose.run(index);
                                }
                            >
                                <span class="canned-shortcut">"/"{reply.shortcut}</span>
                                <span class="canned-text">{reply.text}</span>
                            </li>
                        }
                    })
                    .collect_view();
                view! {
                    <div class="canned">
                        <ul id=list_id.clone() class="canned-list" role="listbox" aria-label=strings::canned_replies()>
                            {options}
                        </ul>
                        <p id=hint_id.clone() class="canned-hint">{strings::canned_hint()}</p>
                    </div>
                }
            })
        }
    };

    let switch_note = move |_| {
        as_note.update(|note| *note = !*note);
        // Whatever was said about typing no longer holds: a note is no reply on its way.
        draft.with_untracked(|text| typing(text));
        focus_box();
    };

    view! {
        <form
            class="composer-form"
            class:composer-form--note=move || as_note.get()
            on:submit=move |ev: SubmitEvent| {
                ev.prevent_default();
                send.run(());
            }
        >
            {list}
            <label class="visually-hidden" for=field_id.clone()>
                {move || if as_note.get() { strings::note() } else { strings::reply() }}
            </label>
            <textarea
                id=field_id
                class="composer"
                name="message"
                rows="3"
                maxlength=MAX_MESSAGE_CHARS
                placeholder=move || {
                    if as_note.get() { strings::note_placeholder() } else { strings::reply_placeholder() }
                }
                aria-controls=move || suggesting().then(|| list_id.clone())
                aria-describedby=move || suggesting().then(|| hint_id.clone())
                aria-activedescendant=move || {
                    suggesting().then(|| option_id(highlighted.get()))
                }
                prop:value=move || draft.get()
                on:input=on_input
                on:keydown=on_keydown
                node_ref=textarea
            ></textarea>
            <button
                type="button"
                class="button note-switch"
                aria-pressed=move || as_note.get().to_string()
                on:click=switch_note
            >
                {strings::note()}
            </button>
            <button type="submit" class="button button--primary send" disabled=move || !can_send()>
                {move || if as_note.get() { strings::add_note() } else { strings::send() }}
            </button>
        </form>
    }
}
