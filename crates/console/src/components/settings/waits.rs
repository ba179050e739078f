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
    let hours = |secs: Option<u32>| secs.map(|s| (s / 3600).to_string()).unwrap_or_default();
    let shown_of = move |settings: &SiteSettings| {
        [
            minutes(settings.ask_email_after_secs),
            minutes(settings.reply_target_secs),
            hours(settings.email_reply_target_secs),
        ]
    };
    // What the fields showed as stored: only a field the owner changed is sent, so a value
    // set more finely elsewhere (5400 s shows as 1 hour) is not rounded by saving another.
    let shown = StoredValue::new(shown_of(&read));
    let [ask_email, target, email_target] = shown.get_value().map(RwSignal::new);
    let save = move |_| {
        let [was_ask, was_target, was_email] = shown.get_value();
        let changed = |field: RwSignal<String>, was: &str| {
            let now = field.get_untracked();
            (now.trim() != was.trim()).then(|| now.trim().parse::<u32>())
        };
        let in_minutes = |field, was: &str| match changed(field, was) {
            None => Ok(None),
            Some(Ok(minutes)) => Ok(Some(minutes.saturating_mul(60))),
            Some(Err(_)) => Err(strings::whole_minutes()),
        };
        let most_hours = MAX_EMAIL_TARGET_SECS / 3600;
        let email_goal = match changed(email_target, &was_email) {
            None => Ok(None),
            Some(Ok(hours)) if (1..=most_hours).contains(&hours) => Ok(Some(hours * 3600)),
            Some(_) => Err(strings::whole_hours()),
        };
        let checked = in_minutes(ask_email, &was_ask)
            .and_then(|ask| Ok((ask, in_minutes(target, &was_target)?, email_goal?)));
        let (ask, goal, email_goal) = match checked {
            Ok(checked) => checked,
            Err(why) => {
                status.set(Some((false, why.into())));
                return;
            }
        };
        site.save(
            status,
            |settings| {
                settings.ask_email_after_secs = ask;
                settings.reply_target_secs = goal;
                settings.email_reply_target_secs = email_goal;
            },
            move |stored| shown.set_value(shown_of(stored)),
        );
    };
    let field = move |label: &'static str,
                      name: &'static str,
                      value: RwSignal<String>,
                      (min, max): (u32, Option<u32>)| {
        view! {
            <label class="field">
                {label}
                <input
                    name=name
                    type="number"
                    min=min
                    max=max
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
            {field(strings::ask_email_after(), "ask_email_after_minutes", ask_email, (0, None))}
            {field(strings::reply_target(), "reply_target_minutes", target, (0, None))}
            {field(
                strings::email_reply_target(),
                "email_reply_target_hours",
                email_target,
                (1, Some(MAX_EMAIL_TARGET_SECS / 3600)),
            )}
            <div class="settings-actions">
                <button type="button" class="button button--primary save-waits" on:click=save>
                    {strings::save()}
                </button>
                {status_line(status)}
            </div>
        </section>
    }
}
