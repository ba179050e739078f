//! The agent's WebSocket: connect, greet, pass frames both ways no faster than the server
//! takes them (`pace`), and reconnect with backoff when the link drops, or at once when the
//! page says the network is back. No view code: the console hands it two callbacks and sends
//! through a `Sender`.

use std::collections::VecDeque;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::channel::mpsc::{self, TryRecvError, UnboundedReceiver, UnboundedSender};
use futures::future::{Either, poll_fn, select};
use futures::{SinkExt, StreamExt};
use gloo_net::websocket::futures::WebSocket;
use gloo_net::websocket::{Message, State, WebSocketError};
use gloo_timers::future::TimeoutFuture;
use pronto_protocol::agent::{AgentToServer, ServerToAgent};
use pronto_protocol::{PROTOCOL_VERSION, decode, encode};

use pronto_protocol::pace::Budget;

/// The first wait before reconnecting; it doubles with every failed attempt.
pub const FIRST_RETRY_MS: u32 = 500;
/// The longest wait between attempts, so a console left open through an outage comes back
/// within seconds of the server.
pub const MAX_RETRY_MS: u32 = 10_000;

/// Where the link to the server stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkStatus {
    /// The first connection is being made.
    Connecting,
    /// The server welcomed us; frames flow.
    Online,
    /// The link dropped (or never came up); `attempt` counts the failures since the last welcome.
    Reconnecting { attempt: u32 },
}

/// How long to wait before reconnecting after `attempt` failures (0 for the first), given a
/// random number in `[0, 1)`. Half the delay is fixed so a retry never fires at once, half is
/// random so every console of a restarted server does not reconnect in the same instant.
pub fn retry_delay_ms(attempt: u32, random: f64) -> u32 {
    let base = FIRST_RETRY_MS
        .saturating_mul(1 << attempt.min(8))
        .min(MAX_RETRY_MS);
    let half = base / 2;
    half + (f64::from(half) * random.clamp(0.0, 1.0)) as u32
}

/// Sends frames to the server. Cheap to clone. A frame sent while the link is down waits
/// for the next connection, right after its `hello`, except replies (`send`): those are
/// dropped, because the console's outbox sends every unacknowledged reply after each
/// welcome, in order, and a reply kept here too would go ahead of older ones.
#[derive(Clone)]
pub struct Sender(UnboundedSender<AgentToServer>);

impl Sender {
    pub fn send(&self, frame: AgentToServer) {
        // Fails only after `Transport::stop`, when nobody is left to read the frame.
        let _ = self.0.unbounded_send(frame);
    }

    /// A sender whose frames a test reads from the receiver.
    #[cfg(test)]
    pub fn channel() -> (Self, UnboundedReceiver<AgentToServer>) {
        let (sender, receiver) = mpsc::unbounded();
        (Self(sender), receiver)
    }
}

/// Cuts the wait before the next reconnection attempt short. Cheap to clone.
#[derive(Clone)]
pub struct Nudge(UnboundedSender<()>);

impl Nudge {
    /// Reconnects now if the loop is waiting to; while a socket is open this does nothing.
    pub fn reconnect_now(&self) {
        let _ = self.0.unbounded_send(());
    }
}

/// The running connection loop. Dropping this does not stop it; `stop` does.
pub struct Transport {
    sender: UnboundedSender<AgentToServer>,
    nudges: UnboundedSender<()>,
    stopped: Arc<AtomicBool>,
}

impl Transport {
    /// Starts connecting to `/ws/agent` on this page's host. `on_frame` gets every frame the
    /// server sends, `on_status` every change of the link; neither is called after `stop`.
    pub fn connect(
        on_frame: impl Fn(ServerToAgent) + 'static,
        on_status: impl Fn(LinkStatus) + 'static,
    ) -> Self {
        let (sender, frames) = mpsc::unbounded();
        let (nudges, nudged) = mpsc::unbounded();
        let stopped = Arc::new(AtomicBool::new(false));
        let link = Link {
            url: agent_socket_url(),
            frames,
            nudged,
            _nudges: nudges.clone(),
            pending: VecDeque::new(),
            held: None,
            budget: Budget::new(js_sys::Date::now()),
            stopped: Arc::clone(&stopped),
            on_frame: Box::new(on_frame),
            on_status: Box::new(on_status),
        };
        wasm_bindgen_futures::spawn_local(link.run());
        Self {
            sender,
            nudges,
            stopped,
        }
    }

    pub fn sender(&self) -> Sender {
        Sender(self.sender.clone())
    }

    pub fn nudge(&self) -> Nudge {
        Nudge(self.nudges.clone())
    }

    /// Closes the socket and ends the loop, also when it is waiting to reconnect.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::Relaxed);
        self.sender.close_channel();
    }
}

/// How one connection ended.
enum Ended {
    /// `Transport::stop` was called.
    Stopped,
    /// The socket closed or never opened; `welcomed` says whether the server had greeted us.
    Dropped { welcomed: bool },
}

