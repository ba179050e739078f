//! Errors from the server, and news that is not an error (a conversation handed over), each
//! shown for a few seconds at the top of the desk.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::state::{Console, Notice};
use crate::strings;

/// Long enough to read a sentence twice; a stale error would pass for a new failure.
const SHOWN_MS: u32 = 6_000;

/// Something failed: said at once, interrupting whatever a screen reader was saying.
#[component]
pub fn ErrorBanner() -> impl IntoView {
    let console = expect_context::<Console>();
    hide_after_a_while(console.error, move |id| console.dismiss_error(id));
    let dismiss = Callback::new(move |id| console.dismiss_error(id));
    move || {
        console.error.get().map(|notice| {
            view! {
                <div class="console-error" role="alert">
                    {banner(notice, "console-error", dismiss)}
                </div>
            }
        })
    }
}

/// News: read out politely, after whatever is being read. The live region stays in the
/// page, empty, so what appears in it is announced.
#[component]
pub fn InfoBanner() -> impl IntoView {
    let console = expect_context::<Console>();
    hide_after_a_while(console.info, move |id| console.dismiss_info(id));
    let dismiss = Callback::new(move |id| console.dismiss_info(id));
    view! {
        <div role="status">
            {move || {
                console.info.get().map(|notice| {
                    view! { <div class="console-info">{banner(notice, "console-info", dismiss)}</div> }
                })
            }}
        </div>
    }
}

/// Each notice shown goes away by itself after `SHOWN_MS`, unless a newer one replaced it.
/// `dismiss` must be safe to call after the desk is gone, as a late timer may.
fn hide_after_a_while(notice: RwSignal<Option<Notice>>, dismiss: impl Fn(u32) + Copy + 'static) {
    Effect::new(move |_| {
        if let Some(id) = notice.with(|n| n.as_ref().map(|n| n.id)) {
            spawn_local(async move {
                gloo_timers::future::TimeoutFuture::new(SHOWN_MS).await;
                dismiss(id);
            });
        }
    });
}

/// The notice's words and its Dismiss button, classed `{class}-text` and `{class}-dismiss`.
fn banner(notice: Notice, class: &'static str, dismiss: Callback<u32>) -> impl IntoView {
    view! {
        <p class=format!("{class}-text")>{notice.text}</p>
        <button
            type="button"
            class=format!("{class}-dismiss")
            on:click=move |_| dismiss.run(notice.id)
        >
            {strings::dismiss()}
        </button>
    }
}
