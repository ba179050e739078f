//! The quick answers the widget offers as visitors type, in each language the shop serves.

use leptos::prelude::*;
use leptos::task::spawn_local;
use pronto_protocol::answers::{LANGUAGES, QuickAnswer};

use super::{Status, show_outcome, status_line};
use crate::api;
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
pub fn QuickAnswers() -> impl IntoView {
    let rows = RwSignal::new(Vec::<Row>::new());
    let next_key = StoredValue::new(0_u32);
    let status = Status::new(None);
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
            <h3 id="quick-answers-title">{strings::quick_answers()}</h3>
            <p class="settings-hint">{strings::quick_answers_hint()}</p>
            <ol class="quick-answer-list">
                <For each=move || rows.get() key=|row| row.key let:row>
                    <li class="quick-answer">
                        <div class="quick-answer-head">
                            <label class="field-inline">
                                {strings::language()}
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
                                {strings::remove()}
                            </button>
                        </div>
                        <label class="field">
                            {strings::question()}
                            <input
                                name="question"
                                prop:value=move || row.question.get()
                                on:input=move |ev| row.question.set(event_target_value(&ev))
                            />
                        </label>
                        <label class="field">
                            {strings::answer()}
                            <textarea
                                name="answer"
                                rows="3"
                                prop:value=move || row.answer.get()
                                on:input=move |ev| row.answer.set(event_target_value(&ev))
                            ></textarea>
                        </label>
                        <label class="field">
                            {strings::keywords()}
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
                    {strings::add_quick_answer()}
                </button>
                <button type="button" class="button button--primary save-quick-answers" on:click=save>
                    {strings::save_quick_answers()}
                </button>
                {status_line(status)}
            </div>
        </section>
    }
}