/// What woke the connection loop.
enum Event {
    Incoming(Option<Result<Message, WebSocketError>>),
    /// A frame whose turn it is.
    Outgoing(AgentToServer),
}

struct Link {
    url: String,
    frames: UnboundedReceiver<AgentToServer>,
    /// One item per `Nudge::reconnect_now`.
    nudged: UnboundedReceiver<()>,
    /// Keeps `nudged` open for as long as the loop runs: a closed channel would be ready at
    /// once, forever, and turn every wait into none.
    _nudges: UnboundedSender<()>,
    /// Frames the agent sent while the link was down, in order.
    pending: VecDeque<AgentToServer>,
    /// The oldest frame not sent yet, waiting for its turn under `budget`.
    held: Option<AgentToServer>,
    /// What the server lets us send; one for the life of the console, so stricter than the
    /// server's, which starts afresh with every connection.
    budget: Budget,
    stopped: Arc<AtomicBool>,
    on_frame: Box<dyn Fn(ServerToAgent)>,
    on_status: Box<dyn Fn(LinkStatus)>,
}

impl Link {
    fn stopped(&self) -> bool {
        self.stopped.load(Ordering::Relaxed)
    }

    fn report(&self, status: LinkStatus) {
        if !self.stopped() {
            (self.on_status)(status);
        }
    }

    async fn run(mut self) {
        self.report(LinkStatus::Connecting);
        let mut attempt = 0;
        loop {
            match self.connection().await {
                Ended::Stopped => return,
                // Only a connection the server accepted proves it is back; anything less
                // keeps backing off.
                Ended::Dropped { welcomed: true } => attempt = 0,
                Ended::Dropped { welcomed: false } => {}
            }
            if self.stopped() {
                return;
            }
            self.report(LinkStatus::Reconnecting { attempt });
            let delay = retry_delay_ms(attempt, js_sys::Math::random());
            attempt = attempt.saturating_add(1);
            if !self.wait(delay).await {
                return;
            }
        }
    }

    /// Waits `ms` before the next attempt, or less if nudged, keeping whatever the agent
    /// sends meanwhile. Returns `false` if the transport was stopped during the wait.
    async fn wait(&mut self, ms: u32) -> bool {
        let mut timeout = pin!(TimeoutFuture::new(ms));
        loop {
            let woken = select(self.nudged.next(), self.frames.next());
            match select(timeout.as_mut(), woken).await {
                Either::Left(_) => return true,
                Either::Right((Either::Left(_), _)) => {
                    // `focus` and `visibilitychange` often come together: one attempt is enough.
                    self.forget_nudges();
                    return true;
                }
                Either::Right((Either::Right((Some(frame), _)), _)) => self.keep(frame),
                Either::Right((Either::Right((None, _)), _)) => return false,
            }
        }
    }

    /// Keeps a frame that could not go out for the next connection; replies are the
    /// outbox's to resend (see `Sender`).
    fn keep(&mut self, frame: AgentToServer) {
        if !matches!(frame, AgentToServer::Send { .. }) {
            self.pending.push_back(frame);
        }
    }

    /// Keeps the oldest frame not sent (held, or failed to send) ahead of everything else.
    fn put_back(&mut self, frame: AgentToServer) {
        if !matches!(frame, AgentToServer::Send { .. }) {
            self.pending.push_front(frame);
        }
    }

    /// Forgets nudges that came while a socket was open: they were about that socket, and
    /// would otherwise skip the backoff after it drops.
    fn forget_nudges(&mut self) {
        while self.nudged.try_recv().is_ok() {}
    }

    /// One socket from open to close.
    async fn connection(&mut self) -> Ended {
        // Replies sent just before the last socket dropped must not go ahead of the welcome's
        // resends (see `Sender`); everything else waits in `pending` as usual.
        loop {
            match self.frames.try_recv() {
                Ok(frame) => self.keep(frame),
                Err(TryRecvError::Closed) => return Ended::Stopped,
                Err(TryRecvError::Empty) => break,
            }
        }
        let Ok(mut socket) = WebSocket::open(&self.url) else {
            return Ended::Dropped { welcomed: false };
        };
        // Ready means open or failed; sending on a failed socket only makes the browser complain.
        let _ = poll_fn(|cx| socket.poll_ready_unpin(cx)).await;
        if !matches!(socket.state(), State::Open) {
            return Ended::Dropped { welcomed: false };
        }
        let ended = self.open_connection(socket).await;
        if let Some(frame) = self.held.take() {
            self.put_back(frame);
        }
        self.forget_nudges();
        ended
    }

