//! The sign-in form.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use pronto_protocol::agent::AgentProfile;
use pronto_protocol::limits::{MAX_NAME_CHARS, MAX_PASSWORD_CHARS};

use crate::api::{self, ApiError};
use crate::components::language_switch::LanguageSwitch;
use crate::strings;

#[component]
pub fn Login(
    /// Called with the agent once the server accepts the email and password.
    on_signed_in: Callback<AgentProfile>,
) -> impl IntoView {
    let email = NodeRef::<leptos::html::Input>::new();
    let password = NodeRef::<leptos::html::Input>::new();
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let (Some(email), Some(password)) = (email.get_untracked(), password.get_untracked())
        else {
            return;
        };
        let (email, password) = (email.value(), password.value());
        pending.set(true);
        error.set(None);
        spawn_local(async move {
            let result = api::login(email, password).await;
            pending.set(false);
            match result {
                Ok(agent) => on_signed_in.run(agent),
                Err(ApiError::Refused(refusal)) => error.set(Some(refusal.message)),
                Err(ApiError::Status(_) | ApiError::Network(_)) => {
                    error.set(Some(strings::server_unreachable().into()))
                }
            }
        });
    };

    view! {
        <main class="login-page">
            <LanguageSwitch />
            <form class="login" aria-labelledby="login-title" on:submit=submit>
                <p class="login-product">{strings::PRODUCT}</p>
                <h1 id="login-title" class="login-title">{strings::sign_in_title()}</h1>
                <div class="field">
                    <label for="login-email">{strings::email()}</label>
                    <input
                        id="login-email"
                        name="email"
                        type="email"
                        autocomplete="username"
                        maxlength=MAX_NAME_CHARS
                        required
                        node_ref=email
                    />
                </div>
                <div class="field">
                    <label for="login-password">{strings::password()}</label>
                    <input
                        id="login-password"
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        maxlength=MAX_PASSWORD_CHARS
                        required
                        node_ref=password
                    />
                </div>
                {move || {
                    error.get().map(|message| view! { <p class="login-error" role="alert">{message}</p> })
                }}
                <button type="submit" class="button button--primary login-submit" disabled=move || pending.get()>
                    {move || if pending.get() { strings::signing_in() } else { strings::sign_in() }}
                </button>
            </form>
        </main>
    }
}
