//! The visitor's WebSocket to the server: connect, say hello (with what the widget already
//! has), reconnect with backoff or at once when the browser says the network or the visitor
//! is back, and write the outbox until the server has stored every message: one at a time,
//! no faster than the server takes frames (`pace`), pausing when it says to slow down. No
//! view code: the widget hears about everything through one `Event` callback.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use pronto_protocol::ids::{ClientMessageId, SiteId};
use pronto_protocol::limits::MAX_FRAME_BYTES;
use pronto_protocol::pace::{Budget, is_transient, refusal_pause_ms, typing_news};
use pronto_protocol::visitor::{Resume, ServerToVisitor, VisitorToServer};
use pronto_protocol::{ErrorCode, PROTOCOL_VERSION, ProtocolError};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::outbox::{Outbox, Outgoing, new_id};
use crate::storage;

/// First reconnect delay; it doubles on every failed attempt up to `MAX_BACKOFF_MS`.
const FIRST_BACKOFF_MS: u32 = 500;
const MAX_BACKOFF_MS: u32 = 10_000;
/// A server that accepts the socket but never welcomes us is as good as down.
const WELCOME_TIMEOUT_MS: u32 = 15_000;
/// A socket that stays silent this long while a written message waits for its answer is
/// taken for dead. Browsers can keep a socket "open" for minutes after the network under it
/// went away (a train in a tunnel, a phone changing cells), and writes to it vanish.
const ANSWER_TIMEOUT_MS: u32 = 10_000;

/// The visitor socket's address on `server`, an origin such as `https://chat.example.com`:
/// `wss://` for `https://`, `ws://` for `http://`; with the language the widget speaks, in
/// which the shop's e-mails to this visitor are written, and the page it is on (already
/// URI-encoded by the loader), which the shop's agents see.
pub fn visitor_url(server: &str, lang: &str, page: &str) -> String {
    let server = server.trim().trim_end_matches('/');
    let (scheme, rest) = match server.split_once("://") {
        Some(("https" | "wss", rest)) => ("wss", rest),
        Some((_, rest)) => ("ws", rest),
        None => ("ws", server),
    };
    format!("{scheme}://{rest}/ws/visitor?lang={lang}&page={page}")
}

/// A customer id the shop's backend signed with the site's identity secret (`data-user-id`
/// and `data-user-hash` on the script tag).
#[derive(Clone, Debug)]
pub struct Identity {
    pub user_id: String,
    pub signature: String,
}

impl Identity {
    /// The `identify` frame that vouches for this customer.
    fn frame(self) -> VisitorToServer {
        VisitorToServer::Identify {
            user_id: self.user_id,
            signature: self.signature,
        }
    }
}

/// How the connection stands, for the status line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// Not started: a new visitor who has not opened the chat yet.
    Idle,
    /// The first attempt is under way.
    Connecting,
    /// Welcomed; frames flow.
    Open,
    /// The connection was lost or could not be made; retrying.
    Reconnecting,
    /// The server refused this site or protocol version; retrying cannot help.
    Refused,
}

/// What the transport tells the widget.
#[derive(Clone, Debug)]
pub enum Event {
    Link(Link),
    /// A frame from the server. Its effect on the outbox follows as an `Outbox` event, so the
    /// widget still sees an acknowledged message in its outbox when the `Ack` arrives.
    Frame(ServerToVisitor),
    /// The messages not stored yet, oldest first, after any change.
    Outbox(Vec<Outgoing>),
}

/// A cheap handle to the one connection of this widget.
#[derive(Clone)]
pub struct Transport {
    shared: Rc<Shared>,
}

