//! Handing the conversation on screen to a teammate: a button that lists who is online now,
//! each a button that hands it over. The server checks again; the list can be a moment old.

use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use pronto_protocol::agent::{AgentToServer, TeamMember};
use pronto_protocol::ids::ConversationId;

use crate::api;
use crate::state::Console;
use crate::strings;
use crate::transport::Sender;

/// What the list shows while open.
#[derive(Clone, PartialEq)]
enum Team {
    Loading,
    Loaded(Vec<TeamMember>),
}

#[component]
pub fn Transfer(
    /// The conversation to hand on.
    id: ConversationId,
) -> impl IntoView {
    let console = expect_context::<Console>();
    let sender = expect_context::<Sender>();
    let team = RwSignal::new(None::<Team>);
    let toggle_button = NodeRef::<leptos::html::Button>::new();
    let menu_id = format!("transfer-{id}");

    // Replies still on their way would reach the conversation after it changed hands and be
    // refused; the agent hands it on once they are stored.
    let replies_pending = move || !console.pending(id).is_empty();

    let close = move || {
        team.set(None);
        if let Some(button) = toggle_button.get_untracked() {
            let _ = button.focus();
        }
    };
    let toggle = move |_| {
        if team.get_untracked().is_some() {
            close();
            return;
        }
        if replies_pending() {
            console.show_error(strings::transfer_waits_for_replies().into());
            return;
        }
        team.set(Some(Team::Loading));
        spawn_local(async move {
            match api::team().await {
                // Still open: the agent may have closed the list meanwhile.
                Ok(members) if team.get_untracked().is_some() => {
                    team.set(Some(Team::Loaded(members)));
                }
                Ok(_) => {}
                Err(error) => {
                    team.set(None);
                    console.show_error(strings::api_error_text(&error));
                }
            }
        });
    };
    let hand_to = Callback::new(move |to| {
        sender.send(AgentToServer::Transfer {
            conversation: id,
            to,
        });
        close();
    });
    let on_keydown = move |ev: KeyboardEvent| {
        if ev.key() == "Escape" && team.get_untracked().is_some() {
            ev.stop_propagation();
            close();
        }
    };

    let me = console.agent.with_untracked(|agent| agent.id);
    let menu = {
        let menu_id = menu_id.clone();
        move || {
            let list = match team.get()? {
                Team::Loading => {
                    view! { <p class="transfer-status">{strings::loading_team()}</p> }.into_any()
                }
                Team::Loaded(members) => {
                    let others: Vec<TeamMember> =
                        members.into_iter().filter(|m| m.id != me).collect();
                    if others.iter().any(|m| m.online) {
                        let items = others
                            .into_iter()
                            .map(|teammate| {
                                let online = teammate.online;
                                let label = strings::transfer_to(&teammate.name);
                                let (to, name) = (teammate.id, teammate.name);
                                view! {
                                    <li class="transfer-teammate">
                                        <button
                                            type="button"
                                            class="button transfer-to"
                                            aria-label=label
                                            disabled=!online
                                            on:click=move |_| hand_to.run(to)
                                        >
                                            {name}
                                            {(!online).then(|| view! { <span class="transfer-away">" ("{strings::away()}")"</span> })}
                                        </button>
                                    </li>
                                }
                            })
                            .collect_view();
                        view! { <ul class="transfer-list">{items}</ul> }.into_any()
                    } else {
                        view! { <p class="transfer-status">{strings::nobody_to_transfer_to()}</p> }
                            .into_any()
                    }
                }
            };
            Some(view! {
                <div id=menu_id.clone() class="transfer-menu" role="group" aria-label=strings::transfer_to_label()>
                    {list}
                    <button type="button" class="button transfer-cancel" on:click=move |_| close()>
                        {strings::cancel()}
                    </button>
                </div>
            })
        }
    };

    view! {
        <div class="transfer" on:keydown=on_keydown>
            <button
                type="button"
                class="button transfer-open"
                node_ref=toggle_button
                aria-expanded=move || team.with(Option::is_some).to_string()
                aria-controls=menu_id
                disabled=move || !console.is_online()
                on:click=toggle
            >
                {strings::transfer()}
            </button>
            {menu}
        </div>
    }
}
