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

    let empty = move || console.queue_total.get() == 0;
    // The server picks: the longest-waiting visitor nobody else is taking at this instant.
    let take_next = move |_| sender.send(AgentToServer::TakeNext);
    let more = move || {
        let shown = u32::try_from(console.queue.with(Vec::len)).unwrap_or(u32::MAX);
        let total = console.queue_total.get();
        (total > shown).then(|| {
            view! { <p class="panel-empty queue-more">{strings::more_waiting(total - shown)}</p> }
        })
    };

    view! {
        <section class="panel queue" aria-label=strings::waiting_visitors()>
            <header class="panel-header">
                <h2 class="panel-title">
                    {strings::waiting_visitors()}
                    " "
                    <span class="queue-count">{move || console.queue_total.get()}</span>
                </h2>
                <button
                    type="button"
                    class="button button--primary take-next"
                    disabled=move || empty() || !console.is_online()
                    on:click=take_next
                >
                    {strings::take_next()}
                </button>
            </header>
            {move || empty().then(|| view! { <p class="panel-empty queue-empty">{strings::nobody_waiting()}</p> })}
            <ol class="queue-list">
                <For
                    each=move || console.queue.get()
                    key=|entry| entry.conversation
                    let:entry
                >
                    <QueueItem entry />
                </For>
            </ol>
            {more}
        </section>
    }
}