/// Where the one connection stands. A plain state machine driven by the socket's events and
/// one timer, rather than an async task: it is most of what the widget downloads, and this
/// shape is a fraction of the size.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Stage {
    /// `start` not called yet.
    Idle,
    /// A socket is opening, or open and not welcomed yet: nothing but the hello (and
    /// `identify`, for a vouched-for customer) may go out, and the welcome must come by
    /// `welcome_by`.
    Greeting { welcome_by: f64 },
    /// Welcomed: messages flow. `answer_by` is when the server must have said something, while
    /// a written message waits for its answer; `turn_at` when the next message may be written,
    /// when one waits for its turn.
    Open {
        answer_by: Option<f64>,
        turn_at: Option<f64>,
    },
    /// The connection was lost; the next attempt starts at `retry_at`, or sooner when the
    /// visitor comes back.
    Waiting { retry_at: f64 },
    /// The server refused this site or protocol version; retrying cannot help.
    Refused,
}

struct Shared {
    url: String,
    site: SiteId,
    /// Sent in every hello; replaced by whatever the server issues in its welcome.
    token: RefCell<Option<String>>,
    /// What the widget already shows, asked for at every hello.
    resume: Box<dyn Fn() -> Option<Resume>>,
    /// The shop's signed-in customer, as the page vouches for them (identity verification).
    identity: RefCell<Option<Identity>>,
    /// Set when the page names the customer after a connection read `identity` for its
    /// greeting; that connection sends `identify` at its next turn.
    identify_now: Cell<bool>,
    /// What the page said about the visitor (`profile` frame), told on every connection: the
    /// server keeps it, and saying it again changes nothing.
    profile: RefCell<Option<VisitorToServer>>,
    /// Set when `profile` is to be told at the connection's next turn.
    profile_now: Cell<bool>,
    /// Frames told once, at the next turn of an open connection (a rating, whether a quick
    /// answer helped), oldest first.
    once: RefCell<Vec<VisitorToServer>>,
    /// The customer the greeting still has to vouch for, after the first welcome.
    identify_in_greeting: RefCell<Option<Identity>>,
    /// Whether the visitor is typing, to tell the agent at the connection's next turn.
    typing_to_tell: Cell<Option<bool>>,
    /// When "typing" was last told (ms since the epoch), so it is repeated, not streamed.
    typing_told_at: Cell<Option<f64>>,
    outbox: RefCell<Outbox>,
    /// Whether the outbox is saved to localStorage; off when there is none, or once saving
    /// failed (full), so that later changes do not start from a stale saved copy.
    persist: Cell<bool>,
    link: Cell<Link>,
    stage: Cell<Stage>,
    /// The current socket; events from sockets given up on are ignored.
    socket: RefCell<Option<web_sys::WebSocket>>,
    pacing: RefCell<Pacing>,
    /// Failed attempts in a row, for the backoff.
    failures: Cell<u32>,
    /// The one pending `setTimeout`, for the stage's earliest deadline.
    timer: Cell<Option<i32>>,
    /// Set while frames are being written, so that a write asked for meanwhile waits its turn.
    writing: Cell<bool>,
    /// The socket and timer callbacks, made once and shared by every socket.
    handlers: RefCell<Option<Handlers>>,
    on_event: Box<dyn Fn(Event)>,
}

struct Handlers {
    open: Closure<dyn Fn(web_sys::Event)>,
    message: Closure<dyn Fn(web_sys::MessageEvent)>,
    lost: Closure<dyn Fn(web_sys::Event)>,
    tick: Closure<dyn Fn()>,
}

