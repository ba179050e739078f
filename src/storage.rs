//! What the widget remembers in the browser: the visitor's token (localStorage, to come back
//! to the same conversation) and whether the panel was open (sessionStorage, to survive a
//! reload). Storage can be blocked or full (private modes, sandboxed frames, strict cookie
//! settings); then the widget simply forgets, so every error is ignored on purpose.

use web_sys::Storage;

fn token_key(site: &str) -> String {
    format!("pronto:{site}:token")
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
