//! The console's language: Spanish, English or Portuguese, chosen once at start-up and read
//! by `strings` whenever a view draws a word.
//!
//! The choice is the agent's saved one if any, else the browser's first language the console
//! speaks, else English. Changing it saves and reloads the page: strings are read as views
//! draw, so a reload is the one way every word on screen follows.

use std::cell::Cell;

/// Where the agent's choice is kept; only the browser build reads or writes it.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
const LANG_KEY: &str = "pronto-console-lang";

/// A language the console speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Es,
    En,
    Pt,
}

impl Lang {
    /// In the order the switch lists them.
    pub const ALL: [Lang; 3] = [Lang::Es, Lang::En, Lang::Pt];

    /// The BCP 47 tag, for `<html lang>` and storage.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Es => "es",
            Lang::En => "en",
            Lang::Pt => "pt",
        }
    }

    /// The language's name in itself, so a reader finds theirs whatever is showing now.
    pub fn own_name(self) -> &'static str {
        match self {
            Lang::Es => "Español",
            Lang::En => "English",
            Lang::Pt => "Português",
        }
    }

    /// The language of a tag such as `pt-BR` or `ES`, by its primary subtag.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default();
        match primary.to_ascii_lowercase().as_str() {
            "es" => Some(Lang::Es),
            "en" => Some(Lang::En),
            "pt" => Some(Lang::Pt),
            _ => None,
        }
    }
}

/// The language to start in: the saved choice if it names one, else the first of the
/// browser's languages the console speaks, else English.
pub fn choose<'a>(saved: Option<&str>, browser: impl IntoIterator<Item = &'a str>) -> Lang {
    saved
        .and_then(Lang::from_tag)
        .or_else(|| browser.into_iter().find_map(Lang::from_tag))
        .unwrap_or(Lang::En)
}

thread_local! {
    // The browser runs the console on one thread; natively each unit test has its own, so a
    // test that switches language does not change another's.
    static CURRENT: Cell<Lang> = const { Cell::new(Lang::En) };
}

/// The language every string is in now.
pub fn current() -> Lang {
    CURRENT.with(Cell::get)
}

/// Sets the language for this thread: at start-up, and in unit tests.
pub fn set_current(lang: Lang) {
    CURRENT.with(|current| current.set(lang));
}

/// Picks the language from storage and the browser, and tells the page (screen readers
/// pronounce by `<html lang>`). Call before the first view draws.
pub fn start() {
    let (saved, browser) = asked_of_the_browser();
    let lang = choose(saved.as_deref(), browser.iter().map(String::as_str));
    set_current(lang);
    tell_the_page(lang);
}

/// The saved choice, if storage has one, and the browser's languages, most wanted first.
#[cfg(target_arch = "wasm32")]
fn asked_of_the_browser() -> (Option<String>, Vec<String>) {
    let Some(window) = web_sys::window() else {
        return (None, Vec::new());
    };
    // Storage can be blocked (private modes); then the browser's languages decide.
    let saved = window
        .local_storage()
        .ok()
        .flatten()
        .and_then(|storage| storage.get_item(LANG_KEY).ok().flatten());
    let browser = window
        .navigator()
        .languages()
        .iter()
        .filter_map(|tag| tag.as_string())
        .collect();
    (saved, browser)
}

#[cfg(target_arch = "wasm32")]
fn tell_the_page(lang: Lang) {
    if let Some(root) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.document_element())
    {
        let _ = root.set_attribute("lang", lang.code());
    }
}

/// Unit tests run natively, where there is no browser to ask (and asking would panic).
#[cfg(not(target_arch = "wasm32"))]
fn asked_of_the_browser() -> (Option<String>, Vec<String>) {
    (None, Vec::new())
}

#[cfg(not(target_arch = "wasm32"))]
fn tell_the_page(_lang: Lang) {}

/// Saves the agent's choice and reloads, so the whole console redraws in it.
#[cfg(target_arch = "wasm32")]
pub fn switch_to(lang: Lang) {
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Ok(Some(storage)) = window.local_storage() {
        let _ = storage.set_item(LANG_KEY, lang.code());
    }
    let _ = window.location().reload();
}

/// Natively there is no page to reload: only the language changes.
#[cfg(not(target_arch = "wasm32"))]
pub fn switch_to(lang: Lang) {
    set_current(lang);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_browsers_first_known_language_wins() {
        assert_eq!(choose(None, ["pt-BR", "en-US"]), Lang::Pt);
        assert_eq!(choose(None, ["fr-FR", "es-CL", "en"]), Lang::Es);
        assert_eq!(choose(None, ["EN-gb", "es"]), Lang::En);
    }

    #[test]
    fn english_when_the_browser_speaks_nothing_known() {
        assert_eq!(choose(None, ["fr", "de-DE"]), Lang::En);
        assert_eq!(choose(None, []), Lang::En);
    }

    #[test]
    fn a_saved_choice_beats_the_browser() {
        assert_eq!(choose(Some("pt"), ["es-MX", "en"]), Lang::Pt);
        assert_eq!(choose(Some("en"), ["es"]), Lang::En);
        // A value this console did not write is ignored.
        assert_eq!(choose(Some("klingon"), ["es"]), Lang::Es);
    }

    #[test]
    fn codes_and_names_round_trip() {
        for lang in Lang::ALL {
            assert_eq!(Lang::from_tag(lang.code()), Some(lang));
        }
        assert_eq!(Lang::Pt.own_name(), "Português");
    }
}
