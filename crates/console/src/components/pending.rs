//! One of the agent's replies the server has not stored yet: sending, or refused, with
//! buttons to send it again or give it up. Once stored it shows as a `MessageItem` instead.

use leptos::prelude::*;

use crate::outbox::{Kind, PendingReply, ReplyState};
use crate::state::Console;
use crate::strings;

#[component]
pub fn PendingItem(
    /// The reply; the conversation draws a new item when its state changes.
    reply: PendingReply,
) -> impl IntoView {
    let console = expect_context::<Console>();
    let author = untrack(|| console.agent.with(|a| a.name.clone()));
    let PendingReply {
        conversation,
        id,
        kind,
        text,
        state,
    } = reply;
    // A note looks like one from the start: the agent sees at once it is not for the visitor.
    let (look, text_class) = match kind {
        Kind::Reply => ("message message--agent", "message-text"),
        Kind::Note => ("message message--note", "note-text"),
    };
    // The buttons vanish with the item; the agent's next move is most likely another reply.
    let refocus = move || {
        if !untrack(|| console.is_closed(conversation)) {
            console.focus_composer.set(Some(conversation));
        }
    };

    let (class, status, actions) = match state {
        ReplyState::Sending => ("message--sending", strings::sending().to_owned(), None),
        ReplyState::Failed(reason) => {
            let retry_id = id.clone();
            let actions = view! {
                <div class="message-actions">
                    <button
                        type="button"
                        class="button retry"
                        on:click=move |_| {
                            console.retry(&retry_id);
                            refocus();
                        }
                    >
                        {strings::retry()}
                    </button>
                    <button
                        type="button"
                        class="button discard"
                        on:click=move |_| {
                            console.discard(&id);
                            refocus();
                        }
                    >
                        {strings::discard()}
                    </button>
                </div>
            };
            ("message--failed", strings::not_sent(&reason), Some(actions))
        }
    };

    view! {
        <li class=format!("{look} {class}")>
            <span class="message-author">
                {author}
                {(kind == Kind::Note).then_some(strings::note_suffix())}
            </span>
            // A text node, as for stored messages.
            <p class=text_class>{text}</p>
            <span class="message-status">{status}</span>
            {actions}
        </li>
    }
}