impl Transport {
    /// A transport for `url` (`ws(s)://host/ws/visitor`) that does nothing until `start`,
    /// with the outbox saved earlier (the page was reloaded, or another tab left messages).
    /// `resume` tells what the widget shows, for the hello of every connection.
    pub fn new(
        url: String,
        site: SiteId,
        token: Option<String>,
        resume: impl Fn() -> Option<Resume> + 'static,
        identity: Option<Identity>,
        on_event: impl Fn(Event) + 'static,
    ) -> Self {
        let outbox = storage::outbox(site.as_str())
            .map(|json| Outbox::from_json(&json))
            .unwrap_or_default();
        let transport = Self {
            shared: Rc::new(Shared {
                url,
                site,
                token: RefCell::new(token),
                resume: Box::new(resume),
                identity: RefCell::new(identity),
                identify_now: Cell::new(false),
                profile: RefCell::new(None),
                profile_now: Cell::new(false),
                once: RefCell::new(Vec::new()),
                identify_in_greeting: RefCell::new(None),
                typing_to_tell: Cell::new(None),
                typing_told_at: Cell::new(None),
                outbox: RefCell::new(outbox),
                persist: Cell::new(storage::can_persist()),
                link: Cell::new(Link::Idle),
                stage: Cell::new(Stage::Idle),
                socket: RefCell::new(None),
                pacing: RefCell::new(Pacing::new(js_sys::Date::now())),
                failures: Cell::new(0),
                timer: Cell::new(None),
                writing: Cell::new(false),
                handlers: RefCell::new(None),
                on_event: Box::new(on_event),
            }),
        };
        transport.shared.publish();
        transport
    }

    /// Connects, and keeps reconnecting for the life of the page. Calling it again is harmless.
    pub fn start(&self) {
        let shared = &self.shared;
        if shared.stage.get() != Stage::Idle {
            return;
        }
        *shared.handlers.borrow_mut() = Some(Handlers::new(shared));
        listen_for_comebacks(shared);
        shared.set_link(Link::Connecting);
        shared.connect();
    }

    /// Whether messages from an earlier page wait to be sent.
    pub fn has_unsent(&self) -> bool {
        self.shared.outbox.borrow().has_sending()
    }

    /// Queues a chat message under a new id; it goes out as soon as the server has welcomed
    /// us, and again after every reconnect until the server acknowledges it.
    pub fn send(&self, text: String) {
        // The message itself ends "typing" on the agent's side; the next key press says it anew.
        self.shared.typing_told_at.set(None);
        let id = new_id();
        self.change(|outbox| outbox.push(id.clone(), text.clone()));
    }

    /// Sends a failed message again.
    pub fn retry(&self, id: &ClientMessageId) {
        let fresh = new_id();
        self.change(|outbox| outbox.retry(id, &fresh));
    }

    /// Forgets a failed message.
    pub fn discard(&self, id: &ClientMessageId) {
        self.change(|outbox| outbox.discard(id));
    }

    /// The page vouches for a signed-in customer (`Pronto('identify', …)`): their
    /// conversations join this visitor's from now on, on this connection and every later one.
    pub fn identify(&self, identity: Identity) {
        *self.shared.identity.borrow_mut() = Some(identity);
        // An open connection sends it at once; one still greeting takes the identity from
        // `shared` when its socket opens, or sends it after its welcome.
        self.shared.identify_now.set(true);
        self.shared.write();
    }

    /// The page says who the visitor is: told now on an open connection, else at the next
    /// welcome, and at every later one. A field left `None` keeps what was said before.
    pub fn profile(&self, name: Option<String>, email: Option<String>) {
        let shared = &self.shared;
        let mut profile = shared.profile.borrow_mut();
        let (old_name, old_email) = match profile.take() {
            Some(VisitorToServer::Profile { name, email }) => (name, email),
            _ => (None, None),
        };
        *profile = Some(VisitorToServer::Profile {
            name: name.or(old_name),
            email: email.or(old_email),
        });
        drop(profile);
        shared.profile_now.set(true);
        shared.write();
    }

    /// Tells the server `frame` once: now on an open connection, else once one is.
    pub fn tell(&self, frame: VisitorToServer) {
        self.shared.once.borrow_mut().push(frame);
        self.shared.write();
    }

