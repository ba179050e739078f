//! The selected conversation: who, the messages, and the composer (or, once closed, a notice).

use leptos::prelude::*;
use pronto_protocol::agent::AgentToServer;
use pronto_protocol::ids::ConversationId;

use crate::components::composer::Composer;
use crate::components::message::MessageItem;
use crate::state::Console;
use crate::strings;
use crate::transport::Outbox;

#[component]
pub fn Conversation(
    /// The conversation on screen; the desk draws a new one when the selection changes.
    id: ConversationId,
) -> impl IntoView {
    let console = expect_context::<Console>();
    let outbox = expect_context::<Outbox>();
    // Fixed for the life of a conversation, so read once.
    let visitor = untrack(|| console.visitor(id));
    let closed = Memo::new(move |_| console.is_closed(id));
    let messages = Memo::new(move |_| console.messages(id));
    // Set when this agent asked to close, so focus can follow the button that disappears.
    let closing = RwSignal::new(false);
    let close = Callback::new(move |()| {
        closing.set(true);
        outbox.send(AgentToServer::Close { conversation: id });
    });
    let dismiss_button = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(button) = dismiss_button.get()
            && closing.get_untracked()
        {
            let _ = button.focus();
        }
    });

    // Keep the newest message in view, as in any chat; after layout, so the height is known.
    let list = NodeRef::<leptos::html::Ol>::new();
    Effect::new(move |_| {
        messages.with(Vec::len);
        if let Some(list) = list.get() {
            request_animation_frame(move || list.set_scroll_top(list.scroll_height()));
        }
    });

    let footer = move || {
        if closed.get() {
            view! {
                <div class="conversation-closed">
                    <p class="conversation-closed-notice" role="status">{strings::CONVERSATION_CLOSED}</p>
                    <button
                        type="button"
                        class="button dismiss-conversation"
                        node_ref=dismiss_button
                        on:click=move |_| console.dismiss(id)
                    >
                        {strings::REMOVE_FROM_LIST}
                    </button>
                </div>
            }
            .into_any()
        } else {
            view! { <Composer id /> }.into_any()
        }
    };

    let label = visitor.clone();
    let heading = visitor.clone();
    view! {
        <section class="conversation" aria-label=label>
            <header class="conversation-header">
                <h2 class="conversation-visitor">{heading}</h2>
                {move || {
                    (!closed.get())
                        .then(|| {
                            view! {
                                <button
                                    type="button"
                                    class="button button--danger close-conversation"
                                    disabled=move || !console.is_online()
                                    on:click=move |_| close.run(())
                                >
                                    {strings::CLOSE_CONVERSATION}
                                </button>
                            }
                        })
                }}
            </header>
            {move || {
                messages
                    .with(Vec::is_empty)
                    .then(|| view! { <p class="messages-empty">{strings::NO_MESSAGES}</p> })
            }}
            <ol class="messages" aria-label=strings::MESSAGES aria-live="polite" node_ref=list>
                <For each=move || messages.get() key=|message| message.seq let:message>
                    <MessageItem message visitor=visitor.clone() />
                </For>
            </ol>
            <div class="conversation-footer">{footer}</div>
        </section>
    }
}
