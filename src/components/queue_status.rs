//! The visitor's place in line while waiting for an agent: "You're #2 in line · about 2–4 min".

use leptos::prelude::*;

use crate::state::Chat;

pub fn queue_status(chat: Chat) -> impl IntoView {
    let line = move || {
        chat.with(|screen| screen.queue)
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
                                {dots()}
                                <span class="pronto-queue-text">{line}</span>
                            </p>
                        }
                    })
            }}
        </div>
    }
}

/// Three blinking dots: someone is on it.
pub fn dots() -> impl IntoView {
    view! {
        <span class="pronto-queue-dots" aria-hidden="true">
            <span></span>
            <span></span>
            <span></span>
        </span>
    }
}
