//! The language switch: Español, English, Português, each named in itself, in the header and
//! on the sign-in form.

use leptos::ev::Event;
use leptos::prelude::*;

use crate::lang::{self, Lang};
use crate::strings;

/// A labelled `<select>`; choosing saves the language and reloads the page in it.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let current = lang::current();
    let choose = move |ev: Event| {
        if let Some(chosen) = Lang::from_tag(&event_target_value(&ev))
            && chosen != current
        {
            lang::switch_to(chosen);
        }
    };
    view! {
        <label class="language-switch">
            // The select shows the language's own name, so the label can stay for screen
            // readers and keep the header narrow.
            <span class="visually-hidden">{strings::console_language()}</span>
            <select name="console-language" on:change=choose>
                {Lang::ALL
                    .into_iter()
                    .map(|option| {
                        view! {
                            <option value=option.code() lang=option.code() selected=option == current>
                                {option.own_name()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}
