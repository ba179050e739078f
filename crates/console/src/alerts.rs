//! Telling the agent that something happened while they look elsewhere: a desktop
//! notification (with the browser's permission, while the console's tab is hidden) and a
//! short tone. The agent turns alerts on and off; the choice is kept in this browser.

use crate::storage;

/// Whether the agent wants alerts and the browser allows notifications.
pub fn allowed() -> bool {
    storage::alerts_on() && permission() == "granted"
}

/// Asks the browser for permission to notify (a prompt the first time); true if granted.
pub async fn ask() -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        let Ok(asking) = web_sys::Notification::request_permission() else {
            return false;
        };
        let answer = wasm_bindgen_futures::JsFuture::from(asking).await;
        answer.ok().and_then(|a| a.as_string()).as_deref() == Some("granted")
    }
    #[cfg(not(target_arch = "wasm32"))]
    false
}

/// "granted", "denied" or "default" (not asked yet); "denied" where there are none.
pub fn permission() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let exists =
            js_sys::Reflect::has(&js_sys::global(), &"Notification".into()).unwrap_or(false);
        if exists {
            return match web_sys::Notification::permission() {
                web_sys::NotificationPermission::Granted => "granted",
                web_sys::NotificationPermission::Default => "default",
                _ => "denied",
            }
            .to_owned();
        }
    }
    "denied".to_owned()
}

/// Alerts the agent, if they want it: a tone always, a notification when the tab is hidden.
/// `tag` groups notifications, so a burst of messages in one conversation shows as one.
pub fn alert(title: &str, body: &str, tag: &str) {
    if !allowed() {
        return;
    }
    #[cfg(target_arch = "wasm32")]
    {
        tone();
        if leptos::prelude::document().hidden() {
            let options = web_sys::NotificationOptions::new();
            options.set_body(body);
            options.set_tag(tag);
            let _ = web_sys::Notification::new_with_options(title, &options);
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (title, body, tag);
}

/// A soft two-note chime, made by the browser (no sound file to fetch).
#[cfg(target_arch = "wasm32")]
fn tone() {
    let Ok(audio) = web_sys::AudioContext::new() else {
        return;
    };
    let now = audio.current_time();
    for (at, pitch) in [(0.0, 880.0), (0.12, 1320.0)] {
        let (Ok(oscillator), Ok(gain)) = (audio.create_oscillator(), audio.create_gain()) else {
            return;
        };
        oscillator.frequency().set_value(pitch);
        gain.gain().set_value(0.08);
        let _ = gain
            .gain()
            .exponential_ramp_to_value_at_time(0.001, now + at + 0.25);
        let _ = oscillator.connect_with_audio_node(&gain);
        let _ = gain.connect_with_audio_node(&audio.destination());
        let _ = oscillator.start_with_when(now + at);
        let _ = oscillator.stop_with_when(now + at + 0.25);
    }
}