    /// The visitor typed (`has_text`: something is in the box): the agent is told at most
    /// every `TYPING_REPEAT_MS` while there is text, and once when the box is emptied. Only
    /// on an open connection: typing is news now or never.
    pub fn typing(&self, has_text: bool) {
        let shared = &self.shared;
        if shared.link.get() != Link::Open {
            return;
        }
        let now = js_sys::Date::now();
        if typing_news(shared.typing_told_at.get(), now, has_text) {
            shared.typing_told_at.set(has_text.then_some(now));
            shared.typing_to_tell.set(Some(has_text));
            shared.write();
        }
    }

    fn change(&self, op: impl Fn(&mut Outbox) -> bool) {
        if self.shared.update(op) {
            self.shared.publish();
            self.shared.write();
        }
    }
}

impl Handlers {
    fn new(shared: &Rc<Shared>) -> Self {
        let on = |shared: &Rc<Shared>| Rc::downgrade(shared);
        let weak = on(shared);
        let open = Closure::new(move |event: web_sys::Event| {
            if let Some(shared) = weak.upgrade().filter(|shared| shared.is_current(&event)) {
                shared.greet();
            }
        });
        let weak = on(shared);
        let message = Closure::new(move |event: web_sys::MessageEvent| {
            let Some(shared) = weak.upgrade().filter(|shared| shared.is_current(&event)) else {
                return;
            };
            // Text frames only; the server sends no others.
            if let Some(text) = event.data().as_string() {
                shared.heard(&text);
            }
        });
        let weak = on(shared);
        let lost = Closure::new(move |event: web_sys::Event| {
            if let Some(shared) = weak.upgrade().filter(|shared| shared.is_current(&event)) {
                shared.lost();
            }
        });
        let weak = on(shared);
        let tick = Closure::new(move || {
            if let Some(shared) = weak.upgrade() {
                shared.timer.set(None);
                shared.tick();
            }
        });
        Self {
            open,
            message,
            lost,
            tick,
        }
    }
}

impl Shared {
    fn emit(&self, event: Event) {
        (self.on_event)(event);
    }

    fn set_link(&self, link: Link) {
        self.link.set(link);
        self.emit(Event::Link(link));
    }

    /// Applies `op` to the outbox in memory and to the saved one; returns whether the one in
    /// memory changed. The saved copy is read again rather than overwritten from memory: other
    /// tabs of the same site keep their unsent messages there too, and must not lose them.
    fn update(&self, op: impl Fn(&mut Outbox) -> bool) -> bool {
        let changed = op(&mut self.outbox.borrow_mut());
        if self.persist.get() {
            let site = self.site.as_str();
            let mut saved = storage::outbox(site)
                .map(|json| Outbox::from_json(&json))
                .unwrap_or_default();
            if op(&mut saved) {
                let json = (!saved.is_empty()).then(|| saved.to_json());
                if !storage::save_outbox(site, json.as_deref()) {
                    self.persist.set(false);
                }
            }
        }
        changed
    }

    fn publish(&self) {
        let items = self.outbox.borrow().items().to_vec();
        self.emit(Event::Outbox(items));
    }

    /// Every frame from the server passes through here before the widget sees it.
    fn receive(&self, frame: ServerToVisitor) {
        if let ServerToVisitor::Welcome { token, .. } = &frame {
            *self.token.borrow_mut() = Some(token.clone());
        }
        let concerns_outbox = matches!(
            frame,
            ServerToVisitor::Ack { .. }
                | ServerToVisitor::Rejected { .. }
                | ServerToVisitor::Message { .. }
                | ServerToVisitor::Welcome { .. }
        );
        let changed = concerns_outbox && self.update(|outbox| outbox.observe(&frame));
        self.emit(Event::Frame(frame));
        if changed {
            self.publish();
        }
    }

    /// Whether `event` came from the socket in use, not from one given up on.
    fn is_current(&self, event: &web_sys::Event) -> bool {
        let target = event.target().map(JsValue::from);
        self.socket
            .borrow()
            .as_ref()
            .is_some_and(|socket| target.as_ref() == Some(socket.as_ref()))
    }

