//! Follow-ups (rule 10): the shop's conversations marked to come back to, soonest first, the
//! due ones with "Follow up now" (the ended conversation opens again as this agent's); and the
//! control under an ended conversation that marks it for a day.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use leptos::prelude::*;
use leptos::task::spawn_local;
use pronto_protocol::agent::{AgentToServer, FollowUp};
use pronto_protocol::ids::ConversationId;

use crate::api;
use crate::state::Console;
use crate::strings;
use crate::transport::Sender;

/// How often the list is read again: days turn, and teammates mark conversations too.
const READ_AGAIN_MS: u32 = 60_000;

/// Marks `conversation` to follow up `on`, or takes the mark off; then reads the list again.
fn mark(console: Console, conversation: ConversationId, on: Option<String>) {
    spawn_local(async move {
        match api::set_follow_up(conversation, on).await {
            Ok(()) => refresh(console),
            Err(error) => console.show_error(strings::api_error_text(&error)),
        }
    });
}

/// Reads the shop's follow-ups into `console.follow_ups`.
pub fn refresh(console: Console) {
    spawn_local(async move {
        match api::follow_ups().await {
            Ok(follow_ups) => console.follow_ups.set(Some(follow_ups)),
            Err(error) => console.show_error(strings::api_error_text(&error)),
        }
    });
}

#[component]
pub fn FollowUpsPanel() -> impl IntoView {
    let console = expect_context::<Console>();
    refresh(console);
    let reading = Arc::new(AtomicBool::new(true));
    spawn_local({
        let reading = Arc::clone(&reading);
        async move {
            loop {
                gloo_timers::future::TimeoutFuture::new(READ_AGAIN_MS).await;
                if !reading.load(Ordering::Relaxed) {
                    break;
                }
                refresh(console);
            }
        }
    });
    on_cleanup(move || reading.store(false, Ordering::Relaxed));

    let marked = move || {
        console
            .follow_ups
            .with(|f| f.as_ref().map(|f| f.marked.clone()).unwrap_or_default())
    };
    let due = move || {
        console.follow_ups.with(|f| {
            f.as_ref()
                .map_or(0, |f| f.marked.iter().filter(|m| m.due).count())
        })
    };
    let empty = move || {
        console
            .follow_ups
            .with(|f| f.as_ref().is_some_and(|f| f.marked.is_empty()))
    };

    view! {
        <section class="panel follow-ups" aria-label=strings::follow_ups()>
            <header class="panel-header">
                <h2 class="panel-title">
                    {strings::follow_ups()}
                    {move || {
                        let due = due();
                        (due > 0).then(|| view! { <span class="follow-ups-due">{strings::due_count(due)}</span> })
                    }}
                </h2>
            </header>
            {move || empty().then(|| view! { <p class="panel-empty follow-ups-empty">{strings::no_follow_ups()}</p> })}
            <ol class="follow-up-list">
                <For
                    each=marked
                    key=|f| (f.conversation, f.on.clone(), f.due, f.ended, f.last_message.clone())
                    let:follow_up
                >
                    <FollowUpItem follow_up />
                </For>
            </ol>
        </section>
    }
}

