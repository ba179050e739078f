//! The owner's settings page: the quick answers the widget offers as visitors type (in each
//! language the shop serves), how long a visitor waits before the widget offers e-mail, the
//! first-reply target the dashboard measures, and the script tag to paste into the shop.

use leptos::prelude::*;
use leptos::task::spawn_local;
use pronto_protocol::agent::SiteSettings;
use pronto_protocol::answers::{LANGUAGES, QuickAnswer};

use crate::api;
use crate::state::Console;
use crate::strings;

/// One quick answer being edited; `key` tells rows apart while the list changes.
#[derive(Clone, Copy)]
struct Row {
    key: u32,
    id: Option<u32>,
    lang: RwSignal<String>,
    question: RwSignal<String>,
    answer: RwSignal<String>,
    keywords: RwSignal<String>,
}

impl Row {
    fn new(key: u32, answer: QuickAnswer) -> Self {
        Self {
            key,
            id: answer.id,
            lang: RwSignal::new(answer.lang),
            question: RwSignal::new(answer.question),
            answer: RwSignal::new(answer.answer),
            keywords: RwSignal::new(answer.keywords),
        }
    }

    fn answer(&self) -> QuickAnswer {
        QuickAnswer {
            id: self.id,
            lang: self.lang.get_untracked(),
            question: self.question.get_untracked(),
            answer: self.answer.get_untracked(),
            keywords: self.keywords.get_untracked(),
        }
    }
}

#[component]
pub fn SettingsView() -> impl IntoView {
    view! {
        <section class="settings" aria-labelledby="settings-title">
            <h2 id="settings-title">{strings::SETTINGS}</h2>
            <QuickAnswers />
            <Waits />
            <ScriptTag />
        </section>
    }
}

#[component]
fn QuickAnswers() -> impl IntoView {
    let rows = RwSignal::new(Vec::<Row>::new());
    let next_key = StoredValue::new(0_u32);
    let status = RwSignal::new(None::<(bool, String)>);
    let new_row = move |answer: QuickAnswer| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        Row::new(key, answer)
    };
    let load = move |answers: Vec<QuickAnswer>| {
        rows.set(answers.into_iter().map(new_row).collect());
    };
    spawn_local(async move {
        match api::quick_answers().await {
            Ok(answers) => load(answers),
            Err(error) => status.set(Some((false, strings::api_error_text(&error)))),
        }
    });
    let add = move |_| {
        rows.update(|rows| {
            rows.push(new_row(QuickAnswer {
                id: None,
                lang: LANGUAGES[0].into(),
                question: String::new(),
                answer: String::new(),
                keywords: String::new(),
            }))
        });
    };
    let save = move |_| {
        let answers: Vec<QuickAnswer> =
            rows.with_untracked(|rows| rows.iter().map(Row::answer).collect());
        status.set(None);
        spawn_local(async move {
            show_outcome(status, api::set_quick_answers(&answers).await.map(load));
        });
    };

    view! {
        <section class="settings-part quick-answers" aria-labelledby="quick-answers-title">
            <h3 id="quick-answers-title">{strings::QUICK_ANSWERS}</h3>
            <p class="settings-hint">{strings::QUICK_ANSWERS_HINT}</p>
            <ol class="quick-answer-list">
                <For each=move || rows.get() key=|row| row.key let:row>
                    <li class="quick-answer">
                        <div class="quick-answer-head">
                            <label class="field-inline">
                                {strings::LANGUAGE}
                                <select
                                    name="lang"
                                    on:change=move |ev| row.lang.set(event_target_value(&ev))
                                    prop:value=move || row.lang.get()
                                >
                                    {LANGUAGES
                                        .map(|lang| view! { <option value=lang>{strings::language_name(lang)}</option> })
                                        .collect_view()}
                                </select>
                            </label>
                            <button
                                type="button"
                                class="button button--danger"
                                on:click=move |_| rows.update(|rows| rows.retain(|r| r.key != row.key))
                            >
                                {strings::REMOVE}
                            </button>
                        </div>
                        <label class="field">
                            {strings::QUESTION}
                            <input
                                name="question"
                                prop:value=move || row.question.get()
                                on:input=move |ev| row.question.set(event_target_value(&ev))
                            />
                        </label>
                        <label class="field">
                            {strings::ANSWER}
                            <textarea
                                name="answer"
                                rows="3"
                                prop:value=move || row.answer.get()
                                on:input=move |ev| row.answer.set(event_target_value(&ev))
                            ></textarea>
                        </label>
                        <label class="field">
                            {strings::KEYWORDS}
                            <input
                                name="keywords"
                                prop:value=move || row.keywords.get()
                                on:input=move |ev| row.keywords.set(event_target_value(&ev))
                            />
                        </label>
                    </li>
                </For>
            </ol>
            <div class="settings-actions">
                <button type="button" class="button add-quick-answer" on:click=add>
                    {strings::ADD_QUICK_ANSWER}
                </button>
                <button type="button" class="button button--primary save-quick-answers" on:click=save>
                    {strings::SAVE_QUICK_ANSWERS}
                </button>
                {status_line(status)}
            </div>
        </section>
    }
}