    /// Opens a new socket; the hello goes out when it opens.
    fn connect(&self) {
        let socket = {
            let handlers = self.handlers.borrow();
            let Some(handlers) = handlers.as_ref() else {
                return;
            };
            let Ok(socket) = web_sys::WebSocket::new(&self.url) else {
                return self.lost();
            };
            socket.set_onopen(Some(handlers.open.as_ref().unchecked_ref()));
            socket.set_onmessage(Some(handlers.message.as_ref().unchecked_ref()));
            socket.set_onclose(Some(handlers.lost.as_ref().unchecked_ref()));
            socket.set_onerror(Some(handlers.lost.as_ref().unchecked_ref()));
            socket
        };
        *self.socket.borrow_mut() = Some(socket);
        // The timeout covers the opening too: a connect that hangs (a proxy swallowing the
        // upgrade) must end in a retry like any other failure.
        self.enter(Stage::Greeting {
            welcome_by: js_sys::Date::now() + f64::from(WELCOME_TIMEOUT_MS),
        });
    }

    /// The socket opened: say hello. Nothing else goes out before the welcome: it shows which
    /// of the outbox's messages the server stored while the acknowledgement was lost.
    fn greet(&self) {
        let hello = VisitorToServer::Hello {
            version: PROTOCOL_VERSION,
            site: self.site.clone(),
            token: self.token.borrow().clone(),
            resume: (self.resume)(),
        };
        // With a vouched-for customer, the first welcome is followed by `identify`, and the
        // server's second welcome (the customer's joined history) is the one to wait for.
        *self.identify_in_greeting.borrow_mut() = self.identity.borrow().clone();
        self.identify_now.set(false);
        if !self.put(&hello) {
            self.lost();
        }
    }

    /// Writes one frame on the current socket, counted against the server's budget.
    fn put(&self, frame: &VisitorToServer) -> bool {
        self.pacing.borrow_mut().budget.spend(js_sys::Date::now());
        self.socket
            .borrow()
            .as_ref()
            .is_some_and(|socket| socket.send_with_str(&frame.to_json()).is_ok())
    }

    /// A text frame from the server.
    fn heard(&self, text: &str) {
        // A frame this version cannot read must not end the chat.
        let Ok(frame) = ServerToVisitor::from_json(text) else {
            return;
        };
        match self.stage.get() {
            Stage::Greeting { .. } => self.heard_in_greeting(frame),
            Stage::Open { answer_by, turn_at } => {
                // Any frame shows the socket still works: give the answer more time.
                let answer_by = answer_by.map(|_| answer_deadline());
                self.stage.set(Stage::Open { answer_by, turn_at });
                self.pacing
                    .borrow_mut()
                    .observe(&frame, js_sys::Date::now());
                self.receive(frame);
                // An answer may let the next message go.
                self.write();
            }
            Stage::Idle | Stage::Waiting { .. } | Stage::Refused => {}
        }
    }

    fn heard_in_greeting(&self, frame: ServerToVisitor) {
        match frame {
            frame @ ServerToVisitor::Welcome { .. } => {
                self.receive(frame);
                let identity = self.identify_in_greeting.take();
                match identity {
                    Some(identity) => {
                        if !self.put(&identity.frame()) {
                            self.lost();
                        }
                    }
                    None => self.welcomed(),
                }
            }
            // A bad signature is the shop's mistake, not the visitor's: chat on anonymously.
            ServerToVisitor::Error(error) if error.code == ErrorCode::IdentityRejected => {
                self.welcomed();
            }
            ServerToVisitor::Error(error) => {
                let fatal = matches!(
                    error.code,
                    ErrorCode::UnknownSite | ErrorCode::InvalidSite | ErrorCode::UnsupportedVersion
                );
                self.receive(ServerToVisitor::Error(error));
                // The server keeps an unwelcomed socket open; only a new one can retry.
                if fatal {
                    self.refused();
                } else {
                    self.lost();
                }
            }
            frame => self.receive(frame),
        }
    }

