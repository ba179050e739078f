//! What the console keeps in the browser: the outbox, so replies written while offline
//! survive a reload, and whether the agent wants alerts. Storage can be blocked or full (private modes, strict settings); then the
//! console keeps the outbox in memory only, so every error is ignored on purpose.

use pronto_protocol::ids::AgentId;
use web_sys::Storage;

use crate::outbox::Outbox;

const OUTBOX_KEY: &str = "pronto-console:outbox";
const ALERTS_KEY: &str = "pronto-console:alerts";

#[cfg(target_arch = "wasm32")]
fn local() -> Option<Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Unit tests run natively, where there is no browser to ask (and asking would panic).
#[cfg(not(target_arch = "wasm32"))]
fn local() -> Option<Storage> {
    None
}

/// The agent's unsent replies from an earlier visit, if any.
pub fn load_outbox(agent: AgentId) -> Outbox {
    local()
        .and_then(|storage| storage.get_item(OUTBOX_KEY).ok().flatten())
        .map(|json| Outbox::restore(&json, agent))
        .unwrap_or_default()
}

/// Writes the agent's outbox, keeping what other agents left on this browser.
pub fn save_outbox(agent: AgentId, outbox: &Outbox) {
    let Some(storage) = local() else {
        return;
    };
    let existing = storage.get_item(OUTBOX_KEY).ok().flatten();
    let _ = match outbox.persist(existing.as_deref(), agent) {
        Some(json) => storage.set_item(OUTBOX_KEY, &json),
        None => storage.remove_item(OUTBOX_KEY),
    };
}

/// Whether the agent turned alerts on in this browser.
pub fn alerts_on() -> bool {
    local()
        .and_then(|storage| storage.get_item(ALERTS_KEY).ok().flatten())
        .is_some_and(|value| value == "on")
}

pub fn set_alerts(on: bool) {
    if let Some(storage) = local() {
        let _ = storage.set_item(ALERTS_KEY, if on { "on" } else { "off" });
    }
}
