//! The selected conversation: who, the messages, the agent's replies not stored yet, and the
//! composer (or, once closed, a notice).

use leptos::prelude::*;
use leptos::task::spawn_local;
use pronto_protocol::agent::AgentToServer;
use pronto_protocol::ids::ConversationId;

use crate::api;
use crate::components::composer::Composer;
use crate::components::follow_ups::MarkFollowUp;
use crate::components::message::{MessageItem, NoteItem};
use crate::components::pending::PendingItem;
use crate::components::transfer::Transfer;
use crate::components::visitor_history::VisitorPast;
use crate::state::{Console, Entry};
use crate::strings;
use crate::transport::Sender;

#[component]
pub fn Conversation(
    /// The conversation on screen; the desk draws a new one when the selection changes.
    id: ConversationId,
) -> impl IntoView {
    let console = expect_context::<Console>();
    let sender = expect_context::<Sender>();
    // The shop's page may name the visitor while the conversation is on screen.
    let visitor = Signal::from(Memo::new(move |_| console.visitor(id)));
    let email = Memo::new(move |_| console.visitor_email(id));
    let closed = Memo::new(move |_| console.is_closed(id));
    let messages = Memo::new(move |_| console.entries(id));
    let pending = Memo::new(move |_| console.pending(id));
    // Set when this agent asked to close, so focus can follow the button that disappears.
    let closing = RwSignal::new(false);
    let close = Callback::new(move |()| {
        closing.set(true);
        sender.send(AgentToServer::Close { conversation: id });
    });
    let dismiss_button = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(button) = dismiss_button.get()
            && closing.get_untracked()
        {
            let _ = button.focus();
        }
    });

    // Read receipts: what is on screen in a tab in view is read; the visitor hears so.
    let receipts = expect_context::<Sender>();
    Effect::new(move |_| {
        if let Some(read) = console.read_receipt(id) {
            receipts.send(read);
        }
    });

    // Keep the newest message in view, as in any chat; after layout, so the height is known.
    let list = NodeRef::<leptos::html::Ol>::new();
    Effect::new(move |_| {
        messages.with(Vec::len);
        pending.with(Vec::len);
        if let Some(list) = list.get() {
            request_animation_frame(move || list.set_scroll_top(list.scroll_height()));
        }
    });

    let footer = move || {
        if closed.get() {
            view! {
                <div class="conversation-closed">
                    <p class="conversation-closed-notice" role="status">{strings::conversation_closed()}</p>
                    <MarkFollowUp id />
                    <button
                        type="button"
                        class="button dismiss-conversation"
                        node_ref=dismiss_button
                        on:click=move |_| console.dismiss(id)
                    >
                        {strings::remove_from_list()}
                    </button>
                </div>
            }
            .into_any()
        } else {
            view! { <Composer id /> }.into_any()
        }
    };

    view! {
        <section class="conversation" aria-label=visitor>
            <header class="conversation-header">
                <div class="conversation-who">
                    <h2 class="conversation-visitor">{visitor}</h2>
                    {move || {
                        email
                            .get()
                            .map(|email| {
                                let href = format!("mailto:{email}");
                                let sent_to = strings::transcript_sent(&email);
                                // One e-mail per press: the button waits for the answer.
                                let sending = RwSignal::new(false);
                                let send_transcript = move |_| {
                                    let sent_to = sent_to.clone();
                                    sending.set(true);
                                    spawn_local(async move {
                                        match api::email_transcript(id).await {
                                            Ok(()) => console.show_info(sent_to),
                                            Err(error) => {
                                                console.show_error(strings::api_error_text(&error))
                                            }
                                        }
                                        sending.try_set(false);
                                    });
                                };
                                view! {
                                    <a class="conversation-email" href=href>
                                        {email}
                                    </a>
                                    <button
                                        type="button"
                                        class="button email-transcript"
                                        disabled=sending
                                        on:click=send_transcript
                                    >
                                        {strings::email_transcript()}
                                    </button>
                                }
                            })
                    }}
                </div>
                {move || {
                    (!closed.get())
                        .then(|| {
                            view! {
                                <div class="conversation-actions">
                                <Transfer id />
                                <button
                                    type="button"
                                    class="button button--danger close-conversation"
                                    disabled=move || !console.is_online()
                                    on:click=move |_| close.run(())
                                >
                                    {strings::close_conversation()}
                                </button>
                                </div>
                            }
                        })
                }}
            </header>
            <VisitorPast id />
            {move || {
                (messages.with(Vec::is_empty) && pending.with(Vec::is_empty))
                    .then(|| view! { <p class="messages-empty">{strings::no_messages()}</p> })
            }}
            <ol class="messages" aria-label=strings::messages() aria-live="polite" node_ref=list>
                // Keyed by time too, so the server's copy of a reply replaces the one shown at
                // its acknowledgement (same `seq`, the server's timestamp); notes by their id.
                <For
                    each=move || messages.get()
                    key=|entry| match entry {
                        Entry::Message(message) => (message.seq, message.sent_at_ms, None),
                        Entry::Note(note) => (note.after_seq, note.sent_at_ms, Some(note.client_id.clone())),
                    }
                    let:entry
                >
                    {match entry {
                        Entry::Message(message) => view! { <MessageItem message visitor /> }.into_any(),
                        Entry::Note(note) => view! { <NoteItem note /> }.into_any(),
                    }}
                </For>
                // After the stored messages: the server numbers them after what it holds. The
                // state is in the key, so an item is drawn anew when its reply fails or retries.
                <For
                    each=move || pending.get()
                    key=|reply| (reply.id.clone(), reply.state.clone())
                    let:reply
                >
                    <PendingItem reply />
                </For>
            </ol>
            <p class="visitor-typing">
                {move || console.visitor_is_typing(id).then_some(strings::visitor_typing())}
            </p>
            <div class="conversation-footer">{footer}</div>
        </section>
    }
}
