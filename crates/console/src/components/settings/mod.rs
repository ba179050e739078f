//! The owner's settings page, one section per file: the shop's name, greeting and storefronts;
//! the widget's look with the script tag to paste and a live preview; opening hours; canned
//! replies; quick answers; the waits; the team; and who answers (automatic assignment and
//! each agent's chats at once). Only owners see the page (the desk shows
//! it to them alone); the server refuses anyone else's save all the same.

mod appearance;
mod assignment;
mod canned;
mod hours;
mod quick_answers;
mod shop;
mod team;
mod waits;

use leptos::prelude::*;
use leptos::task::spawn_local;
use pronto_protocol::agent::{SiteSettings, SiteUpdate};
use wasm_bindgen::JsCast;

use crate::api;
use crate::strings;
use appearance::Appearance;
use assignment::Assignment;
use canned::CannedReplies;
use hours::Hours;
use quick_answers::QuickAnswers;
use shop::Shop;
use team::Team;
use waits::Waits;

/// What a section says about its last save or read: `(true, "Saved.")`, or `(false, why)` in
/// the server's words; `None` before there is anything to say.
type Status = RwSignal<Option<(bool, String)>>;

/// The shop's settings as last read or saved. Each section that changes them starts from this
/// copy and changes only its own part, so one section's save never sends another's unsaved
/// edits, nor erases the opening hours.
#[derive(Clone, Copy)]
struct Site(RwSignal<Option<SiteSettings>>);

impl Site {
    /// Sends the fields `change` sets (`PUT /api/site`; those it leaves out are kept as
    /// stored, so a section never puts back another's older values) and says how it went on
    /// `status`. On success the server's answer — the settings as stored, trimmed and
    /// checked — becomes the saved copy and is handed to `stored`, so the section shows what
    /// was kept.
    fn save(
        self,
        status: Status,
        change: impl FnOnce(&mut SiteUpdate),
        stored: impl FnOnce(&SiteSettings) + 'static,
    ) {
        let mut body = SiteUpdate::default();
        change(&mut body);
        status.set(None);
        spawn_local(async move {
            let outcome = api::set_site_settings(&body).await.map(|answer| {
                stored(&answer);
                self.0.try_set(Some(answer));
            });
            show_outcome(status, outcome);
        });
    }
}

#[component]
pub fn SettingsView() -> impl IntoView {
    let site = Site(RwSignal::new(None));
    let status = Status::new(None);
    let team_changed = RwSignal::new(0_u32);
    spawn_local(async move {
        match api::site_settings().await {
            Ok(read) => {
                site.0.try_set(Some(read));
            }
            Err(error) => {
                status.try_set(Some((false, strings::api_error_text(&error))));
            }
        }
    });
    // The sections that change these settings are drawn once they have been read, from what
    // was read; a save changes the saved copy, not what the owner is editing.
    let loaded = Memo::new(move |_| site.0.with(Option::is_some));
    let when_loaded = move |section: fn(Site, SiteSettings) -> AnyView| {
        move || {
            // Read, not only tracked: a memo nobody reads is never worked out, so it would
            // never hear the settings arrive.
            if !loaded.get() {
                return None;
            }
            site.0
                .get_untracked()
                .map(|settings| section(site, settings))
        }
    };
    view! {
        <section class="settings" aria-labelledby="settings-title">
            <h2 id="settings-title">{strings::settings()}</h2>
            {status_line(status)}
            {when_loaded(|site, read| view! { <Shop site=site read=read /> }.into_any())}
            {when_loaded(|site, read| view! { <Appearance site=site read=read /> }.into_any())}
            {when_loaded(|site, read| view! { <Hours site=site read=read /> }.into_any())}
            <CannedReplies />
            <QuickAnswers />
            {when_loaded(|site, read| view! { <Waits site=site read=read /> }.into_any())}
            <Team changed=team_changed />
            <Assignment team_changed=team_changed />
        </section>
    }
}

/// Says how a save went: "Saved.", or the server's words.
fn show_outcome(status: Status, outcome: Result<(), api::ApiError>) {
    status.try_set(Some(match outcome {
        Ok(()) => (true, strings::saved().into()),
        Err(error) => (false, strings::api_error_text(&error)),
    }));
}

/// The status line under a section's buttons: a polite status, or an alert for a refusal.
fn status_line(status: Status) -> impl IntoView {
    move || {
        status.get().map(|(ok, words)| {
            let (class, role) = if ok {
                ("settings-status", "status")
            } else {
                ("settings-status settings-status--error", "alert")
            };
            view! { <p class=class role=role>{words}</p> }
        })
    }
}

/// One line a field of many lines holds per entry, blanks left out.
fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Moves focus to `selector` once the change just made has been drawn: into the row just
/// added, or to a steady button when the one pressed went away with its row.
fn focus_soon(selector: impl Into<String>) {
    let selector = selector.into();
    request_animation_frame(move || {
        let found = document().query_selector(&selector).ok().flatten();
        if let Some(element) = found.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = element.focus();
        }
    });
}