    /// An open socket until it closes.
    async fn open_connection(&mut self, mut socket: WebSocket) -> Ended {
        let hello = AgentToServer::Hello {
            version: PROTOCOL_VERSION,
        };
        // It must go first, whatever the budget says; the server counts it all the same.
        self.budget.spend(js_sys::Date::now());
        if socket.send(Message::Text(encode(&hello))).await.is_err() {
            return Ended::Dropped { welcomed: false };
        }

        let mut welcomed = false;
        // Every frame the console sends gets an answer (welcome, ack, rejected, conversation,
        // closed, error). A socket that stays silent past this after a send is dead even if
        // the browser still calls it open (a phone that changed networks): drop it, so the
        // outbox goes again on a new one.
        let mut answer_by: Option<f64> = Some(js_sys::Date::now() + f64::from(ANSWER_TIMEOUT_MS));
        loop {
            // Frames kept from before this socket go first, then new ones, each in its turn.
            if self.held.is_none() {
                self.held = self.pending.pop_front();
            }
            // Both futures are dropped at the end of this statement, so `socket` is free to
            // send below; neither loses anything when dropped unfinished.
            let event = match self.held.take() {
                Some(frame) => match self.budget.admit(js_sys::Date::now()) {
                    Ok(()) => Event::Outgoing(frame),
                    Err(wait_ms) => {
                        self.held = Some(frame);
                        // Keep reading meanwhile: a socket that stops reading gets cut.
                        match select(socket.next(), TimeoutFuture::new(wait_ms)).await {
                            Either::Left((incoming, _)) => Event::Incoming(incoming),
                            Either::Right(_) => continue,
                        }
                    }
                },
                None => {
                    let silence = async {
                        match answer_by {
                            Some(at) => {
                                let left = (at - js_sys::Date::now()).max(0.0) as u32;
                                TimeoutFuture::new(left).await;
                            }
                            None => std::future::pending::<()>().await,
                        }
                    };
                    let next = select(socket.next(), self.frames.next());
                    match select(next, pin!(silence)).await {
                        Either::Left((Either::Left((incoming, _)), _)) => Event::Incoming(incoming),
                        Either::Left((Either::Right((Some(frame), _)), _)) => {
                            self.held = Some(frame);
                            continue;
                        }
                        // Dropping the socket closes it.
                        Either::Left((Either::Right((None, _)), _)) => return Ended::Stopped,
                        Either::Right(_) => {
                            leptos::logging::warn!("no answer from the server; reconnecting");
                            return Ended::Dropped { welcomed };
                        }
                    }
                }
            };
            match event {
                Event::Incoming(Some(Ok(Message::Text(text)))) => {
                    answer_by = None;
                    match decode::<ServerToAgent>(&text) {
                        Ok(frame) => {
                            if self.stopped() {
                                return Ended::Stopped;
                            }
                            if !welcomed && matches!(frame, ServerToAgent::Welcome { .. }) {
                                welcomed = true;
                                self.report(LinkStatus::Online);
                            }
                            (self.on_frame)(frame);
                        }
                        // A frame from a newer server we cannot read is no reason to drop
                        // a link that otherwise works.
                        Err(error) => leptos::logging::warn!("ignored a server frame: {error}"),
                    }
                }
                // The protocol is text only.
                Event::Incoming(Some(Ok(Message::Bytes(_)))) => {}
                // An error event is always followed by the close event; wait for that.
                Event::Incoming(Some(Err(WebSocketError::ConnectionError))) => {}
                Event::Incoming(Some(Err(_)) | None) => return Ended::Dropped { welcomed },
                Event::Outgoing(frame) => {
                    answer_by.get_or_insert(js_sys::Date::now() + f64::from(ANSWER_TIMEOUT_MS));
                    let text = encode(&frame);
                    if socket.send(Message::Text(text)).await.is_err() {
                        // Most likely never reached the server: try again on the next socket.
                        self.put_back(frame);
                        return Ended::Dropped { welcomed };
                    }
                }
            }
        }
    }
}

/// How long a socket may stay silent after the console sent something.
const ANSWER_TIMEOUT_MS: u32 = 10_000;

/// `ws://` or `wss://` to match the page, on the page's own host: the console is served
/// same-origin with the API, so the session cookie goes along.
fn agent_socket_url() -> String {
    let location = web_sys::window()
        .expect("the console runs in a browser window")
        .location();
    let scheme = match location.protocol().as_deref() {
        Ok("https:") => "wss",
        _ => "ws",
    };
    let host = location.host().unwrap_or_default();
    format!("{scheme}://{host}/ws/agent")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_with_jitter_up_to_the_cap() {
        assert_eq!(retry_delay_ms(0, 0.0), 250);
        assert_eq!(retry_delay_ms(0, 0.999_999), 499);
        assert_eq!(retry_delay_ms(1, 0.0), 500);
        assert_eq!(retry_delay_ms(3, 0.0), 2_000);
        assert_eq!(retry_delay_ms(5, 0.0), 5_000);
        assert_eq!(retry_delay_ms(40, 0.999_999), 9_999);
    }
}
