//! Pronto's chat widget, the part a shop's visitors see: `mount` renders it into the shadow
//! root that the loader (`public/pronto.js`) creates on the storefront page.

mod components;
mod i18n;
mod outbox;
mod state;
mod storage;
mod transport;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use crate::components::{Opening, Widget};
use crate::i18n::Lang;
use crate::transport::Identity;

/// Renders the widget into `root` (a `div.pronto-root` inside the loader's shadow root) for
/// the shop `site`, talking to the Pronto server at the origin `server`. `lang` ("es", "en",
/// "pt") overrides the browser's preferred languages. `user_id` and `user_hash` are a shop
/// customer's id and its HMAC-SHA256 under the site's identity secret, when the shop's page
/// vouches for a signed-in customer; their conversations then follow them across devices.
/// `open` asks for the panel open from the start: `"visitor"` when the visitor pressed the
/// loader's placeholder launcher (focus moves into the panel), `"page"` for the script tag's
/// `data-open` (focus stays where the page has it).
#[wasm_bindgen]
pub fn mount(
    root: web_sys::HtmlElement,
    server: String,
    site: String,
    lang: Option<String>,
    user_id: Option<String>,
    user_hash: Option<String>,
    open: Option<String>,
) {
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
    leptos::mount::mount_to(
        root,
        move || view! { <Widget server site lang identity open /> },
    )
    .forget();
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