#[component]
fn FollowUpItem(follow_up: FollowUp) -> impl IntoView {
    let console = expect_context::<Console>();
    let sender = expect_context::<Sender>();
    let id = follow_up.conversation;
    let when = if follow_up.due {
        strings::due().to_owned()
    } else {
        follow_up.on.clone()
    };
    let follow_up_now = move |_| {
        sender.send(AgentToServer::FollowUp { conversation: id });
        // The server takes the mark off as it opens the conversation; a refusal shows in the
        // error banner, and the next reading brings the mark back.
        console.follow_ups.update(|f| {
            if let Some(f) = f {
                f.marked.retain(|m| m.conversation != id);
            }
        });
    };
    let visitor = strings::visitor_name(&follow_up.visitor);
    let action = if follow_up.ended {
        let label = strings::follow_up_with(&visitor);
        view! {
            <button
                type="button"
                class="button follow-up-now"
                aria-label=label
                disabled=move || !console.is_online()
                on:click=follow_up_now
            >
                {strings::follow_up_now()}
            </button>
        }
        .into_any()
    } else {
        view! { <span class="follow-up-open">{strings::still_open()}</span> }.into_any()
    };
    // A mark can go from the list too: one whose visitor wrote again since is answered in
    // the newer conversation, and "Follow up now" would be refused.
    let cancel_label = strings::cancel_follow_up_with(&visitor);
    let cancel = move |_| mark(console, id, None);
    let class = if follow_up.due {
        "queue-entry follow-up follow-up--due"
    } else {
        "queue-entry follow-up"
    };
    let last = follow_up.last_message.clone().unwrap_or_default();
    let whole = last.clone();
    view! {
        <li class=class>
            <div class="queue-entry-head">
                <span class="queue-visitor follow-up-visitor">{visitor}</span>
                <span class="follow-up-when">{when}</span>
            </div>
            <p class="queue-first-message follow-up-last" title=whole>{last}</p>
            <p class="follow-up-by">{strings::marked_by(&follow_up.marked_by)}</p>
            <div class="follow-up-actions">
                {action}
                <button type="button" class="button follow-up-cancel" aria-label=cancel_label on:click=cancel>
                    {strings::take_off_follow_up()}
                </button>
            </div>
        </li>
    }
}

/// Under an ended conversation: the day to follow it up (today or later, in the shop's time
/// zone), or the day set, with a way to take it off.
#[component]
pub fn MarkFollowUp(id: ConversationId) -> impl IntoView {
    let console = expect_context::<Console>();
    let set_on = move || {
        console.follow_ups.with(|f| {
            f.as_ref()
                .and_then(|f| f.marked.iter().find(|m| m.conversation == id))
                .map(|m| m.on.clone())
        })
    };
    // A memo, so a reading of the list every minute does not reset a day being picked.
    let today = Memo::new(move |_| {
        console
            .follow_ups
            .with(|f| f.as_ref().map(|f| f.today.clone()))
    });
    let day = NodeRef::<leptos::html::Input>::new();
    let mark = move |on: Option<String>| mark(console, id, on);
    // Set and Cancel each give way to the other: focus follows, not lost to the page.
    let set_button = NodeRef::<leptos::html::Button>::new();
    let cancel_button = NodeRef::<leptos::html::Button>::new();
    let moved = StoredValue::new(false);
    Effect::new(move |_| {
        let marked = set_on().is_some();
        if moved.get_value() {
            let _ = match marked {
                true => cancel_button.get().map(|b| b.focus()),
                false => set_button.get().map(|b| b.focus()),
            };
        }
    });
    let field = format!("follow-up-day-{}", id.0);
    view! {
        <div class="follow-up-mark">
            {move || match set_on() {
                Some(on) => {
                    view! {
                        <p class="follow-up-set" role="status">{strings::follow_up_on(&on)}</p>
                        <button
                            type="button"
                            class="button follow-up-clear"
                            node_ref=cancel_button
                            on:click=move |_| {
                                moved.set_value(true);
                                mark(None);
                            }
                        >
                            {strings::take_off_follow_up()}
                        </button>
                    }
                        .into_any()
                }
                None => {
                    let field = field.clone();
                    view! {
                        <label class="follow-up-label" for=field.clone()>
                            {strings::follow_up_on_label()}
                        </label>
                        <input
                            type="date"
                            class="follow-up-day"
                            id=field
                            min=today
                            prop:value=today
                            node_ref=day
                        />
                        <button
                            type="button"
                            class="button follow-up-set-button"
                            node_ref=set_button
                            on:click=move |_| {
                                let on = day.get_untracked().map(|d| d.value()).filter(|v| !v.is_empty());
                                if on.is_some() {
                                    moved.set_value(true);
                                    mark(on);
                                }
                            }
                        >
                            {strings::set_follow_up()}
                        </button>
                    }
                        .into_any()
                }
            }}
        </div>
    }
}
