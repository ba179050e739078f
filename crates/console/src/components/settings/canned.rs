//! The canned replies the owner writes once for the whole team: a shortcut and its text, saved
//! as one list (the server checks it whole: one bad entry changes nothing).

use leptos::prelude::*;
use leptos::task::spawn_local;
use pronto_protocol::agent::CannedReply;

use super::{Status, focus_soon, show_outcome, status_line};
use crate::api;
use crate::state::Console;
use crate::strings;

/// One canned reply being edited; `key` tells rows apart while the list changes.
#[derive(Clone, Copy)]
struct Row {
    key: u32,
    shortcut: RwSignal<String>,
    text: RwSignal<String>,
}

impl Row {
    fn reply(&self) -> CannedReply {
        CannedReply {
            shortcut: self.shortcut.get_untracked(),
            text: self.text.get_untracked(),
        }
    }
}

#[component]
pub fn CannedReplies() -> impl IntoView {
    let console = expect_context::<Console>();
    let rows = RwSignal::new(Vec::<Row>::new());
    let next_key = StoredValue::new(0_u32);
    let status = Status::new(None);
    let new_row = move |reply: CannedReply| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        Row {
            key,
            shortcut: RwSignal::new(reply.shortcut),
            text: RwSignal::new(reply.text),
        }
    };
    let load = move |replies: Vec<CannedReply>| {
        rows.set(replies.iter().cloned().map(new_row).collect());
        // The reply box offers the new list at once, without signing in again.
        console.canned.set(replies);
    };
    spawn_local(async move {
        match api::canned_replies().await {
            Ok(replies) => load(replies),
            Err(error) => {
                status.try_set(Some((false, strings::api_error_text(&error))));
            }
        }
    });
    let add = move |_| {
        rows.update(|rows| {
            rows.push(new_row(CannedReply {
                shortcut: String::new(),
                text: String::new(),
            }))
        });
        focus_soon(".canned-reply:last-child input[name=shortcut]");
    };
    let save = move |_| {
        let replies: Vec<CannedReply> =
            rows.with_untracked(|rows| rows.iter().map(Row::reply).collect());
        status.set(None);
        spawn_local(async move {
            show_outcome(status, api::set_canned_replies(&replies).await.map(load));
        });
    };

    view! {
        <section class="settings-part canned-replies" aria-labelledby="canned-title">
            <h3 id="canned-title">{strings::canned_replies()}</h3>
            <p class="settings-hint">{strings::canned_replies_hint()}</p>
            <ol class="settings-rows">
                <For each=move || rows.get() key=|row| row.key let:row>
                    <li class="settings-row canned-reply">
                        <label class="field">
                            {strings::shortcut()}
                            <input
                                name="shortcut"
                                autocapitalize="off"
                                spellcheck="false"
                                prop:value=move || row.shortcut.get()
                                on:input=move |ev| row.shortcut.set(event_target_value(&ev))
                            />
                        </label>
                        <label class="field">
                            {strings::canned_text()}
                            <textarea
                                name="canned_text"
                                rows="2"
                                prop:value=move || row.text.get()
                                on:input=move |ev| row.text.set(event_target_value(&ev))
                            ></textarea>
                        </label>
                        <button
                            type="button"
                            class="button button--danger remove-canned-reply"
                            aria-label=move || strings::remove_canned_reply(&row.shortcut.get())
                            on:click=move |_| {
                                rows.update(|rows| rows.retain(|r| r.key != row.key));
                                focus_soon(".add-canned-reply");
                            }
                        >
                            {strings::remove()}
                        </button>
                    </li>
                </For>
            </ol>
            <div class="settings-actions">
                <button type="button" class="button add-canned-reply" on:click=add>
                    {strings::add_canned_reply()}
                </button>
                <button type="button" class="button button--primary save-canned-replies" on:click=save>
                    {strings::save_canned_replies()}
                </button>
                {status_line(status)}
            </div>
        </section>
    }
}
