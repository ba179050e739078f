//! Time as the console needs it: the browser's clock now, a server timestamp as the agent's
//! local wall-clock time, and running something later.

use wasm_bindgen::JsValue;

/// Milliseconds since the Unix epoch by the browser's clock (which may be off; see
/// `Console::clock_offset_ms`).
pub fn now_ms() -> i64 {
    #[cfg(target_arch = "wasm32")]
    return js_sys::Date::now() as i64;
    // Natively, where only unit tests run, the system's clock.
    #[cfg(not(target_arch = "wasm32"))]
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as i64)
}

/// A moment in the agent's time zone: the day (`YYYY-MM-DD`), hours, minutes, and the ISO
/// 8601 form for `datetime`.
pub struct LocalTime {
    pub day: String,
    pub hours: u32,
    pub minutes: u32,
    pub iso: String,
}

/// Converts a server timestamp to the agent's local time. The instant is absolute, so no
/// clock offset applies here: only the time zone changes.
pub fn local_time(ms: i64) -> LocalTime {
    let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    LocalTime {
        day: format!(
            "{:04}-{:02}-{:02}",
            date.get_full_year(),
            date.get_month() + 1,
            date.get_date()
        ),
        hours: date.get_hours(),
        minutes: date.get_minutes(),
        iso: date.to_iso_string().into(),
    }
}

/// Runs `later` after `ms` milliseconds. Only the browser has timers: natively, where only
/// unit tests run, nothing happens and the tests call what the timer would.
pub fn after(ms: u32, later: impl FnOnce() + 'static) {
    #[cfg(target_arch = "wasm32")]
    gloo_timers::callback::Timeout::new(ms, later).forget();
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (ms, later);
}
