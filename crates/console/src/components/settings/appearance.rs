//! The widget's look — accent colour, corner, language — with the script tag that carries it
//! to the shop's pages and a live preview: the real widget in an iframe, drawn again as the
//! owner chooses. The widget reads its look from the tag alone; the server keeps the owner's
//! choice so this page shows it again.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use pronto_protocol::agent::{SiteSettings, WIDGET_POSITIONS};
use pronto_protocol::answers::LANGUAGES;

use super::{Site, Status, status_line};
use crate::state::Console;
use crate::strings;

/// The widget's own accent (`--pronto-accent`'s default in `style/widget.css`): what the
/// colour picker shows while the owner keeps the default.
const DEFAULT_ACCENT: &str = "#155eef";

/// How long the choices must rest before the preview loads the widget again: dragging
/// across the colour picker would otherwise reload it many times a second.
const PREVIEW_SETTLES: Duration = Duration::from_millis(350);

/// The look as the owner edits it; empty `accent` and `lang` mean the widget's defaults.
#[derive(Clone, Copy)]
struct Look {
    accent: RwSignal<String>,
    position: RwSignal<String>,
    lang: RwSignal<String>,
}

impl Look {
    fn show(&self, settings: &SiteSettings) {
        let chosen = |field: &Option<Option<String>>| field.clone().flatten().unwrap_or_default();
        self.accent.set(chosen(&settings.widget_accent));
        self.lang.set(chosen(&settings.widget_lang));
        self.position.set(
            settings
                .widget_position
                .clone()
                .unwrap_or_else(|| WIDGET_POSITIONS[0].to_owned()),
        );
    }

    /// The script tag's attributes for this look (tracked), leaving out the defaults. A
    /// colour not yet written `#rrggbb` is left out too: the server will say what is wrong
    /// with it on saving, and nothing half-typed reaches the tag or the preview.
    fn attributes(&self) -> String {
        let mut attributes = String::new();
        let accent = self.accent.get();
        if is_colour(accent.trim()) {
            attributes.push_str(&format!(
                " data-accent=\"{}\"",
                accent.trim().to_ascii_lowercase()
            ));
        }
        let position = self.position.get();
        if position != WIDGET_POSITIONS[0] && WIDGET_POSITIONS.contains(&position.as_str()) {
            attributes.push_str(&format!(" data-position=\"{position}\""));
        }
        let lang = self.lang.get();
        if LANGUAGES.contains(&lang.as_str()) {
            attributes.push_str(&format!(" data-lang=\"{lang}\""));
        }
        attributes
    }
}

