//! The visitor's WebSocket to the server: connect, say hello (with what the widget already
//! has), reconnect with backoff or at once when the browser says the network or the visitor
//! is back, and write the outbox until the server has stored every message: one at a time,
//! no faster than the server takes frames (`pace`), pausing when it says to slow down. No
//! view code: the widget hears about everything through one `Event` callback.

use std::cell::{Cell, RefCell};
use std::pin::pin;
use std::rc::Rc;

use futures::channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
use futures::future::{Either, select};
use futures::{SinkExt, StreamExt};
use gloo_net::websocket::Message;
use gloo_net::websocket::futures::WebSocket;
use gloo_timers::future::TimeoutFuture;
use pronto_protocol::ids::{ClientMessageId, SiteId};
use pronto_protocol::limits::MAX_FRAME_BYTES;
use pronto_protocol::visitor::{Resume, ServerToVisitor, VisitorToServer};
use pronto_protocol::{ErrorCode, PROTOCOL_VERSION, ProtocolError};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::outbox::{Outbox, Outgoing, new_id};
use crate::storage;
use pronto_protocol::pace::{Budget, is_transient, refusal_pause_ms, typing_news};

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
/// `wss://` for `https://`, `ws://` for `http://`.
pub fn visitor_url(server: &str) -> String {
    let server = server.trim().trim_end_matches('/');
    let (scheme, rest) = match server.split_once("://") {
        Some(("https" | "wss", rest)) => ("wss", rest),
        Some((_, rest)) => ("ws", rest),
        None => ("ws", server),
    };
    format!("{scheme}://{rest}/ws/visitor")
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
    /// Whether the visitor is typing, to tell the agent at the connection's next turn.
    typing_to_tell: Cell<Option<bool>>,
    /// When "typing" was last told (ms since the epoch), so it is repeated, not streamed.
    typing_told_at: Cell<Option<f64>>,
    outbox: RefCell<Outbox>,
    /// Whether the outbox is saved to localStorage; off when there is none, or once saving
    /// failed (full), so that later changes do not start from a stale saved copy.
    persist: Cell<bool>,
    link: Cell<Link>,
    /// Nudges the connection task to write the outbox.
    wake: UnboundedSender<()>,
    /// Taken by the connection task when it starts; `None` afterwards.
    woken: Cell<Option<UnboundedReceiver<()>>>,
    /// Cuts the wait before the next reconnect attempt short.
    hurry: UnboundedSender<()>,
    hurried: Cell<Option<UnboundedReceiver<()>>>,
    on_event: Box<dyn Fn(Event)>,
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
        let (wake, woken) = unbounded();
        let (hurry, hurried) = unbounded();
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
                typing_to_tell: Cell::new(None),
                typing_told_at: Cell::new(None),
                outbox: RefCell::new(outbox),
                persist: Cell::new(storage::can_persist()),
                link: Cell::new(Link::Idle),
                wake,
                woken: Cell::new(Some(woken)),
                hurry,
                hurried: Cell::new(Some(hurried)),
                on_event: Box::new(on_event),
            }),
        };
        transport.shared.publish();
        transport
    }

    /// Connects, and keeps reconnecting for the life of the page. Calling it again is harmless.
    pub fn start(&self) {
        let (Some(woken), Some(hurried)) = (self.shared.woken.take(), self.shared.hurried.take())
        else {
            return;
        };
        listen_for_comebacks(&self.shared);
        leptos::task::spawn_local(run(Rc::clone(&self.shared), woken, hurried));
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
        // A connection past its greeting sends it at its next turn; one still greeting takes
        // the identity from `shared` and clears this.
        self.shared.identify_now.set(true);
        let _ = self.shared.wake.unbounded_send(());
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
            let _ = shared.wake.unbounded_send(());
        }
    }

    fn change(&self, op: impl Fn(&mut Outbox) -> bool) {
        if self.shared.update(op) {
            self.shared.publish();
            // Fails only once the task has ended for good (refused), when nothing can be sent.
            let _ = self.shared.wake.unbounded_send(());
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

    /// The network or the visitor is back: if we are waiting to reconnect, stop waiting.
    fn hurry(&self) {
        if self.link.get() == Link::Reconnecting {
            let _ = self.hurry.unbounded_send(());
        }
    }
}

/// Reconnects at once, rather than after the rest of the backoff, when the browser comes back
/// online, the tab becomes visible again or the window gets focus: the moments a visitor is
/// likely to look at the chat and expect it to work.
fn listen_for_comebacks(shared: &Rc<Shared>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let hurry = {
        let shared = Rc::clone(shared);
        Closure::<dyn Fn()>::new(move || shared.hurry())
    };
    for event in ["online", "focus"] {
        let _ = window.add_event_listener_with_callback(event, hurry.as_ref().unchecked_ref());
    }
    // The widget lives as long as the page.
    hurry.forget();
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

/// Why one connection ended.
enum Ended {
    /// Lost or never made; try again.
    Lost,
    /// Welcomed first, then lost: the next attempt starts from the shortest delay again.
    LostAfterWelcome,
    /// The server refused the hello for good.
    Refused,
}

async fn run(
    shared: Rc<Shared>,
    mut woken: UnboundedReceiver<()>,
    mut hurried: UnboundedReceiver<()>,
) {
    let mut link = Link::Connecting;
    let mut failures: u32 = 0;
    let mut pacing = Pacing::new(js_sys::Date::now());
    loop {
        shared.set_link(link);
        match connect(&shared, &mut woken, &mut pacing).await {
            Ended::Refused => {
                shared.set_link(Link::Refused);
                return;
            }
            Ended::LostAfterWelcome => failures = 0,
            Ended::Lost => {}
        }
        link = Link::Reconnecting;
        shared.set_link(link);
        let delay = TimeoutFuture::new(backoff_ms(failures, js_sys::Math::random()));
        if let Either::Right(_) = select(delay, hurried.next()).await {
            // Several events often come together (focus and visibility); one attempt is enough.
            while let Ok(()) = hurried.try_recv() {}
        }
        failures = failures.saturating_add(1);
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

/// One connection, from opening the socket until it is lost.
async fn connect(shared: &Shared, woken: &mut UnboundedReceiver<()>, pacing: &mut Pacing) -> Ended {
    let Ok(socket) = WebSocket::open(&shared.url) else {
        return Ended::Lost;
    };
    let (mut sink, mut stream) = socket.split();
    let hello = VisitorToServer::Hello {
        version: PROTOCOL_VERSION,
        site: shared.site.clone(),
        token: shared.token.borrow().clone(),
        resume: (shared.resume)(),
    };
    // The server counts the hello against this connection's budget too.
    pacing.budget.spend(js_sys::Date::now());
    // Nothing else may go out before the welcome: it shows which of the outbox's messages
    // the server stored while the acknowledgement was lost. The timeout covers the opening
    // too: a connect that hangs (a proxy swallowing the upgrade) must end in a retry like
    // any other failure.
    let greeting = async {
        // Waits for the socket to open; on a socket that failed to open it "succeeds" and
        // the stream below reports the failure.
        if sink.send(Message::Text(hello.to_json())).await.is_err() {
            return Err(Ended::Lost);
        }
        // With a vouched-for customer, the first welcome is followed by `identify`, and the
        // server's second welcome (the customer's joined history) is the one to wait for.
        let mut identify = shared.identity.borrow().clone();
        shared.identify_now.set(false);
        while let Some(incoming) = stream.next().await {
            let text = match incoming {
                Ok(Message::Text(text)) => text,
                Ok(Message::Bytes(_)) => continue,
                Err(_) => return Err(Ended::Lost),
            };
            match ServerToVisitor::from_json(&text) {
                Ok(frame @ ServerToVisitor::Welcome { .. }) => {
                    shared.receive(frame);
                    let Some(identity) = identify.take() else {
                        return Ok(());
                    };
                    pacing.budget.spend(js_sys::Date::now());
                    let frame = identity.frame().to_json();
                    if sink.send(Message::Text(frame)).await.is_err() {
                        return Err(Ended::Lost);
                    }
                }
                // A bad signature is the shop's mistake, not the visitor's: chat on anonymously.
                Ok(ServerToVisitor::Error(error)) if error.code == ErrorCode::IdentityRejected => {
                    return Ok(());
                }
                Ok(ServerToVisitor::Error(error)) => {
                    let fatal = matches!(
                        error.code,
                        ErrorCode::UnknownSite
                            | ErrorCode::InvalidSite
                            | ErrorCode::UnsupportedVersion
                    );
                    shared.receive(ServerToVisitor::Error(error));
                    // The server keeps an unwelcomed socket open; only a new one can retry.
                    return Err(if fatal { Ended::Refused } else { Ended::Lost });
                }
                Ok(frame) => shared.receive(frame),
                // A frame this version cannot read must not end the chat.
                Err(_) => {}
            }
        }
        Err(Ended::Lost)
    };
    match select(pin!(greeting), TimeoutFuture::new(WELCOME_TIMEOUT_MS)).await {
        Either::Left((Ok(()), _)) => {}
        Either::Left((Err(ended), _)) => return ended,
        Either::Right(_) => return Ended::Lost,
    }
    // Everything still sending goes out again on this socket, oldest first, before anything
    // typed from now on (which the outbox keeps behind it).
    shared.outbox.borrow_mut().rewind();
    shared.set_link(Link::Open);

    // When the server must have said something by, while a written message waits for its answer.
    let mut answer_by: Option<f64> = None;
    loop {
        // How long until the next message may be written, when one waits for its turn.
        let mut turn_in: Option<u32> = None;
        // What the page or the composer asked to tell since the last turn; not messages, so
        // nothing the outbox keeps.
        let typing = shared
            .typing_to_tell
            .take()
            .map(|typing| VisitorToServer::Typing { typing });
        let identify = shared
            .identify_now
            .take()
            .then(|| shared.identity.borrow().clone().map(Identity::frame))
            .flatten();
        for frame in typing.into_iter().chain(identify) {
            pacing.budget.spend(js_sys::Date::now());
            if sink.send(Message::Text(frame.to_json())).await.is_err() {
                return Ended::LostAfterWelcome;
            }
        }
        loop {
            if !shared.outbox.borrow().may_write() {
                break;
            }
            if let Err(ms) = pacing.admit(js_sys::Date::now()) {
                turn_in = Some(ms);
                break;
            }
            let next = shared.outbox.borrow_mut().next_to_write();
            let Some((id, text)) = next else { break };
            let frame = VisitorToServer::Send {
                id: id.clone(),
                text,
            }
            .to_json();
            if frame.len() > MAX_FRAME_BYTES {
                // Escaping can make a message of allowed length too big a frame; the server
                // could not read its id to refuse it, so refuse it here (else it would be
                // resent, and refused, forever).
                let error = ProtocolError::new(
                    ErrorCode::FrameTooLarge,
                    format!("the message does not fit in {MAX_FRAME_BYTES} bytes"),
                );
                if shared.update(|outbox| outbox.fail(&id, error.clone())) {
                    shared.publish();
                }
                continue;
            }
            if sink.send(Message::Text(frame)).await.is_err() {
                return Ended::LostAfterWelcome;
            }
            answer_by.get_or_insert_with(answer_deadline);
        }
        if !shared.outbox.borrow().awaiting_answer() {
            answer_by = None;
        }
        let silence = async move {
            match answer_by {
                Some(at) => TimeoutFuture::new(ms_until(at, js_sys::Date::now())).await,
                None => futures::future::pending::<()>().await,
            }
        };
        let turn = async move {
            match turn_in {
                Some(ms) => TimeoutFuture::new(ms).await,
                None => futures::future::pending::<()>().await,
            }
        };
        let (silence, turn) = (pin!(silence), pin!(turn));
        match select(select(stream.next(), woken.next()), select(silence, turn)).await {
            Either::Left((Either::Left((incoming, _)), _)) => match incoming {
                Some(Ok(Message::Text(text))) => {
                    // Any frame shows the socket still works: give the answer more time.
                    if answer_by.is_some() {
                        answer_by = Some(answer_deadline());
                    }
                    if let Ok(frame) = ServerToVisitor::from_json(&text) {
                        pacing.observe(&frame, js_sys::Date::now());
                        shared.receive(frame);
                    }
                }
                Some(Ok(Message::Bytes(_))) => {}
                Some(Err(_)) | None => return Ended::LostAfterWelcome,
            },
            // Something was queued: the top of the loop writes it.
            Either::Left((Either::Right((Some(()), _)), _)) => {}
            Either::Left((Either::Right((None, _)), _)) => return Ended::LostAfterWelcome,
            // Dropping the socket closes it; the next one resends what is unanswered.
            Either::Right((Either::Left(_), _)) => return Ended::LostAfterWelcome,
            // The next message's turn: the top of the loop writes it.
            Either::Right((Either::Right(_), _)) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_url_follows_the_server_scheme() {
        assert_eq!(
            visitor_url("http://127.0.0.1:8080"),
            "ws://127.0.0.1:8080/ws/visitor"
        );
        assert_eq!(
            visitor_url("https://chat.example.com/"),
            "wss://chat.example.com/ws/visitor"
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
