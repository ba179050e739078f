//! The shop as the widget introduces it — its name and greeting — and the storefront
//! addresses allowed to show the chat.

use leptos::prelude::*;
use pronto_protocol::agent::SiteSettings;

use super::{Site, Status, lines, status_line};
use crate::strings;

#[component]
pub fn Shop(
    /// Where the settings are saved.
    site: Site,
    /// The settings as read when the page opened.
    read: SiteSettings,
) -> impl IntoView {
    let status = Status::new(None);
    let name = RwSignal::new(read.name);
    let greeting = RwSignal::new(read.greeting);
    let origins = RwSignal::new(read.allowed_origins.join("\n"));
    let save = move |_| {
        site.save(
            status,
            |settings| {
                settings.name = Some(name.get_untracked());
                settings.greeting = Some(greeting.get_untracked());
                settings.allowed_origins = Some(lines(&origins.get_untracked()));
            },
            // What the server kept (trimmed), so the fields show what visitors will see.
            move |stored| {
                name.set(stored.name.clone());
                greeting.set(stored.greeting.clone());
                origins.set(stored.allowed_origins.join("\n"));
            },
        );
    };
    view! {
        <section class="settings-part shop" aria-labelledby="shop-title">
            <h3 id="shop-title">{strings::shop()}</h3>
            <label class="field">
                {strings::shop_name()}
                <input
                    name="shop_name"
                    autocomplete="organization"
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))
                />
            </label>
            <label class="field">
                {strings::greeting()}
                <textarea
                    name="greeting"
                    rows="2"
                    prop:value=move || greeting.get()
                    on:input=move |ev| greeting.set(event_target_value(&ev))
                ></textarea>
            </label>
            <label class="field">
                {strings::allowed_origins()}
                <textarea
                    name="allowed_origins"
                    class="code-field"
                    rows="3"
                    spellcheck="false"
                    autocapitalize="off"
                    aria-describedby="origins-hint"
                    prop:value=move || origins.get()
                    on:input=move |ev| origins.set(event_target_value(&ev))
                ></textarea>
            </label>
            <p class="settings-hint" id="origins-hint">{strings::allowed_origins_hint()}</p>
            <div class="settings-actions">
                <button type="button" class="button button--primary save-shop" on:click=save>
                    {strings::save()}
                </button>
                {status_line(status)}
            </div>
        </section>
    }
}
