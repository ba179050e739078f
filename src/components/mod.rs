//! The widget's components, one per file, and `Controls`: the few things the visitor can do
//! that reach beyond the screen (storage, the socket, moving focus).

mod cards;
mod composer;
mod launcher;
mod message_list;
mod panel;
mod queue_status;
mod widget;

pub use widget::{Setup, widget};

use leptos::html;
use leptos::prelude::*;
use pronto_protocol::ids::ClientMessageId;
use pronto_protocol::visitor::VisitorToServer;

use crate::i18n::Lang;
use crate::state::{Chat, Presence};
use crate::storage;
use crate::transport::{Identity, Transport};
use wasm_bindgen::{JsCast, JsValue};

/// Ids inside the shadow root; only one widget lives in it, so they cannot clash.
const PANEL_ID: &str = "pronto-panel";
const TITLE_ID: &str = "pronto-title";
const UNREAD_ID: &str = "pronto-unread";

/// How the panel starts when the widget mounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opening {
    Closed,
    /// The visitor pressed the launcher while the widget loaded: open, focus in the panel.
    ByVisitor,
    /// The page asked (`data-open`): open, and leave focus where the page has it.
    ByPage,
}

/// What the visitor's clicks and key presses do. Cheap to copy into every handler.
#[derive(Clone, Copy)]
pub struct Controls {
    chat: Chat,
    site: &'static str,
    /// `None` when the site id is invalid: there is nothing to connect to.
    transport: StoredValue<Option<Transport>, LocalStorage>,
    /// Focus returns here when the panel closes.
    pub launcher: NodeRef<html::Button>,
    /// Focus goes here when the panel opens.
    pub input: NodeRef<html::Textarea>,
    /// …or here, when the conversation has ended and there is no input.
    pub new_conversation: NodeRef<html::Button>,
}

impl Controls {
    /// The site's id lives as long as the page (the widget is never unmounted): leaked rather
    /// than kept in reactive storage, where each type stored is code every shopper downloads.
    pub fn new(chat: Chat, site: String, transport: Option<Transport>) -> Self {
        Self {
            chat,
            site: Box::leak(site.into_boxed_str()),
            transport: StoredValue::new_local(transport),
            launcher: NodeRef::new(),
            input: NodeRef::new(),
            new_conversation: NodeRef::new(),
        }
    }

    /// Opens the panel because the visitor asked to.
    pub fn open(&self) {
        self.show_panel();
        storage::save_open(self.site, true);
        let (input, new_conversation) = (self.input, self.new_conversation);
        // After the panel has rendered; the frame callback runs after Leptos's updates.
        request_animation_frame(move || {
            if let Some(input) = input.get_untracked() {
                let _ = input.focus();
            } else if let Some(button) = new_conversation.get_untracked() {
                let _ = button.focus();
            }
        });
    }

    /// Opens the panel because the page asked (`data-open`): focus stays with the page, and
    /// nothing connects (or is stored) until the visitor writes.
    pub fn open_for_page(&self) {
        self.chat.set_open(true);
    }

    /// Reopens the panel after a reload, without taking focus from the page.
    pub fn restore_open(&self) {
        self.show_panel();
    }

    /// Closes the panel; if focus was in the widget, it goes back to the launcher (a page
    /// closing the chat by script must not take focus from wherever the visitor is).
    pub fn close(&self) {
        let launcher = self.launcher;
        let focus_inside = launcher.get_untracked().is_some_and(|launcher| {
            launcher
                .get_root_node()
                .dyn_into::<web_sys::ShadowRoot>()
                .is_ok_and(|shadow| shadow.active_element().is_some())
        });
        self.chat.set_open(false);
        storage::save_open(self.site, false);
        if focus_inside {
            request_animation_frame(move || {
                if let Some(launcher) = launcher.get_untracked() {
                    let _ = launcher.focus();
                }
            });
        }
    }

    /// The page vouches for its signed-in customer (`Pronto('identify', …)`).
    pub fn identify(&self, identity: Identity) {
        self.with_transport(|transport| transport.identify(identity));
    }

    /// The page says who the visitor is (`Pronto('identify', {name, email})`), checked already.
    pub fn profile(&self, name: Option<String>, email: Option<String>) {
        self.with_transport(|transport| transport.profile(name, email));
    }

    /// Tells the server something once (a rating, whether a quick answer helped), connecting
    /// first if need be.
    pub fn tell(&self, frame: VisitorToServer) {
        self.connect();
        self.with_transport(|transport| transport.tell(frame));
    }

    pub fn toggle(&self) {
        if self.chat.with_untracked(|screen| screen.open) {
            self.close();
        } else {
            self.open();
        }
    }

    /// Starts the connection (once; later calls do nothing).
    pub fn connect(&self) {
        self.with_transport(|transport| transport.start());
    }