    /// The greeting is over: everything still sending goes out again on this socket, oldest
    /// first, before anything typed from now on (which the outbox keeps behind it).
    fn welcomed(&self) {
        self.failures.set(0);
        self.outbox.borrow_mut().rewind();
        self.profile_now.set(self.profile.borrow().is_some());
        self.enter(Stage::Open {
            answer_by: None,
            turn_at: None,
        });
        self.set_link(Link::Open);
        self.write();
    }

    /// Writes what waits, as far as the pace allows: typing news, `identify` and `profile`
    /// first (not messages, so nothing the outbox keeps), then the outbox's messages one at a time.
    fn write(&self) {
        let Stage::Open { mut answer_by, .. } = self.stage.get() else {
            return;
        };
        if self.writing.replace(true) {
            return;
        }
        // Typing is news now or never, and never takes a message's place: with messages
        // waiting to go, or the budget running low, it is dropped (`Budget::has_room_for_news`).
        let typing = self
            .typing_to_tell
            .take()
            .filter(|_| {
                !self.outbox.borrow().may_write()
                    && self
                        .pacing
                        .borrow_mut()
                        .budget
                        .has_room_for_news(js_sys::Date::now())
            })
            .map(|typing| VisitorToServer::Typing { typing });
        let identify = self
            .identify_now
            .take()
            .then(|| self.identity.borrow().clone().map(Identity::frame))
            .flatten();
        let profile = self
            .profile_now
            .take()
            .then(|| self.profile.borrow().clone())
            .flatten();
        let mut written = typing
            .into_iter()
            .chain(identify)
            .chain(profile)
            .all(|frame| self.put(&frame));
        // Frames sent once (a rating, whether an answer helped) stay queued until written:
        // a write that fails leaves it and those after it for the next connection.
        if written {
            let mut once = self.once.borrow_mut();
            while let Some(frame) = once.first() {
                written = self.put(frame);
                if !written {
                    break;
                }
                once.remove(0);
            }
        }
        let mut turn_at = None;
        while written && self.outbox.borrow().may_write() {
            let now = js_sys::Date::now();
            if let Err(ms) = self.pacing.borrow_mut().admit(now) {
                turn_at = Some(now + f64::from(ms));
                break;
            }
            let next = self.outbox.borrow_mut().next_to_write();
            let Some((id, text)) = next else { break };
            let frame = VisitorToServer::Send {
                id: id.clone(),
                text,
            };
            if frame.to_json().len() > MAX_FRAME_BYTES {
                // Escaping can make a message of allowed length too big a frame; the server
                // could not read its id to refuse it, so refuse it here (else it would be
                // resent, and refused, forever).
                let error = ProtocolError::new(
                    ErrorCode::FrameTooLarge,
                    format!("the message does not fit in {MAX_FRAME_BYTES} bytes"),
                );
                if self.update(|outbox| outbox.fail(&id, error.clone())) {
                    self.publish();
                }
                continue;
            }
            written = self.put(&frame);
            answer_by.get_or_insert_with(answer_deadline);
        }
        self.writing.set(false);
        if !written {
            return self.lost();
        }
        if !self.outbox.borrow().awaiting_answer() {
            answer_by = None;
        }
        self.enter(Stage::Open { answer_by, turn_at });
    }

    /// The timer went off: act on whichever of the stage's deadlines has passed.
    fn tick(&self) {
        let now = js_sys::Date::now();
        match self.stage.get() {
            Stage::Waiting { retry_at } if now >= retry_at => self.connect(),
            Stage::Greeting { welcome_by } if now >= welcome_by => self.lost(),
            // Giving the socket up closes it; the next one resends what is unanswered.
            Stage::Open {
                answer_by: Some(at),
                ..
            } if now >= at => self.lost(),
            Stage::Open { .. } => self.write(),
            stage => self.enter(stage),
        }
    }

