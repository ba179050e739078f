//! The page's JavaScript API, `Pronto(…)` (the loader in `public/pronto.js` queues the calls
//! and hands them here once the widget has mounted): commands in, events out.

use js_sys::{Function, Object, Reflect};
use leptos::prelude::*;
use pronto_protocol::chat::{Author, ChatMessage, WaitEstimate};
use pronto_protocol::visitor::Profile;
use wasm_bindgen::prelude::*;

use crate::components::Controls;
use crate::i18n::Lang;
use crate::state::{Chat, QueueSpot, Screen};
use crate::transport::Identity;

/// What `mount` gives the loader: the widget, for the page's commands.
#[wasm_bindgen]
pub struct Handle {
    chat: Chat,
    controls: Controls,
    root: web_sys::HtmlElement,
}

impl Handle {
    pub fn new(chat: Chat, controls: Controls, root: web_sys::HtmlElement) -> Self {
        Self {
            chat,
            controls,
            root,
        }
    }
}

#[wasm_bindgen]
impl Handle {
    /// Runs `Pronto(name, argument)`. `activated` is true when the visitor's own click or key
    /// press led to the call: only then does opening move focus into the chat (a page opening
    /// it by itself must not take the keyboard from the visitor).
    pub fn command(&self, name: &str, argument: JsValue, activated: bool) -> Result<(), JsError> {
        match name {
            "open" => self.open(activated),
            "close" => self.controls.close(),
            "toggle" if self.chat.with_untracked(|screen| screen.open) => self.controls.close(),
            "toggle" => self.open(activated),
            "identify" => self.identify(&argument)?,
            "locale" => {
                let lang = argument
                    .as_string()
                    .and_then(|tag| Lang::from_tag(&tag))
                    .ok_or_else(|| {
                        JsError::new("Pronto('locale', tag): tag is one of \"es\", \"en\", \"pt\"")
                    })?;
                let _ = self.root.set_attribute("lang", lang.code());
                self.chat.set_lang(lang);
            }
            other => {
                return Err(JsError::new(&format!(
                    "Pronto(\"{other}\") is not a command; the commands are open, close, toggle, \
                     identify, locale, on and off"
                )));
            }
        }
        Ok(())
    }
}

impl Handle {
    fn open(&self, activated: bool) {
        if activated {
            self.controls.open();
        } else {
            self.controls.open_for_page();
        }
    }

    /// `{name, email, user_id, user_hash}`, each optional: who the visitor is, as the page
    /// knows it (`name`, `email`: shown to the shop's agents), and the shop's signed-in
    /// customer (`user_id` with `user_hash`, signed by the shop's backend: joins their
    /// conversations across devices). Anything invalid is refused here, whole, before anything
    /// is sent.
    fn identify(&self, argument: &JsValue) -> Result<(), JsError> {
        let field = |name: &str| {
            Reflect::get(argument, &JsValue::from_str(name))
                .ok()
                .and_then(|value| value.as_string())
        };
        let signed = match (field("user_id"), field("user_hash")) {
            (Some(user_id), Some(signature)) if !user_id.is_empty() && !signature.is_empty() => {
                Some(Identity { user_id, signature })
            }
            (None, None) => None,
            _ => {
                return Err(JsError::new(
                    "Pronto('identify', {user_id, user_hash}): both are needed; user_hash is \
                     the hex HMAC-SHA256 of user_id under the site's identity secret",
                ));
            }
        };
        let (name, email) = (field("name"), field("email"));
        if signed.is_none() && name.is_none() && email.is_none() {
            return Err(JsError::new(
                "Pronto('identify', {name, email, user_id, user_hash}): give at least one",
            ));
        }
        let (name, email) = Profile::check(name.as_deref(), email.as_deref())
            .map_err(|error| JsError::new(&format!("Pronto('identify', …): {}", error.message)))?;
        if let Some(identity) = signed {
            self.controls.identify(identity);
        }
        if name.is_some() || email.is_some() {
            self.controls.profile(name, email);
        }
        Ok(())
    }
}

/// Tells the page what happens: the loader's `emit(name, detail)` calls the page's
/// `Pronto('on', name, fn)` listeners and dispatches `pronto:<name>` on the host element.
#[derive(Clone)]
pub struct Events(Function);

impl Events {
    pub fn new(emit: Function) -> Self {
        Self(emit)
    }

    fn emit(&self, name: &str, detail: JsValue) {
        let _ = self
            .0
            .call2(&JsValue::NULL, &JsValue::from_str(name), &detail);
    }

    /// A message stored in the conversation, the visitor's own included.
    pub fn message(&self, message: &ChatMessage) {
        let (author, name) = match &message.author {
            Author::Visitor => ("visitor", JsValue::UNDEFINED),
            Author::Agent { name } => ("agent", JsValue::from_str(name)),
        };
        self.emit(
            "message",
            detail(&[
                ("author", JsValue::from_str(author)),
                ("name", name),
                ("text", JsValue::from_str(&message.text)),
                ("seq", JsValue::from(message.seq)),
                ("sent_at", JsValue::from_f64(message.sent_at_ms as f64)),
            ]),
        );
    }

    /// Emits `open`/`close`, `unread` and `queue` whenever they change from what they are
    /// now. (Effects first run a little later, after commands the page queued may have
    /// changed them already: those changes count too.) One effect for the three: every
    /// effect of another type is code the shopper downloads.
    pub fn watch(&self, chat: Chat) {
        let events = self.clone();
        let told = |screen: &Screen| (screen.open, screen.unread, screen.queue);
        let first = chat.with_untracked(told);
        Effect::new(move |before: Option<Told>| {
            let now = chat.with(told);
            let (was_open, was_unread, was_queued) = before.unwrap_or(first);
            let (open, unread, queue) = now;
            if was_open != open {
                events.emit(if open { "open" } else { "close" }, JsValue::UNDEFINED);
            }
            if was_unread != unread {
                events.emit("unread", detail(&[("count", JsValue::from(unread))]));
            }
            if let Some(spot) = queue
                && was_queued != queue
            {
                events.queue(spot);
            }
            now
        });
    }

    /// `queue`: the place and the expected wait, in seconds; `null`s while there is nothing
    /// honest to say (an older server's estimate has no typical wait: `null` too).
    fn queue(&self, spot: QueueSpot) {
        let secs = |pick: fn(&WaitEstimate) -> u32| {
            spot.estimate
                .map(|estimate| pick(&estimate))
                .filter(|&secs| secs > 0)
                .map_or(JsValue::NULL, JsValue::from)
        };
        self.emit(
            "queue",
            detail(&[
                ("position", JsValue::from(spot.position)),
                ("low_secs", secs(|e| e.low_secs)),
                ("typical_secs", secs(|e| e.typical_secs)),
                ("high_secs", secs(|e| e.high_secs)),
            ]),
        );
    }
}

/// What the page was last told: open, unread count, place in line.
type Told = (bool, u32, Option<QueueSpot>);

fn detail(fields: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (name, value) in fields {
        if !value.is_undefined() {
            let _ = Reflect::set(&object, &JsValue::from_str(name), value);
        }
    }
    object.into()
}