    /// The visitor typed in the composer; the agent hears of it now and then.
    pub fn typing(&self, has_text: bool) {
        self.with_transport(|transport| transport.typing(has_text));
    }

    /// Sends a message the visitor wrote, already validated.
    pub fn send(&self, text: String) {
        // A panel the page opened has not connected yet.
        self.connect();
        self.with_transport(|transport| transport.send(text));
    }

    /// Sends a message the server refused again, and gives focus back to the composer (the
    /// button that had it goes away).
    pub fn retry(&self, id: &ClientMessageId) {
        self.with_transport(|transport| transport.retry(id));
        self.focus_input();
    }

    /// Deletes a message the server refused.
    pub fn discard(&self, id: &ClientMessageId) {
        self.with_transport(|transport| transport.discard(id));
        self.focus_input();
    }

    /// Puts an ended conversation away and lets the visitor type the first message of a new one.
    pub fn start_new(&self) {
        self.chat.start_new();
        self.focus_input();
    }

    /// Runs `use_it` on the transport; there is none when the site id is invalid.
    fn with_transport(&self, use_it: impl FnOnce(&Transport)) {
        self.transport.with_value(|transport| {
            if let Some(transport) = transport {
                use_it(transport);
            }
        });
    }

    /// Moves focus to the composer once it has rendered (if it is there).
    fn focus_input(&self) {
        let input = self.input;
        request_animation_frame(move || {
            if let Some(input) = input.get_untracked() {
                let _ = input.focus();
            }
        });
    }

    fn show_panel(&self) {
        self.chat.set_open(true);
        self.connect();
    }
}

/// `Intl.DateTimeFormat` options: the time ("4:58 PM", "16:58")…
pub const TIME: &[(&str, &str)] = &[("hour", "numeric"), ("minute", "2-digit")];
/// …the day and the time ("Nov 26, 4:58 PM", "26 nov, 16:58")…
pub const DAY_AND_TIME: &[(&str, &str)] = &[
    ("hour", "numeric"),
    ("minute", "2-digit"),
    ("month", "short"),
    ("day", "numeric"),
];
/// …the day of the week ("Monday", "lunes").
const WEEKDAY: &[(&str, &str)] = &[("weekday", "long")];

/// The browser's formatter of dates with the given `fields`, in the visitor's language and
/// time zone. Making one costs the browser far more than using it: a list of a thousand
/// messages makes one and writes every time with it.
pub fn clock(lang: Lang, fields: &[(&str, &str)]) -> js_sys::Intl::DateTimeFormat {
    let options = js_sys::Object::new();
    for (key, value) in fields {
        let _ = js_sys::Reflect::set(&options, &(*key).into(), &(*value).into());
    }
    let locales = js_sys::Array::of1(&JsValue::from_str(lang.code()));
    js_sys::Intl::DateTimeFormat::new(&locales, &options)
}

/// `date` as `clock` writes it.
pub fn clock_words(clock: &js_sys::Intl::DateTimeFormat, date: &js_sys::Date) -> String {
    clock
        .format()
        .call1(&JsValue::NULL, date)
        .ok()
        .and_then(|words| words.as_string())
        .unwrap_or_default()
}

/// The line under the greeting: is anyone there, how soon do they answer, when does the shop
/// open.
pub fn availability_line(presence: Presence, lang: Lang) -> String {
    let opens = match presence {
        Presence::Closed { at_ms } => opening_words(at_ms, lang),
        _ => Default::default(),
    };
    lang.availability(presence, opens)
}

/// When the shop opens at `at_ms`, in the visitor's clock ("at 9:00 AM", "on Monday at 9:00
/// AM") and how far off that is ("in 3 hours", "in 2 days"), worded by the browser.
fn opening_words(at_ms: i64, lang: Lang) -> (String, String) {
    // Milliseconds since 1970 fit an f64 exactly for the next quarter million years.
    let at = js_sys::Date::new(&JsValue::from_f64(at_ms as f64));
    let now = js_sys::Date::new_0();
    let time = clock_words(&clock(lang, TIME), &at);
    let weekday = (at.to_date_string() != now.to_date_string())
        .then(|| clock_words(&clock(lang, WEEKDAY), &at));
    let minutes = ((at_ms as f64 - now.get_time()) / 60_000.0).max(1.0);
    let (count, unit) = if minutes < 90.0 {
        (minutes, "minute")
    } else if minutes < 36.0 * 60.0 {
        (minutes / 60.0, "hour")
    } else {
        (minutes / 1440.0, "day")
    };
    let locales = js_sys::Array::of1(&JsValue::from_str(lang.code()));
    let relative = js_sys::Intl::RelativeTimeFormat::new(&locales, &js_sys::Object::new())
        .format(count.round(), unit);
    (lang.opens_at(weekday.as_deref(), &time), relative.into())
}
