//! One of the agent's replies the server has not stored yet: sending, or refused, with
//! buttons to send it again or give it up. Once stored it shows as a `MessageItem` instead.

use leptos::prelude::*;

use crate::outbox::{PendingReply, ReplyState};
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
        text,
        state,
    } = reply;
    // The buttons vanish with the item; the agent's next move is most likely another reply.
    let refocus = move || {
        if !untrack(|| console.is_closed(conversation)) {
            console.focus_composer.set(Some(conversation));
        }
    };

    let (class, status, actions) = match state {
        ReplyState::Sending => (
            "message message--agent message--sending",
            strings::SENDING.to_owned(),
            None,
        ),
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
                        {strings::RETRY}
                    </button>
                    <button
                        type="button"
                        class="button discard"
                        on:click=move |_| {
                            console.discard(&id);
                            refocus();
                        }
                    >
                        {strings::DISCARD}
                    </button>
                </div>
            };
            (
                "message message--agent message--failed",
                strings::not_sent(&reason),
                Some(actions),
            )
        }
    };

    view! {
        <li class=class>
            <span class="message-author">{author}</span>
            // A text node, as for stored messages.
            <p class="message-text">{text}</p>
            <span class="message-status">{status}</span>
            {actions}
        </li>
    }
}
