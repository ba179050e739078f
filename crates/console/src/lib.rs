//! The agents' web console: sign in, watch the shop's queue, take visitors and chat with them.
//!
//! `api` holds the HTTP calls, `transport` the WebSocket, `state` what the server told us,
//! `canned` the `/shortcut` replies, `outbox` the replies it has not stored yet (kept across
//! reloads by `storage`), `alerts` the notifications and tones, `components` the view, `lang` the
//! language chosen at start-up, and `strings` every word a person reads in it.

mod alerts;
mod api;
mod canned;
mod clock;
mod components;
mod lang;
mod outbox;
mod state;
mod storage;
mod strings;
mod transport;

use wasm_bindgen::prelude::wasm_bindgen;

/// Runs when the page loads the module: the console takes over the page's body.
#[wasm_bindgen(start)]
pub fn start() {
    // Before the first view draws: every string is read in the language picked here.
    lang::start();
    leptos::mount::mount_to_body(components::App);
}
