//! The agent's conversations, one tab each, in the order they were taken.

use leptos::prelude::*;

use crate::components::conversation_tab::ConversationTab;
use crate::state::Console;
use crate::strings;

#[component]
pub fn ConversationList() -> impl IntoView {
    let console = expect_context::<Console>();
    let empty = move || console.conversations.with(Vec::is_empty);
    // Ended conversations stay in the list until dismissed, but fill no slot.
    let open = move || {
        console
            .conversations
            .with(|list| list.iter().filter(|c| !c.is_closed()).count())
    };
    let full = move || open() >= console.slots.get() as usize;

    view! {
        <section class="panel conversations" aria-label=strings::your_conversations()>
            <header class="panel-header">
                <h2 class="panel-title">
                    {strings::your_conversations()}
                    " "
                    <span
                        class="slots-count"
                        class:slots-count--full=full
                        aria-label=move || strings::chats_of_slots_label(open(), console.slots.get())
                    >
                        {move || strings::chats_of_slots(open(), console.slots.get())}
                    </span>
                </h2>
            </header>
            {move || {
                empty()
                    .then(|| {
                        view! { <p class="panel-empty conversations-empty">{strings::no_conversations()}</p> }
                    })
            }}
            <ul class="conversation-list">
                <For each=move || console.conversation_ids() key=|id| *id let:id>
                    <ConversationTab id />
                </For>
            </ul>
        </section>
    }
}
