//! The queue panel: visitors waiting for an agent, oldest first, with live wait times.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use leptos::prelude::*;
use leptos::task::spawn_local;
use pronto_protocol::agent::AgentToServer;

use crate::clock;
use crate::components::queue_entry::QueueItem;
use crate::state::Console;
use crate::strings;
use crate::transport::Sender;

#[component]
pub fn Queue() -> impl IntoView {
    let console = expect_context::<Console>();
    let sender = expect_context::<Sender>();

    // Wait times tick while the queue is on screen.
    let ticking = Arc::new(AtomicBool::new(true));
    spawn_local({
        let ticking = Arc::clone(&ticking);
        async move {
            loop {
                gloo_timers::future::TimeoutFuture::new(1_000).await;
                if !ticking.load(Ordering::Relaxed) {
                    break;
                }
                console.now_ms.set(clock::now_ms());
            }
        }
    });
    on_cleanup(move || ticking.store(false, Ordering::Relaxed));

    let empty = move || console.queue.with(Vec::is_empty);
    let take_next = move |_| {
        let first = console
            .queue
            .with_untracked(|queue| queue.first().map(|e| e.conversation));
        if let Some(conversation) = first {
            sender.send(AgentToServer::Take { conversation });
        }
    };

    view! {
        <section class="panel queue" aria-label=strings::WAITING_VISITORS>
            <header class="panel-header">
                <h2 class="panel-title">
                    {strings::WAITING_VISITORS}
                    " "
                    <span class="queue-count">{move || console.queue.with(Vec::len)}</span>
                </h2>
                <button
                    type="button"
                    class="button button--primary take-next"
                    disabled=move || empty() || !console.is_online()
                    on:click=take_next
                >
                    {strings::TAKE_NEXT}
                </button>
            </header>
            {move || empty().then(|| view! { <p class="panel-empty queue-empty">{strings::NOBODY_WAITING}</p> })}
            <ol class="queue-list">
                <For
                    each=move || console.queue.get()
                    key=|entry| entry.conversation
                    let:entry
                >
                    <QueueItem entry />
                </For>
            </ol>
        </section>
    }
}
