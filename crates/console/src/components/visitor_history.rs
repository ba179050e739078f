//! The visitor's past beside the conversation on screen: when the shop first saw them and
//! each earlier conversation, folded until opened (rule 3: whoever answers sees it at once).

use leptos::prelude::*;
use leptos::task::spawn_local;
use pronto_protocol::agent::{EarlierConversation, VisitorHistory};
use pronto_protocol::chat::Author;
use pronto_protocol::ids::ConversationId;

use super::visitor_page::visitor_page;
use crate::api;
use crate::clock;
use crate::strings;

#[component]
pub fn VisitorPast(
    /// The conversation on screen; its visitor's other conversations are shown.
    id: ConversationId,
) -> impl IntoView {
    let history = RwSignal::new(None::<VisitorHistory>);
    spawn_local(async move {
        // Nothing to add when it cannot be read: the conversation itself is on screen.
        if let Ok(found) = api::visitor_history(id).await {
            history.try_set(Some(found));
        }
    });
    move || {
        history.get().map(|history| {
            let first_seen = when(history.first_seen_ms);
            let mut summary = strings::visitor_past(&first_seen, history.earlier.len());
            if let Some(locale) = &history.locale {
                summary = format!("{summary} · {}", strings::speaks(locale));
            }
            let page = history
                .page
                .map(|page| view! { <div class="visitor-now">{visitor_page(page)}</div> });
            let visitor = Signal::stored(strings::visitor_name(&history.visitor));
            let earlier = history
                .earlier
                .into_iter()
                .map(|conversation| earlier_conversation(conversation, visitor))
                .collect_view();
            view! {
                {page}
                <details class="visitor-past">
                    <summary class="visitor-past-summary">{summary}</summary>
                    <div class="visitor-past-list">{earlier}</div>
                </details>
            }
        })
    }
}

fn when(ms: i64) -> String {
    let at = clock::local_time(ms);
    strings::day_and_time(&at.day, at.hours, at.minutes)
}

fn earlier_conversation(
    conversation: EarlierConversation,
    visitor: Signal<String>,
) -> impl IntoView {
    // Everyone who answered, in the order they first did (a transfer makes two).
    let mut agents: Vec<&str> = Vec::new();
    for message in &conversation.messages {
        if let Author::Agent { name } = &message.author
            && !agents.contains(&name.as_str())
        {
            agents.push(name);
        }
    }
    let agents = (!agents.is_empty()).then(|| agents.join(", "));
    let summary = strings::earlier_conversation(
        &when(conversation.started_ms),
        conversation.messages.len(),
        agents.as_deref(),
    );
    // Plainer than the conversation on screen, and classed apart from it.
    let messages = conversation
        .messages
        .into_iter()
        .map(|message| {
            let author = match message.author {
                Author::Visitor => visitor.get_untracked(),
                Author::Agent { name } => name,
            };
            let at = clock::local_time(message.sent_at_ms);
            view! {
                <li class="earlier-message">
                    <span class="earlier-author">{author}</span>
                    <time class="earlier-time" datetime=at.iso>
                        {strings::clock_time(at.hours, at.minutes)}
                    </time>
                    <p class="earlier-text">{message.text}</p>
                </li>
            }
        })
        .collect_view();
    view! {
        <details class="earlier-conversation">
            <summary>{summary}</summary>
            <ol class="earlier-messages">{messages}</ol>
        </details>
    }
}
