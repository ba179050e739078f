//! One chat message in a conversation, or one of the team's internal notes among them.

use leptos::prelude::*;
use pronto_protocol::agent::Note;
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

/// An internal note: set apart in colour and words, since the visitor never sees it.
#[component]
pub fn NoteItem(note: Note) -> impl IntoView {
    let sent = clock::local_time(note.sent_at_ms);
    view! {
        <li class="message message--note">
            <span class="message-author">{note.author}{strings::note_suffix()}</span>
            <p class="note-text">{note.text}</p>
            <time class="message-time" datetime=sent.iso>
                {strings::clock_time(sent.hours, sent.minutes)}
            </time>
        </li>
    }
}
