//! The root: asks the server whether the agent is already signed in, then shows the sign-in
//! form or the desk.

use leptos::prelude::*;
use leptos::task::spawn_local;
use pronto_protocol::agent::AgentProfile;

use crate::api;
use crate::components::desk::Desk;
use crate::components::login::Login;
use crate::strings;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Session {
    /// Waiting for `GET /api/me`; showing the form now would flash it at signed-in agents.
    Checking,
    SignedOut,
    SignedIn(AgentProfile),
}

#[component]
pub fn App() -> impl IntoView {
    // The tab's title, in the console's language (index.html's is English).
    document().set_title(strings::page_title());
    let session = RwSignal::new(Session::Checking);
    spawn_local(async move {
        // Any failure means the agent signs in again; the form reports a server that is down.
        let next = match api::me().await {
            Ok(Some(agent)) => Session::SignedIn(agent),
            _ => Session::SignedOut,
        };
        session.set(next);
    });

    let signed_in = Callback::new(move |agent| session.set(Session::SignedIn(agent)));
    let signed_out = Callback::new(move |()| {
        // Several checks may find the session gone; redrawing the form would drop what the
        // agent has typed into it.
        if session.get_untracked() != Session::SignedOut {
            session.set(Session::SignedOut);
        }
    });

    move || match session.get() {
        Session::Checking => {
            view! { <p class="console-loading" role="status">{strings::loading()}</p> }.into_any()
        }
        Session::SignedOut => view! { <Login on_signed_in=signed_in /> }.into_any(),
        Session::SignedIn(agent) => view! { <Desk agent on_signed_out=signed_out /> }.into_any(),
    }
}