/// How long before the widget offers e-mail, and the first-reply target, in minutes.
#[component]
fn Waits() -> impl IntoView {
    let settings = RwSignal::new(None::<SiteSettings>);
    let status = RwSignal::new(None::<(bool, String)>);
    let ask_email = RwSignal::new(String::new());
    let target = RwSignal::new(String::new());
    let minutes = |secs: Option<u32>| secs.map(|s| (s / 60).to_string()).unwrap_or_default();
    spawn_local(async move {
        match api::site_settings().await {
            Ok(read) => {
                ask_email.set(minutes(read.ask_email_after_secs));
                target.set(minutes(read.reply_target_secs));
                settings.set(Some(read));
            }
            Err(error) => status.set(Some((false, strings::api_error_text(&error)))),
        }
    });
    let save = move |_| {
        let Some(mut changed) = settings.get_untracked() else {
            return;
        };
        let secs = |field: RwSignal<String>| {
            field
                .get_untracked()
                .trim()
                .parse::<u32>()
                .ok()
                .map(|m| m.saturating_mul(60))
        };
        let (Some(ask), Some(goal)) = (secs(ask_email), secs(target)) else {
            status.set(Some((false, strings::WHOLE_MINUTES.into())));
            return;
        };
        changed.ask_email_after_secs = Some(ask);
        changed.reply_target_secs = Some(goal);
        // Hours are kept as they are: this page does not edit them.
        changed.hours = None;
        status.set(None);
        spawn_local(async move {
            let saved = api::set_site_settings(&changed).await.map(|saved| {
                settings.try_set(Some(saved));
            });
            show_outcome(status, saved);
        });
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
            <h3 id="waits-title">{strings::WAITS}</h3>
            {field(strings::ASK_EMAIL_AFTER, "ask_email_after_minutes", ask_email)}
            {field(strings::REPLY_TARGET, "reply_target_minutes", target)}
            <div class="settings-actions">
                <button type="button" class="button button--primary save-waits" on:click=save>
                    {strings::SAVE}
                </button>
                {status_line(status)}
            </div>
        </section>
    }
}

/// The one line a shop pastes into its pages.
#[component]
fn ScriptTag() -> impl IntoView {
    let console = expect_context::<Console>();
    let site = console.agent.with_untracked(|agent| agent.site.clone());
    let origin = window().location().origin().unwrap_or_default();
    let tag = format!("<script src=\"{origin}/pronto.js\" data-site=\"{site}\" async></script>");
    view! {
        <section class="settings-part script-tag" aria-labelledby="script-tag-title">
            <h3 id="script-tag-title">{strings::SCRIPT_TAG}</h3>
            <p class="settings-hint">{strings::SCRIPT_TAG_HINT}</p>
            <textarea class="script-tag-code" readonly rows="2" aria-labelledby="script-tag-title">
                {tag}
            </textarea>
        </section>
    }
}

/// Says how a save went: "Saved.", or the server's words.
fn show_outcome(status: RwSignal<Option<(bool, String)>>, outcome: Result<(), api::ApiError>) {
    status.try_set(Some(match outcome {
        Ok(()) => (true, strings::SAVED.into()),
        Err(error) => (false, strings::api_error_text(&error)),
    }));
}

fn status_line(status: RwSignal<Option<(bool, String)>>) -> impl IntoView {
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