/// `#rrggbb`, in either case.
fn is_colour(text: &str) -> bool {
    text.strip_prefix('#')
        .is_some_and(|hex| hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[component]
pub fn Appearance(
    /// Where the settings are saved.
    site: Site,
    /// The settings as read when the page opened.
    read: SiteSettings,
) -> impl IntoView {
    let console = expect_context::<Console>();
    let site_id = console.agent.with_untracked(|agent| agent.site.clone());
    let server = window().location().origin().unwrap_or_default();
    let look = Look {
        accent: RwSignal::new(String::new()),
        position: RwSignal::new(String::new()),
        lang: RwSignal::new(String::new()),
    };
    look.show(&read);
    let status = Status::new(None);
    let save = move |_| {
        let (accent, position, lang) = (
            look.accent.get_untracked().trim().to_owned(),
            look.position.get_untracked(),
            look.lang.get_untracked(),
        );
        site.save(
            status,
            |settings| {
                settings.widget_accent = Some((!accent.is_empty()).then_some(accent));
                settings.widget_position = Some(position);
                settings.widget_lang = Some((!lang.is_empty()).then_some(lang));
            },
            move |stored| look.show(stored),
        );
    };

    let tag = {
        let (server, site_id) = (server.clone(), site_id.clone());
        move || {
            format!(
                "<script src=\"{server}/pronto.js\" data-site=\"{site_id}\"{} async></script>",
                look.attributes()
            )
        }
    };

    view! {
        <section class="settings-part appearance" aria-labelledby="appearance-title">
            <h3 id="appearance-title">{strings::appearance()}</h3>
            <div class="appearance-choices">
                <fieldset class="choices accent-choice">
                    <legend>{strings::accent()}</legend>
                    <label class="field-inline">
                        {strings::accent_picker()}
                        <input
                            type="color"
                            name="accent_picker"
                            prop:value=move || {
                                let accent = look.accent.get();
                                if is_colour(accent.trim()) {
                                    accent.trim().to_ascii_lowercase()
                                } else {
                                    DEFAULT_ACCENT.to_owned()
                                }
                            }
                            on:input=move |ev| look.accent.set(event_target_value(&ev))
                        />
                    </label>
                    <label class="field-inline">
                        {strings::accent_code()}
                        <input
                            name="accent"
                            class="accent-code"
                            size="9"
                            autocapitalize="off"
                            spellcheck="false"
                            placeholder=DEFAULT_ACCENT
                            prop:value=move || look.accent.get()
                            on:input=move |ev| look.accent.set(event_target_value(&ev))
                        />
                    </label>
                    <button
                        type="button"
                        class="button default-accent"
                        on:click=move |_| look.accent.set(String::new())
                    >
                        {strings::default_accent()}
                    </button>
                </fieldset>
                <fieldset class="choices position-choice">
                    <legend>{strings::position()}</legend>
                    {[(WIDGET_POSITIONS[0], strings::position_right()), (WIDGET_POSITIONS[1], strings::position_left())]
                        .map(|(value, label)| {
                            view! {
                                <label class="choice">
                                    <input
                                        type="radio"
                                        name="position"
                                        value=value
                                        prop:checked=move || look.position.get() == value
                                        on:change=move |_| look.position.set(value.to_owned())
                                    />
                                    {label}
                                </label>
                            }
                        })
                        .collect_view()}
                </fieldset>
                <label class="field">
                    {strings::widget_language()}
                    <select
                        name="widget_lang"
                        prop:value=move || look.lang.get()
                        on:change=move |ev| look.lang.set(event_target_value(&ev))
                    >
                        <option value="" prop:selected=move || look.lang.get().is_empty()>
                            {strings::follow_browser()}
                        </option>
                        {LANGUAGES
                            .map(|lang| {
                                view! {
                                    <option value=lang prop:selected=move || look.lang.get() == lang>
                                        {strings::language_name(lang)}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
            </div>
            <div class="settings-actions">
                <button type="button" class="button button--primary save-appearance" on:click=save>
                    {strings::save_appearance()}
                </button>
                {status_line(status)}
            </div>
            <ScriptTag tag=Signal::derive(tag) />
            <Preview look=look site=site server=server site_id=site_id />
        </section>
    }
}

/// The one line a shop pastes into its pages, with a button to copy it.
#[component]
fn ScriptTag(
    /// The tag as it reads with the current choices.
    tag: Signal<String>,
) -> impl IntoView {
    let status = Status::new(None);
    let copy = move |_| {
        let text = tag.get_untracked();
        status.set(None);
        spawn_local(async move {
            let copied = match copy_text(&text) {
                Ok(promise) => wasm_bindgen_futures::JsFuture::from(promise).await.is_ok(),
                Err(_) => false,
            };
            status.try_set(Some(if copied {
                (true, strings::copied().into())
            } else {
                (false, strings::not_copied().into())
            }));
        });
    };
    view! {
        <div class="script-tag">
            <h4 id="script-tag-title">{strings::script_tag()}</h4>
            <p class="settings-hint" id="script-tag-hint">{strings::script_tag_hint()}</p>
            <textarea
                class="script-tag-code"
                readonly
                rows="2"
                aria-labelledby="script-tag-title"
                aria-describedby="script-tag-hint"
                prop:value=move || tag.get()
            ></textarea>
            <div class="settings-actions">
                <button type="button" class="button copy-script-tag" on:click=copy>
                    {strings::copy()}
                </button>
                {status_line(status)}
            </div>
        </div>
    }
}

/// `navigator.clipboard.writeText(text)`, reached by name: web-sys's `Clipboard` feature would
/// also be switched on for the widget, which is built in the same cargo run, and make every
/// shopper's download bigger for a button only owners press.
fn copy_text(text: &str) -> Result<js_sys::Promise, wasm_bindgen::JsValue> {
    use wasm_bindgen::JsCast;
    let clipboard = js_sys::Reflect::get(&window().navigator(), &"clipboard".into())?;
    let write =
        js_sys::Reflect::get(&clipboard, &"writeText".into())?.dyn_into::<js_sys::Function>()?;
    write
        .call1(&clipboard, &text.into())?
        .dyn_into::<js_sys::Promise>()
}

/// The real widget, loaded by its own script tag into an iframe with the current choices,
/// open, with the shop's saved name and greeting.
///
/// The page is `srcdoc`, so it has the console's origin: the server's own pages may always
/// open a visitor socket, and the console's Content-Security-Policy (which the page inherits)
/// lets it load the widget's files from this server. To show the shop's name and greeting the
/// widget must hear the server's welcome, and an open panel only connects once a visitor has
/// had it open in this tab: the preview says so, as the widget itself would remember it
/// (`src/storage.rs`, sessionStorage, which same-origin frames share with the console). The
/// socket makes one visitor for this browser (its token is kept, so every preview after the
/// first is that same visitor again) and no conversation: the frame is inert, nobody can write
/// in it.
#[component]
fn Preview(
    /// The owner's choices, saved or not.
    look: Look,
    /// Saving the shop's name or greeting draws the preview again.
    site: Site,
    /// This server's origin, where the widget's files are.
    server: String,
    /// The shop's site id (`data-site`).
    site_id: String,
) -> impl IntoView {
    let page = RwSignal::new(String::new());
    // Only the latest change draws the preview; earlier ones found a newer one waiting.
    let latest = StoredValue::new(0_u32);
    let open_key = format!("pronto:{site_id}:open");
    let show = move |html: String| {
        if let Ok(Some(session)) = window().session_storage() {
            let _ = session.set_item(&open_key, "1");
        }
        page.set(html);
    };
    Effect::new(move |drawn_before: Option<()>| {
        site.0.track();
        let html = format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
             <body><script src=\"{server}/pronto.js\" data-site=\"{site_id}\"{} data-open async>\
             </script></body></html>",
            strings::preview_title(),
            look.attributes(),
        );
        let this = latest.get_value() + 1;
        latest.set_value(this);
        if drawn_before.is_none() {
            show.clone()(html);
        } else {
            let show = show.clone();
            set_timeout(
                move || {
                    if latest.try_get_value() == Some(this) {
                        show(html);
                    }
                },
                PREVIEW_SETTLES,
            );
        }
    });
    view! {
        <div class="widget-preview">
            <h4 id="preview-title">{strings::preview()}</h4>
            <p class="settings-hint">{strings::preview_hint()}</p>
            <iframe
                class="widget-preview-frame"
                title=strings::preview_title()
                inert
                srcdoc=move || page.get()
            ></iframe>
        </div>
    }
}
