//! One conversation in the list: who, the latest message, closed or not, unread count.

use leptos::prelude::*;
use pronto_protocol::ids::ConversationId;

use crate::state::Console;
use crate::strings;

#[component]
pub fn ConversationTab(
    /// The conversation this tab stands for; everything else is read live from the console.
    id: ConversationId,
) -> impl IntoView {
    let console = expect_context::<Console>();
    let selected = move || console.selected.get() == Some(id);
    let closed = move || console.is_closed(id);
    let unread = move || console.unread(id);

    let class = move || {
        let mut class = String::from("conversation-tab");
        if selected() {
            class.push_str(" conversation-tab--selected");
        }
        if closed() {
            class.push_str(" conversation-tab--closed");
        }
        if unread() > 0 {
            class.push_str(" conversation-tab--unread");
        }
        class
    };

    view! {
        <li class=class>
            <button
                type="button"
                class="conversation-tab-button"
                aria-current=move || selected().then_some("true")
                on:click=move |_| console.select(id)
            >
                <span class="conversation-tab-top">
                    <span class="conversation-tab-visitor">{move || console.visitor(id)}</span>
                    {move || {
                        closed()
                            .then(|| view! { <span class="conversation-tab-closed">{strings::closed()}</span> })
                    }}
                    {move || {
                        let count = unread();
                        (count > 0)
                            .then(|| {
                                view! {
                                    <span class="unread-badge" aria-hidden="true">{count}</span>
                                    <span class="visually-hidden">{strings::unread(count)}</span>
                                }
                            })
                    }}
                </span>
                <span class="conversation-tab-preview">
                    {move || console.last_message(id).unwrap_or_default()}
                </span>
            </button>
        </li>
    }
}
