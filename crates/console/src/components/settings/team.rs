//! The shop's team — who is on it, their role, whether they are online — and the form that
//! gives a new agent or owner a console account.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use pronto_protocol::agent::{NewAgent, Role, TeamMember};
use pronto_protocol::limits::MIN_PASSWORD_CHARS;

use super::{Status, status_line};
use crate::api;
use crate::strings;

#[component]
pub fn Team(
    /// Counted up when the team changes (an agent added), for the sections that list it too.
    changed: RwSignal<u32>,
) -> impl IntoView {
    let team = RwSignal::new(Vec::<TeamMember>::new());
    let read_status = Status::new(None);
    let read_team = move || {
        spawn_local(async move {
            match api::team().await {
                Ok(members) => {
                    team.try_set(members);
                }
                Err(error) => {
                    read_status.try_set(Some((false, strings::api_error_text(&error))));
                }
            }
        });
    };
    read_team();

    view! {
        <section class="settings-part team" aria-labelledby="team-title">
            <h3 id="team-title">{strings::team()}</h3>
            {status_line(read_status)}
            <ul class="team-list">
                <For each=move || team.get() key=|member| member.id let:member>
                    <li class="team-member">
                        <span class="team-member-name">{member.name.clone()}</span>
                        <span class="team-member-role">{strings::role_name(member.role)}</span>
                        {if member.online {
                            view! { <span class="team-member-online">{strings::online()}</span> }
                                .into_any()
                        } else {
                            view! { <span class="team-member-offline">{strings::offline()}</span> }
                                .into_any()
                        }}
                    </li>
                </For>
            </ul>
            <AddAgent on_added=Callback::new(move |()| {
                read_team();
                changed.update(|count| *count += 1);
            }) />
        </section>
    }
}

/// The form for a new account: name, e-mail, a temporary password to pass on, and the role.
#[component]
fn AddAgent(
    /// Runs once the server has made the account.
    on_added: Callback<()>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Agent);
    let status = Status::new(None);
    let pending = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let new = NewAgent {
            email: email.get_untracked(),
            name: name.get_untracked(),
            password: password.get_untracked(),
            role: role.get_untracked(),
        };
        pending.set(true);
        status.set(None);
        spawn_local(async move {
            let outcome = api::add_agent(&new).await;
            pending.try_set(false);
            status.try_set(Some(match outcome {
                Ok(added) => {
                    // Ready for the next one; the password is not left on screen.
                    name.set(String::new());
                    email.set(String::new());
                    password.set(String::new());
                    on_added.run(());
                    (true, strings::agent_added(&added.name))
                }
                Err(error) => (false, strings::api_error_text(&error)),
            }));
        });
    };
    let role_choice = move |value: Role, label: &'static str| {
        view! {
            <label class="choice">
                <input
                    type="radio"
                    name="new_agent_role"
                    value=role_value(value)
                    prop:checked=move || role.get() == value
                    on:change=move |_| role.set(value)
                />
                {label}
            </label>
        }
    };
    view! {
        // The server checks every field and says what is wrong in its words, as everywhere
        // on this page; the browser's own checks would speak for it first.
        <form class="add-agent" aria-labelledby="add-agent-title" novalidate on:submit=submit>
            <h4 id="add-agent-title">{strings::add_agent()}</h4>
            <label class="field">
                {strings::agent_name()}
                <input
                    name="new_agent_name"
                    autocomplete="off"
                    required
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))
                />
            </label>
            <label class="field">
                {strings::agent_email()}
                <input
                    name="new_agent_email"
                    type="email"
                    autocomplete="off"
                    autocapitalize="off"
                    spellcheck="false"
                    required
                    prop:value=move || email.get()
                    on:input=move |ev| email.set(event_target_value(&ev))
                />
            </label>
            <label class="field">
                {strings::temporary_password()}
                <input
                    name="new_agent_password"
                    type="password"
                    autocomplete="new-password"
                    minlength=MIN_PASSWORD_CHARS.to_string()
                    required
                    aria-describedby="new-agent-password-hint"
                    prop:value=move || password.get()
                    on:input=move |ev| password.set(event_target_value(&ev))
                />
            </label>
            <p class="settings-hint" id="new-agent-password-hint">
                {strings::temporary_password_hint()}
            </p>
            <fieldset class="choices">
                <legend>{strings::role()}</legend>
                {role_choice(Role::Agent, strings::role_agent())}
                {role_choice(Role::Owner, strings::role_owner())}
            </fieldset>
            <div class="settings-actions">
                <button
                    type="submit"
                    class="button button--primary add-agent-submit"
                    disabled=move || pending.get()
                >
                    {strings::add_agent()}
                </button>
                {status_line(status)}
            </div>
        </form>
    }
}

/// The radio's value: the role itself, not its name, which is in the console's language.
fn role_value(role: Role) -> &'static str {
    match role {
        Role::Owner => "owner",
        Role::Agent => "agent",
    }
}
