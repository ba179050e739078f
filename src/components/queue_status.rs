//! The visitor's place in line while waiting for an agent: "You're #2 in line · usually 1–3 min".

use leptos::prelude::*;

use crate::state::Chat;

#[component]
pub fn QueueStatus() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let line = move || {
        chat.queue
            .get()
            .map(|spot| chat.lang.get().queue_line(spot.position, spot.estimate))
    };

    // The status wrapper stays so screen readers hear the position as it changes.
    view! {
        <div class="pronto-live" role="status">
            {move || {
                line()
                    .map(|line| {
                        view! {
                            <p class="pronto-queue" part="queue">
                                <Dots />
                                <span class="pronto-queue-text">{line}</span>
                            </p>
                        }
                    })
            }}
        </div>
    }
}

/// Three blinking dots: someone is on it.
#[component]
pub fn Dots() -> impl IntoView {
    view! {
        <span class="pronto-queue-dots" aria-hidden="true">
            <span></span>
            <span></span>
            <span></span>
        </span>
    }
}