    /// The connection was lost, could not be made, or went silent: give the socket up and try
    /// again after the backoff. A connection that was welcomed starts from the shortest delay.
    fn lost(&self) {
        self.drop_socket();
        let failures = self.failures.get();
        let delay = backoff_ms(failures, js_sys::Math::random());
        self.failures.set(failures.saturating_add(1));
        self.enter(Stage::Waiting {
            retry_at: js_sys::Date::now() + f64::from(delay),
        });
        if self.link.get() != Link::Reconnecting {
            self.set_link(Link::Reconnecting);
        }
    }

    fn refused(&self) {
        self.drop_socket();
        self.enter(Stage::Refused);
        self.set_link(Link::Refused);
    }

    fn drop_socket(&self) {
        if let Some(socket) = self.socket.take() {
            let _ = socket.close();
        }
    }

    /// Moves to `stage` and sets the one timer for its earliest deadline.
    fn enter(&self, stage: Stage) {
        self.stage.set(stage);
        let due = match stage {
            Stage::Greeting { welcome_by } => Some(welcome_by),
            Stage::Open { answer_by, turn_at } => match (answer_by, turn_at) {
                (Some(a), Some(t)) => Some(a.min(t)),
                (a, t) => a.or(t),
            },
            Stage::Waiting { retry_at } => Some(retry_at),
            Stage::Idle | Stage::Refused => None,
        };
        let Some(window) = web_sys::window() else {
            return;
        };
        if let Some(timer) = self.timer.take() {
            window.clear_timeout_with_handle(timer);
        }
        let handlers = self.handlers.borrow();
        if let (Some(due), Some(handlers)) = (due, handlers.as_ref()) {
            // A timer a millisecond late is harmless; one early would find nothing due.
            let ms = ms_until(due, js_sys::Date::now()).saturating_add(1);
            let timer = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                handlers.tick.as_ref().unchecked_ref(),
                i32::try_from(ms).unwrap_or(i32::MAX),
            );
            self.timer.set(timer.ok());
        }
    }

    /// The network or the visitor is back: if we are waiting to reconnect, stop waiting.
    fn hurry(&self) {
        if let Stage::Waiting { .. } = self.stage.get() {
            self.connect();
        }
    }
}

/// Reconnects at once, rather than after the rest of the backoff, when the browser comes back
/// online, the tab becomes visible again, the window gets focus or the page is shown again
/// from the back/forward cache: the moments a visitor is likely to look at the chat and
/// expect it to work. Lets the socket go with a page the visitor leaves.
fn listen_for_comebacks(shared: &Rc<Shared>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let hurry = {
        let shared = Rc::clone(shared);
        Closure::<dyn Fn()>::new(move || shared.hurry())
    };
    for event in ["online", "focus", "pageshow"] {
        let _ = window.add_event_listener_with_callback(event, hurry.as_ref().unchecked_ref());
    }
    // The widget lives as long as the page.
    hurry.forget();
    // A page the visitor leaves may be kept whole for the Back button (the back/forward
    // cache), socket and all: the server would think the visitor still has the chat on
    // screen, and not e-mail them the reply. So the socket goes with the page; `pageshow`
    // above reconnects.
    let leave = {
        let shared = Rc::clone(shared);
        Closure::<dyn Fn()>::new(move || {
            if matches!(
                shared.stage.get(),
                Stage::Open { .. } | Stage::Greeting { .. }
            ) {
                shared.lost();
            }
        })
    };
    let _ = window.add_event_listener_with_callback("pagehide", leave.as_ref().unchecked_ref());
    leave.forget();

    if let Some(document) = window.document() {
        let shared = Rc::clone(shared);
        let seen = document.clone();
        let on_visibility = Closure::<dyn Fn()>::new(move || {
            if seen.visibility_state() == web_sys::VisibilityState::Visible {
                shared.hurry();
            }
        });
        let _ = document.add_event_listener_with_callback(
            "visibilitychange",
            on_visibility.as_ref().unchecked_ref(),
        );
        on_visibility.forget();
    }
}

