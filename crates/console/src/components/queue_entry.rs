//! One waiting visitor in the queue panel.

use leptos::prelude::*;
use pronto_protocol::agent::{AgentToServer, QueueEntry};

use super::visitor_page::visitor_page;
use crate::state::Console;
use crate::strings;
use crate::transport::Sender;

#[component]
pub fn QueueItem(
    /// The visitor as the server listed them; the position and wait time are read live.
    entry: QueueEntry,
) -> impl IntoView {
    let console = expect_context::<Console>();
    let sender = expect_context::<Sender>();
    let id = entry.conversation;
    let since = entry.waiting_since_ms;

    let position = move || console.queue_position(id).map_or(0, |p| p + 1);
    let wait = move || strings::wait_time(console.wait_secs(since));
    let take = move |_| sender.send(AgentToServer::Take { conversation: id });

    let take_label = strings::take_visitor(&entry.visitor);
    let full_message = entry.first_message.clone();
    // The browser's whole list on hover; its first language in words.
    let language = entry.locale.map(|locale| {
        let label = strings::visitor_language(&locale);
        view! { <span class="queue-language" title=locale>{label}</span> }
    });
    let page = entry.page.map(visitor_page);
    view! {
        <li class="queue-entry">
            <div class="queue-entry-head">
                <span class="queue-position">{position}</span>
                <span class="queue-visitor">{strings::visitor_name(&entry.visitor)}</span>
                <span class="queue-wait">{wait}</span>
            </div>
            {language}
            {page}
            <p class="queue-first-message" title=full_message>
                {entry.first_message}
            </p>
            <button
                type="button"
                class="button take"
                aria-label=take_label
                disabled=move || !console.is_online()
                on:click=take
            >
                {strings::take()}
            </button>
        </li>
    }
}
