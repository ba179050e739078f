//! Errors from the server, shown for a few seconds at the top of the desk.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::state::Console;
use crate::strings;

/// Long enough to read a sentence twice; a stale error would pass for a new failure.
const SHOWN_MS: u32 = 6_000;

#[component]
pub fn ErrorBanner() -> impl IntoView {
    let console = expect_context::<Console>();

    Effect::new(move |_| {
        if let Some(id) = console.error.with(|e| e.as_ref().map(|n| n.id)) {
            spawn_local(async move {
                gloo_timers::future::TimeoutFuture::new(SHOWN_MS).await;
                console.dismiss_error(id);
            });
        }
    });

    move || {
        console.error.get().map(|notice| {
            view! {
                <div class="console-error" role="alert">
                    <p class="console-error-text">{notice.text}</p>
                    <button
                        type="button"
                        class="console-error-dismiss"
                        on:click=move |_| console.dismiss_error(notice.id)
                    >
                        {strings::DISMISS}
                    </button>
                </div>
            }
        })
    }
}
