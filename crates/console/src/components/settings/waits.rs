//! How long a visitor waits in line before the widget offers e-mail, and the first-reply
//! targets the dashboard measures: the live chat's in minutes, e-mail's in hours.

use leptos::prelude::*;
use pronto_protocol::agent::SiteSettings;
use pronto_protocol::limits::MAX_EMAIL_TARGET_SECS;

use super::{Site, Status, status_line};
use crate::strings;

#[component]
pub fn Waits(
    /// Where the settings are saved.
    site: Site,
    /// The settings as read when the page opened.
    read: SiteSettings,
) -> impl IntoView {
    let status = Status::new(None);
    let minutes = |secs: Option<u32>| secs.map(|s| (s / 60).to_string()).unwrap_or_default();
    let ask_email = RwSignal::new(minutes(read.ask_email_after_secs));
    let target = RwSignal::new(minutes(read.reply_target_secs));
    let email_target = RwSignal::new(
        read.email_reply_target_secs
            .map(|s| (s / 3600).to_string())
            .unwrap_or_default(),
    );
    let save = move |_| {
        let secs = |field: RwSignal<String>| {
            field
                .get_untracked()
                .trim()
                .parse::<u32>()
                .ok()
                .map(|m| m.saturating_mul(60))
        };
        let (Some(ask), Some(goal)) = (secs(ask_email), secs(target)) else {
            status.set(Some((false, strings::whole_minutes().into())));
            return;
        };
        let email_hours = email_target.get_untracked().trim().parse::<u32>().ok();
        let Some(email_goal) = email_hours
            .filter(|hours| (1..=MAX_EMAIL_TARGET_SECS / 3600).contains(hours))
            .map(|hours| hours * 3600)
        else {
            status.set(Some((false, strings::whole_hours().into())));
            return;
        };
        site.save(
            status,
            |settings| {
                settings.ask_email_after_secs = Some(ask);
                settings.reply_target_secs = Some(goal);
                settings.email_reply_target_secs = Some(email_goal);
            },
            |_| {},
        );
    };
    let field = move |label: &'static str, name: &'static str, value: RwSignal<String>| {
        view! {
            <label class="field">
                {label}
                <input
                    name=name
                    type="number"
                    min="0"
                    inputmode="numeric"
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                />
            </label>
        }
    };
    view! {
        <section class="settings-part waits" aria-labelledby="waits-title">
            <h3 id="waits-title">{strings::waits()}</h3>
            {field(strings::ask_email_after(), "ask_email_after_minutes", ask_email)}
            {field(strings::reply_target(), "reply_target_minutes", target)}
            {field(strings::email_reply_target(), "email_reply_target_hours", email_target)}
            <div class="settings-actions">
                <button type="button" class="button button--primary save-waits" on:click=save>
                    {strings::save()}
                </button>
                {status_line(status)}
            </div>
        </section>
    }
}
