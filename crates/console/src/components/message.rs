//! One chat message in a conversation.

use leptos::prelude::*;
use pronto_protocol::chat::{Author, ChatMessage};

use crate::clock;
use crate::strings;

#[component]
pub fn MessageItem(
    message: ChatMessage,
    /// How the conversation refers to its visitor, shown as the author of their messages; it
    /// changes when the shop's page names them.
    visitor: Signal<String>,
) -> impl IntoView {
    let (class, author) = match message.author {
        Author::Visitor => ("message message--visitor", visitor),
        Author::Agent { name } => ("message message--agent", Signal::stored(name)),
    };
    let sent = clock::local_time(message.sent_at_ms);

    view! {
        <li class=class>
            <span class="message-author">{author}</span>
            // A text node: whatever a visitor types is shown, never interpreted as markup.
            <p class="message-text">{message.text}</p>
            <time class="message-time" datetime=sent.iso>
                {strings::clock_time(sent.hours, sent.minutes)}
            </time>
        </li>
    }
}
