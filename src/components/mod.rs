//! The widget's components, one per file, and `Controls`: the few things the visitor can do
//! that reach beyond the screen (storage, the socket, moving focus).

mod composer;
mod launcher;
mod message_list;
mod panel;
mod queue_status;
mod widget;

pub use widget::Widget;

use leptos::html;
use leptos::prelude::*;
use pronto_protocol::ids::ClientMessageId;

use crate::state::Chat;
use crate::storage;
use crate::transport::{Identity, Transport};
use wasm_bindgen::JsCast;

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
    site: StoredValue<String>,
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
    pub fn new(chat: Chat, site: String, transport: Option<Transport>) -> Self {
        Self {
            chat,
            site: StoredValue::new(site),
            transport: StoredValue::new_local(transport),
            launcher: NodeRef::new(),
            input: NodeRef::new(),
            new_conversation: NodeRef::new(),
        }
    }

    /// Opens the panel because the visitor asked to.
    pub fn open(&self) {
        self.show_panel();
        self.site.with_value(|site| storage::save_open(site, true));
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
        self.chat.open.set(true);
        self.chat.unread.set(0);
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
        self.chat.open.set(false);
        self.site.with_value(|site| storage::save_open(site, false));
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

    pub fn toggle(&self) {
        if self.chat.open.get_untracked() {
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
        self.chat.open.set(true);
        self.chat.unread.set(0);
        self.connect();
    }
}
