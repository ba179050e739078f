//! Pronto's chat widget, the part a shop's visitors see: `mount` renders it into the shadow
//! root that the loader (`public/pronto.js`) creates on the storefront page.

mod api;
mod asks;
mod components;
mod i18n;
mod outbox;
mod state;
mod storage;
mod transport;

use wasm_bindgen::prelude::*;

use std::cell::Cell;
use std::rc::Rc;

use crate::api::{Events, Handle};
use crate::components::{Opening, Setup, widget};
use crate::i18n::Lang;
use crate::transport::Identity;

/// Renders the widget into `root` (a `div.pronto-root` inside the loader's shadow root).
/// `options` is an object of strings, each but the first two optional:
/// - `server`: the Pronto server's origin; `site`: the shop's site id (`data-site`);
/// - `lang` ("es", "en", "pt"): overrides the browser's preferred languages;
/// - `page`: the storefront page's address, URI-encoded, which the shop's agents see;
/// - `user_id` and `user_hash`: a shop customer's id and its HMAC-SHA256 under the site's
///   identity secret, when the shop's page vouches for a signed-in customer; their
///   conversations then follow them across devices;
/// - `open`: the panel starts open, `"visitor"` when the visitor pressed the loader's
///   placeholder launcher (focus moves into the panel), `"page"` for the script tag's
///   `data-open` (focus stays where the page has it).
///
/// `emit(name, detail)` tells the page about what happens (see `api::Events`); the returned
/// handle takes the page's commands.
#[wasm_bindgen]
pub fn mount(root: web_sys::HtmlElement, options: JsValue, emit: js_sys::Function) -> Handle {
    let option = |name: &str| {
        js_sys::Reflect::get(&options, &JsValue::from_str(name))
            .ok()
            .and_then(|value| value.as_string())
    };
    let (server, site, page) = (
        option("server").unwrap_or_default(),
        option("site").unwrap_or_default(),
        option("page").unwrap_or_default(),
    );
    let (lang, user_id, user_hash, open) = (
        option("lang"),
        option("user_id"),
        option("user_hash"),
        option("open"),
    );
    let identity = match (user_id, user_hash) {
        (Some(user_id), Some(signature)) if !user_id.is_empty() => {
            Some(Identity { user_id, signature })
        }
        _ => None,
    };
    let lang = Lang::pick(lang.as_deref(), &browser_languages());
    // So screen readers pronounce the widget in its language whatever the page's is.
    let _ = root.set_attribute("lang", lang.code());
    let open = match open.as_deref() {
        Some("visitor") => Opening::ByVisitor,
        Some("page") => Opening::ByPage,
        _ => Opening::Closed,
    };
    let events = Events::new(emit);
    let mounted = Rc::new(Cell::new(None));
    let on_mount = {
        let mounted = Rc::clone(&mounted);
        move |chat, controls| mounted.set(Some((chat, controls)))
    };
    leptos::mount::mount_to(root.clone(), move || {
        let setup = Setup {
            server,
            site,
            page,
            lang,
            identity,
            open,
            events,
        };
        widget(setup, on_mount)
    })
    .forget();
    // Mounting renders the widget synchronously, so it has handed over its controls by now.
    let (chat, controls) = mounted.take().expect("the widget mounted");
    Handle::new(chat, controls, root)
}

/// `navigator.languages`, most preferred first.
fn browser_languages() -> Vec<String> {
    let Some(navigator) = web_sys::window().map(|window| window.navigator()) else {
        return Vec::new();
    };
    let mut languages: Vec<String> = navigator
        .languages()
        .iter()
        .filter_map(|tag| tag.as_string())
        .collect();
    if languages.is_empty() {
        languages.extend(navigator.language());
    }
    languages
}
