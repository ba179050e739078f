//! The whole widget: state, connection and the two things on screen (launcher and panel).

use leptos::prelude::*;
use pronto_protocol::ids::SiteId;
use pronto_protocol::visitor::ServerToVisitor;

use super::launcher::launcher;
use super::panel::panel;
use super::{Controls, Opening};
use crate::api::Events;
use crate::i18n::Lang;
use crate::state::{Chat, Screen};
use crate::storage;
use crate::transport::{Event, Identity, Link, Transport, visitor_url};

/// How the page set the widget up (the script tag's attributes and the visitor's languages).
pub struct Setup {
    /// The Pronto server's origin, e.g. `https://chat.example.com`.
    pub server: String,
    /// The shop's site id, from `data-site`.
    pub site: String,
    /// The storefront page's address, URI-encoded, for the shop's agents.
    pub page: String,
    pub lang: Lang,
    /// The shop's signed-in customer, when the page vouches for them.
    pub identity: Option<Identity>,
    /// Whether the panel starts open, and at whose asking.
    pub open: Opening,
    /// Tells the page what happens (`Pronto('on', …)`).
    pub events: Events,
}

/// The widget. `on_mount` receives its state and controls once they exist, for the page's
/// commands. (A plain function rather than a `#[component]`: it has one caller, and the props
/// builder a component brings is code every shopper downloads.)
pub fn widget(setup: Setup, on_mount: impl FnOnce(Chat, Controls)) -> impl IntoView {
    let Setup {
        server,
        site,
        page,
        lang,
        identity,
        open,
        events,
    } = setup;
    let chat = Chat::new(lang);
    let token = storage::token(&site);
    let returning = token.is_some();

    let transport = match SiteId::parse(&site) {
        Ok(site_id) => {
            let site = site.clone();
            let events = events.clone();
            Some(Transport::new(
                visitor_url(&server, lang.code(), &page),
                site_id,
                token,
                move || chat.with_untracked(Screen::resume),
                identity,
                move |event| match event {
                    Event::Link(link) => chat.set_link(link),
                    Event::Outbox(items) => chat.set_outbox(items),
                    Event::Frame(ServerToVisitor::Message { message }) => {
                        let new = !chat.with_untracked(|screen| screen.has_message(message.seq));
                        if new {
                            events.message(&message);
                        }
                        chat.apply(ServerToVisitor::Message { message });
                    }
                    Event::Frame(frame) => {
                        // We only ever connect for a visitor who opened the chat (now or
                        // earlier in this session), who already has a saved token, or who
                        // left unsent messages, so this never stores anything for someone who
                        // merely viewed the page.
                        if let ServerToVisitor::Welcome { token, .. } = &frame {
                            storage::save_token(&site, token);
                        }
                        chat.apply(frame);
                    }
                },
            ))
        }
        Err(error) => {
            leptos::logging::warn!(
                "pronto: data-site \"{site}\" is not valid: {}",
                error.message
            );
            chat.set_link(Link::Refused);
            None
        }
    };

    let unsent = transport.as_ref().is_some_and(Transport::has_unsent);
    let controls = Controls::new(chat, site.clone(), transport);
    events.watch(chat);
    on_mount(chat, controls);

    if open == Opening::ByVisitor {
        // After the first render, so focus has somewhere to go.
        request_animation_frame(move || controls.open());
    } else if storage::was_open(&site) {
        controls.restore_open();
    } else {
        if open == Opening::ByPage {
            controls.open_for_page();
        }
        if returning || unsent {
            // A returning visitor may have an answer waiting: connect now so the badge shows
            // it. Messages left unsent by an earlier page (typed offline, then reloaded or
            // closed) go out now, not only once the visitor opens the chat again.
            controls.connect();
        }
    }

    // The panel is built when it opens, not again on every change of the chat.
    let open = Memo::new(move |_| chat.is_open());
    // A new language (`Pronto('locale', …)`) draws everything again in it; what the visitor
    // typed and the conversation live in `chat`, not in the views.
    move || {
        chat.lang.track();
        view! {
            {launcher(chat, controls)}
            {move || open.get().then(|| panel(chat, controls))}
        }
    }
}