/// When the transport may write: its own frame budget, and a pause after the server refused
/// a message for a passing reason. Lives as long as the transport, across connections.
struct Pacing {
    budget: Budget,
    /// Passing refusals in a row; each one doubles the pause.
    refusals: u32,
    /// Nothing is written before this (ms since the epoch).
    paused_until: f64,
}

impl Pacing {
    fn new(now_ms: f64) -> Self {
        Self {
            budget: Budget::new(now_ms),
            refusals: 0,
            paused_until: 0.0,
        }
    }

    fn observe(&mut self, frame: &ServerToVisitor, now_ms: f64) {
        match frame {
            ServerToVisitor::Rejected { error, .. } if is_transient(error.code) => {
                self.refusals = self.refusals.saturating_add(1);
                self.paused_until = now_ms + f64::from(refusal_pause_ms(self.refusals));
            }
            ServerToVisitor::Ack { .. } => self.refusals = 0,
            _ => {}
        }
    }

    /// Takes a frame's token if one may be written now; otherwise how long until one may.
    fn admit(&mut self, now_ms: f64) -> Result<(), u32> {
        if now_ms < self.paused_until {
            return Err(ms_until(self.paused_until, now_ms).max(1));
        }
        self.budget.admit(now_ms)
    }
}

/// The delay before reconnect attempt `failures`: doubling from `FIRST_BACKOFF_MS` up to
/// `MAX_BACKOFF_MS`, then "equal jitter" (between half and all of it, by `random` in 0..1) so
/// that every visitor of a restarted server does not come back in the same instant.
fn backoff_ms(failures: u32, random: f64) -> u32 {
    let full = FIRST_BACKOFF_MS
        .saturating_mul(1 << failures.min(16))
        .min(MAX_BACKOFF_MS);
    let half = full / 2;
    // `as` saturates and `random` is below 1, so this stays within `half..=full`.
    half + (f64::from(half) * random.clamp(0.0, 1.0)) as u32
}

/// Milliseconds from `now` until `at` (both since the epoch), at least zero.
fn ms_until(at: f64, now: f64) -> u32 {
    // `as` saturates: a deadline already past is no wait, never a wrapped-around huge one.
    (at - now) as u32
}

fn answer_deadline() -> f64 {
    js_sys::Date::now() + f64::from(ANSWER_TIMEOUT_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_url_follows_the_server_scheme() {
        assert_eq!(
            visitor_url(
                "http://127.0.0.1:8080",
                "es",
                "http%3A%2F%2F127.0.0.1%3A4173%2F"
            ),
            "ws://127.0.0.1:8080/ws/visitor?lang=es&page=http%3A%2F%2F127.0.0.1%3A4173%2F"
        );
        assert_eq!(
            visitor_url("https://chat.example.com/", "pt", ""),
            "wss://chat.example.com/ws/visitor?lang=pt&page="
        );
    }

    #[test]
    fn backoff_doubles_to_the_cap_with_jitter() {
        assert_eq!(backoff_ms(0, 0.999_999), 499);
        assert_eq!(backoff_ms(0, 0.0), 250);
        assert_eq!(backoff_ms(1, 0.0), 500);
        assert_eq!(backoff_ms(3, 0.0), 2_000);
        assert_eq!(backoff_ms(5, 0.0), 5_000);
        assert_eq!(backoff_ms(40, 0.999_999), 9_999);
    }

    #[test]
    fn a_deadline_in_the_past_is_no_wait() {
        assert_eq!(ms_until(1_500.0, 1_000.0), 500);
        assert_eq!(ms_until(1_000.0, 9_000.0), 0);
    }
}
