//! Who answers, on the owner's settings page: whether waiting visitors are assigned
//! automatically, and how many chats each agent holds at once (their slots).

use leptos::prelude::*;
use leptos::task::spawn_local;
use pronto_protocol::agent::{AgentChange, TeamMember};
use pronto_protocol::ids::AgentId;
use pronto_protocol::limits::MAX_SLOTS;

use super::{show_outcome, status_line};
use crate::api;
use crate::strings;

/// One teammate's slots being edited.
#[derive(Clone)]
struct Slots {
    /// Which read of the team this row is from: a new read draws new fields, bound to its
    /// own values (rows kept by id would stay bound to the old ones).
    read: u32,
    member: TeamMember,
    /// As typed, checked on save.
    typed: RwSignal<String>,
}

#[component]
pub fn Assignment(
    /// Counts the Team section's changes (an agent added): each one re-reads the team here.
    team_changed: RwSignal<u32>,
) -> impl IntoView {
    let automatic = RwSignal::new(false);
    let team = RwSignal::new(Vec::<Slots>::new());
    let status = RwSignal::new(None::<(bool, String)>);
    let reads = StoredValue::new(0_u32);
    let load = move |members: Vec<TeamMember>| {
        let read = reads.get_value() + 1;
        reads.set_value(read);
        team.set(
            members
                .into_iter()
                .map(|member| Slots {
                    read,
                    typed: RwSignal::new(member.slots.to_string()),
                    member,
                })
                .collect(),
        );
    };
    spawn_local(async move {
        let read = async { Ok::<_, api::ApiError>((api::assignment().await?, api::team().await?)) };
        match read.await {
            Ok((assignment, members)) => {
                automatic.set(assignment.automatic);
                load(members);
            }
            Err(error) => status.set(Some((false, strings::api_error_text(&error)))),
        }
    });
    // A new teammate shows up here too; numbers typed and not yet saved stay as typed.
    Effect::new(move |seen: Option<()>| {
        team_changed.track();
        if seen.is_none() {
            return;
        }
        spawn_local(async move {
            match api::team().await {
                Ok(members) => {
                    let typed: Vec<(AgentId, String)> = team
                        .get_untracked()
                        .iter()
                        .map(|row| (row.member.id, row.typed.get_untracked()))
                        .collect();
                    load(members);
                    for row in team.get_untracked() {
                        if let Some((_, text)) = typed.iter().find(|(id, _)| *id == row.member.id) {
                            row.typed.set(text.clone());
                        }
                    }
                }
                Err(error) => status.set(Some((false, strings::api_error_text(&error)))),
            }
        });
    });
    let save = move |_| {
        // Every number is checked before anything is sent, so a typo changes nothing.
        let mut changes = Vec::new();
        for row in team.get_untracked() {
            let typed = row.typed.get_untracked();
            match typed.trim().parse::<u32>() {
                Ok(slots) if (1..=MAX_SLOTS).contains(&slots) => {
                    if slots != row.member.slots {
                        changes.push((row.member.id, slots));
                    }
                }
                _ => {
                    status.set(Some((false, strings::slots_out_of_range(&row.member.name))));
                    return;
                }
            }
        }
        let on = automatic.get_untracked();
        status.set(None);
        spawn_local(async move {
            let saved = async {
                for (agent, slots) in changes {
                    let change = AgentChange {
                        role: None,
                        slots: Some(slots),
                    };
                    api::change_agent(agent, &change).await?;
                }
                api::set_assignment(on).await?;
                api::team().await
            };
            show_outcome(status, saved.await.map(load));
        });
    };

    view! {
        <section class="settings-part assignment" aria-labelledby="assignment-title">
            <h3 id="assignment-title">{strings::who_answers()}</h3>
            <label class="field-check">
                <input
                    type="checkbox"
                    name="automatic"
                    prop:checked=move || automatic.get()
                    on:change=move |ev| automatic.set(event_target_checked(&ev))
                    aria-describedby="assignment-hint"
                />
                {strings::assign_automatically()}
            </label>
            <p class="settings-hint" id="assignment-hint">{strings::assign_automatically_hint()}</p>
            <ul class="slots-list">
                <For each=move || team.get() key=|row| (row.read, row.member.id) let:row>
                    <li class="slots-row">
                        <label class="field-inline">
                            <span class="slots-name">{row.member.name.clone()}</span>
                            <input
                                name="slots"
                                type="number"
                                min="1"
                                max=MAX_SLOTS
                                inputmode="numeric"
                                aria-label=strings::chats_at_once_for(&row.member.name)
                                prop:value=move || row.typed.get()
                                on:input=move |ev| row.typed.set(event_target_value(&ev))
                            />
                            {strings::chats_at_once()}
                        </label>
                    </li>
                </For>
            </ul>
            <div class="settings-actions">
                <button type="button" class="button button--primary save-assignment" on:click=save>
                    {strings::save()}
                </button>
                {status_line(status)}
            </div>
        </section>
    }
}
