//! The signed-in console: header, error banner and the three columns (queue, conversation
//! list, conversation). It owns the state and the socket for as long as the agent is signed in.

use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use pronto_protocol::agent::{AgentProfile, AgentToServer, Role};

use crate::api;
use crate::clock;
use crate::components::conversation::Conversation;
use crate::components::conversation_list::ConversationList;
use crate::components::dashboard::DashboardView;
use crate::components::error_banner::{ErrorBanner, InfoBanner};
use crate::components::follow_ups::FollowUpsPanel;
use crate::components::language_switch::LanguageSwitch;
use crate::components::queue::Queue;
use crate::components::settings::SettingsView;
use crate::state::Console;
use crate::strings;
use crate::transport::{LinkStatus, Transport};
use crate::{alerts, storage};

#[component]
pub fn Desk(
    /// The signed-in agent, from sign-in or `GET /api/me`.
    agent: AgentProfile,
    /// Called once the agent is signed out, by choice or because the session ended.
    on_signed_out: Callback<()>,
) -> impl IntoView {
    let console = Console::new(agent, clock::now_ms());
    provide_context(console);

    let transport = Transport::connect(
        move |frame| console.apply(frame),
        move |status| {
            console.link.set(status);
            if let LinkStatus::Reconnecting { .. } = status {
                // A socket refused at the upgrade looks like any network failure; only HTTP
                // can tell that the session has ended.
                spawn_local(async move {
                    if let Ok(None) = api::me().await {
                        on_signed_out.run(());
                    }
                });
            }
        },
    );
    console.attach(transport.sender());
    // Canned replies change rarely (the owner edits them); read once per sign-in.
    spawn_local(async move {
        match api::canned_replies().await {
            Ok(replies) => console.canned.set(replies),
            Err(error) => console.show_error(strings::api_error_text(&error)),
        }
    });
    console.page_visible.set(!document().hidden());
    provide_context(transport.sender());
    // Away: the server says so to every console of this agent, this one included.
    let away_sender = transport.sender();

    // The browser knows before the backoff does that the network is back or that the agent
    // is looking: reconnect now rather than after up to ten more seconds.
    let nudge = transport.nudge();
    let reconnect_now = move || {
        if untrack(|| !console.is_online()) {
            nudge.reconnect_now();
        }
    };
    let listeners = [
        window_event_listener(ev::online, {
            let reconnect_now = reconnect_now.clone();
            move |_| reconnect_now()
        }),
        window_event_listener(ev::focus, {
            let reconnect_now = reconnect_now.clone();
            move |_| reconnect_now()
        }),
        // Fired at the document, and it bubbles to the window.
        window_event_listener_untyped("visibilitychange", move |_| {
            console.page_visible.set(!document().hidden());
            if !document().hidden() {
                reconnect_now();
            }
        }),
    ];
    on_cleanup(move || {
        for listener in listeners {
            listener.remove();
        }
        transport.stop();
    });

    let sign_out = move |_| {
        spawn_local(async move {
            // Signed out here either way; a failed call only leaves a cookie the server
            // will expire.
            let _ = api::logout().await;
            on_signed_out.run(());
        });
    };

    let link_text = move || match console.link.get() {
        LinkStatus::Connecting => strings::connecting(),
        LinkStatus::Online => "",
        LinkStatus::Reconnecting { .. } => strings::reconnecting(),
    };
    let link_class = move || {
        if console.is_online() {
            "link-status"
        } else {
            "link-status link-status--offline"
        }
    };

    // Alerts (a tone, and notifications while the tab is hidden) need the browser's
    // permission, asked when the agent turns them on, not before.
    let alerts_on = RwSignal::new(alerts::allowed());
    let toggle_alerts = move |_| {
        if alerts_on.get_untracked() {
            storage::set_alerts(false);
            alerts_on.set(false);
            return;
        }
        spawn_local(async move {
            if alerts::permission() == "granted" || alerts::ask().await {
                storage::set_alerts(true);
                alerts_on.try_set(true);
            } else {
                console.show_error(strings::alerts_blocked().into());
            }
        });
    };

    // Owners also read the numbers and change the settings.
    let is_owner = console.agent.with_untracked(|a| a.role == Role::Owner);
    let page = RwSignal::new(Page::Chats);
    let pages = is_owner.then(|| {
        let tab = move |to: Page, label: &'static str, class: &'static str| {
            view! {
                <button
                    type="button"
                    class=format!("button console-page {class}")
                    aria-current=move || (page.get() == to).then_some("page")
                    on:click=move |_| page.set(to)
                >
                    {label}
                </button>
            }
        };
        view! {
            <nav class="console-pages" aria-label=strings::console_pages()>
                {tab(Page::Chats, strings::chats(), "page-chats")}
                {tab(Page::Dashboard, strings::dashboard(), "page-dashboard")}
                {tab(Page::Settings, strings::settings(), "page-settings")}
            </nav>
        }
    });

    // A memo, so re-selecting the same conversation does not redraw it (and lose focus).
    let selected = Memo::new(move |_| console.selected.get());
    let pane = move || match selected.get() {
        Some(id) => view! { <Conversation id /> }.into_any(),
        None => view! {
            <div class="conversation-placeholder">
                <p>{strings::no_selection()}</p>
            </div>
        }
        .into_any(),
    };

    view! {
        <div class="console">
            <header class="console-header">
                <div class="console-brand">
                    <span class="console-product">{strings::PRODUCT}</span>
                    <h1 class="shop-name">{move || console.agent.with(|a| a.shop_name.clone())}</h1>
                </div>
                {pages}
                <p class=link_class role="status">{link_text}</p>
                <div class="console-account">
                    <LanguageSwitch />
                    <button
                        type="button"
                        class="button alerts-toggle"
                        aria-pressed=move || alerts_on.get().to_string()
                        on:click=toggle_alerts
                    >
                        {strings::alerts()}
                    </button>
                    <button
                        type="button"
                        class="button away-toggle"
                        title=strings::away_hint()
                        aria-pressed=move || console.away.get().to_string()
                        disabled=move || !console.is_online()
                        on:click=move |_| {
                            let away = !console.away.get_untracked();
                            away_sender.send(AgentToServer::Away { away });
                        }
                    >
                        {strings::step_away()}
                    </button>
                    <span class="visually-hidden">{strings::signed_in_as()}" "</span>
                    <span class="agent-name">{move || console.agent.with(|a| a.name.clone())}</span>
                    <button type="button" class="button sign-out" on:click=sign_out>
                        {strings::sign_out()}
                    </button>
                </div>
            </header>
            <ErrorBanner />
            <InfoBanner />
            {move || match page.get() {
                Page::Dashboard => {
                    view! {
                        <main class="console-numbers">
                            <DashboardView />
                        </main>
                    }
                        .into_any()
                }
                Page::Settings => {
                    view! {
                        <main class="console-numbers">
                            <SettingsView />
                        </main>
                    }
                        .into_any()
                }
                Page::Chats => {
                    view! {
                        <main class="console-desk">
                            <Queue />
                            <div class="console-column">
                                <ConversationList />
                                <FollowUpsPanel />
                            </div>
                            <div class="console-pane">{pane}</div>
                        </main>
                    }
                        .into_any()
                }
            }}
        </div>
    }
}

/// The console's pages: owners also read the numbers and change the settings; the chats (and
/// the socket) carry on behind them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Page {
    Chats,
    Dashboard,
    Settings,
}
