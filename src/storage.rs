//! What the widget remembers in the browser: the visitor's token (localStorage, to come back
//! to the same conversation), the messages not yet stored by the server (localStorage, so a
//! reload or a closed tab loses none) and whether the panel was open (sessionStorage, to
//! survive a reload). Storage can be blocked or full (private modes, sandboxed frames, strict
//! cookie settings); then the widget simply forgets, so errors are ignored on purpose.

use web_sys::Storage;

fn token_key(site: &str) -> String {
    format!("pronto:{site}:token")
}

fn outbox_key(site: &str) -> String {
    format!("pronto:{site}:outbox")
}

fn open_key(site: &str) -> String {
    format!("pronto:{site}:open")
}

fn local() -> Option<Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn session() -> Option<Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// The token the server gave this browser for `site`, if it was saved.
pub fn token(site: &str) -> Option<String> {
    local()?
        .get_item(&token_key(site))
        .ok()
        .flatten()
        .filter(|token| !token.is_empty())
}

/// Remembers the visitor's token across visits.
pub fn save_token(site: &str, token: &str) {
    if let Some(storage) = local() {
        let _ = storage.set_item(&token_key(site), token);
    }
}

/// Whether localStorage can be used at all; if not, the outbox lives in memory only.
pub fn can_persist() -> bool {
    local().is_some()
}

/// The saved outbox (JSON), if there is one.
pub fn outbox(site: &str) -> Option<String> {
    local()?.get_item(&outbox_key(site)).ok().flatten()
}

/// Saves the outbox (JSON), or removes the key when `json` is `None` (nothing left to send,
/// and nothing left behind). Returns whether it worked: a full storage must be noticed, or
/// every later change would start from the stale copy.
pub fn save_outbox(site: &str, json: Option<&str>) -> bool {
    let Some(storage) = local() else {
        return false;
    };
    let key = outbox_key(site);
    match json {
        Some(json) => storage.set_item(&key, json).is_ok(),
        None => storage.remove_item(&key).is_ok(),
    }
}

/// Whether the visitor left the panel open earlier in this tab's session.
pub fn was_open(site: &str) -> bool {
    session()
        .and_then(|storage| storage.get_item(&open_key(site)).ok().flatten())
        .is_some_and(|value| value == "1")
}

/// Remembers that the visitor opened or closed the panel.
pub fn save_open(site: &str, open: bool) {
    if let Some(storage) = session() {
        let key = open_key(site);
        let _ = if open {
            storage.set_item(&key, "1")
        } else {
            storage.remove_item(&key)
        };
    }
}
