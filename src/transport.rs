//! The visitor's WebSocket to the server: connect, say hello, reconnect with backoff, and an
//! outbox that keeps what the visitor typed until the server has stored it. No view code: the
//! widget hears about everything through one `Event` callback.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::pin::pin;
use std::rc::Rc;

use futures::channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
use futures::future::{Either, select};
use futures::{SinkExt, StreamExt};
use gloo_net::websocket::Message;
use gloo_net::websocket::futures::WebSocket;
use gloo_timers::future::TimeoutFuture;
use pronto_protocol::chat::{Author, Conversation, ConversationState};
use pronto_protocol::ids::{ConversationId, SiteId};
use pronto_protocol::visitor::{ServerToVisitor, VisitorToServer};
use pronto_protocol::{ErrorCode, PROTOCOL_VERSION, decode, encode};

/// First reconnect delay; it doubles on every failed attempt up to `MAX_BACKOFF_MS`.
const FIRST_BACKOFF_MS: u32 = 500;
const MAX_BACKOFF_MS: u32 = 10_000;
/// A server that accepts the socket but never welcomes us is as good as down.
const WELCOME_TIMEOUT_MS: u32 = 15_000;

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
    Frame(ServerToVisitor),
    /// How many typed messages the server has not confirmed yet.
    Pending(usize),
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
    outbox: RefCell<Outbox>,
    /// Nudges the connection task to write the outbox.
    wake: UnboundedSender<()>,
    /// Taken by the connection task when it starts; `None` afterwards.
    woken: Cell<Option<UnboundedReceiver<()>>>,
    on_event: Box<dyn Fn(Event)>,
}

impl Transport {
    /// A transport for `url` (`ws(s)://host/ws/visitor`) that does nothing until `start`.
    pub fn new(
        url: String,
        site: SiteId,
        token: Option<String>,
        on_event: impl Fn(Event) + 'static,
    ) -> Self {
        let (wake, woken) = unbounded();
        Self {
            shared: Rc::new(Shared {
                url,
                site,
                token: RefCell::new(token),
                outbox: RefCell::new(Outbox::default()),
                wake,
                woken: Cell::new(Some(woken)),
                on_event: Box::new(on_event),
            }),
        }
    }

    /// Connects, and keeps reconnecting for the life of the page. Calling it again is harmless.
    pub fn start(&self) {
        if let Some(woken) = self.shared.woken.take() {
            leptos::task::spawn_local(run(Rc::clone(&self.shared), woken));
        }
    }

    /// Queues a chat message; it goes out as soon as the server has welcomed us, and is sent
    /// again after a reconnect unless the server shows it already stored it.
    pub fn send(&self, text: String) {
        let pending = {
            let mut outbox = self.shared.outbox.borrow_mut();
            outbox.push(text);
            outbox.len()
        };
        self.shared.emit(Event::Pending(pending));
        // Fails only once the task has ended for good (refused), when nothing can be sent.
        let _ = self.shared.wake.unbounded_send(());
    }
}

impl Shared {
    fn emit(&self, event: Event) {
        (self.on_event)(event);
    }

    /// Every frame from the server passes through here before the widget sees it.
    fn receive(&self, frame: ServerToVisitor) {
        let pending = {
            let mut outbox = self.outbox.borrow_mut();
            outbox.observe(&frame);
            outbox.len()
        };
        if let ServerToVisitor::Welcome { token, .. } = &frame {
            *self.token.borrow_mut() = Some(token.clone());
        }
        self.emit(Event::Frame(frame));
        self.emit(Event::Pending(pending));
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

async fn run(shared: Rc<Shared>, mut woken: UnboundedReceiver<()>) {
    let mut link = Link::Connecting;
    let mut failures: u32 = 0;
    loop {
        shared.emit(Event::Link(link));
        match connect(&shared, &mut woken).await {
            Ended::Refused => {
                shared.emit(Event::Link(Link::Refused));
                return;
            }
            Ended::LostAfterWelcome => failures = 0,
            Ended::Lost => {}
        }
        link = Link::Reconnecting;
        shared.emit(Event::Link(link));
        TimeoutFuture::new(backoff_ms(failures, js_sys::Math::random())).await;
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

/// One connection, from opening the socket until it is lost.
async fn connect(shared: &Shared, woken: &mut UnboundedReceiver<()>) -> Ended {
    let Ok(socket) = WebSocket::open(&shared.url) else {
        return Ended::Lost;
    };
    let (mut sink, mut stream) = socket.split();
    let hello = VisitorToServer::Hello {
        version: PROTOCOL_VERSION,
        site: shared.site.clone(),
        token: shared.token.borrow().clone(),
    };
    // Nothing else may go out before the welcome: it tells which of the outbox's messages
    // the server already has. The timeout covers the opening too: a connect that hangs
    // (a proxy swallowing the upgrade) must end in a retry like any other failure.
    let greeting = async {
        // Waits for the socket to open; on a socket that failed to open it "succeeds" and
        // the stream below reports the failure.
        if sink.send(Message::Text(encode(&hello))).await.is_err() {
            return Err(Ended::Lost);
        }
        while let Some(incoming) = stream.next().await {
            let text = match incoming {
                Ok(Message::Text(text)) => text,
                Ok(Message::Bytes(_)) => continue,
                Err(_) => return Err(Ended::Lost),
            };
            match decode::<ServerToVisitor>(&text) {
                Ok(frame @ ServerToVisitor::Welcome { .. }) => {
                    shared.receive(frame);
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
    shared.emit(Event::Link(Link::Open));

    loop {
        loop {
            let next = shared.outbox.borrow_mut().take_unwritten();
            let Some(text) = next else { break };
            let frame = encode(&VisitorToServer::Send { text });
            if sink.send(Message::Text(frame)).await.is_err() {
                return Ended::LostAfterWelcome;
            }
        }
        match select(stream.next(), woken.next()).await {
            Either::Left((Some(Ok(Message::Text(text))), _)) => {
                if let Ok(frame) = decode::<ServerToVisitor>(&text) {
                    shared.receive(frame);
                }
            }
            Either::Left((Some(Ok(Message::Bytes(_))), _)) => {}
            Either::Left((Some(Err(_)) | None, _)) => return Ended::LostAfterWelcome,
            // Something was queued: the top of the loop writes it.
            Either::Right((Some(()), _)) => {}
            Either::Right((None, _)) => return Ended::LostAfterWelcome,
        }
    }
}

/// Messages the visitor typed that the server has not confirmed storing yet, in order.
///
/// A message counts as stored when the server echoes it. A message written to a socket that
/// then died may or may not have been stored; the next welcome carries the conversation, and
/// only messages not found in it are sent again. The protocol has no client-side message id,
/// so "found" means: a visitor message with the same text, newer than what we had seen when
/// we wrote it, in the conversation it must have landed in.
#[derive(Default)]
struct Outbox {
    items: VecDeque<Outgoing>,
    place: Place,
}

struct Outgoing {
    text: String,
    /// Where the message was headed when it was written to a socket; `None` if not yet.
    written: Option<Place>,
}

/// Where a visitor message would land now, as far as the frames so far tell.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Place {
    /// The conversation the last welcome named.
    conversation: Option<ConversationId>,
    /// That conversation was closed (or there was none), so messages start a newer one,
    /// whose id we only learn from the next welcome.
    newer: bool,
    /// The last message seq seen where messages now land.
    seq: u32,
}

impl Outbox {
    fn push(&mut self, text: String) {
        self.items.push_back(Outgoing {
            text,
            written: None,
        });
    }

    fn len(&self) -> usize {
        self.items.len()
    }

    /// The next message to write, marked as written now.
    fn take_unwritten(&mut self) -> Option<String> {
        let place = self.place;
        let item = self.items.iter_mut().find(|item| item.written.is_none())?;
        item.written = Some(place);
        Some(item.text.clone())
    }

    fn observe(&mut self, frame: &ServerToVisitor) {
        match frame {
            ServerToVisitor::Welcome { conversation, .. } => {
                self.settle(conversation.as_ref());
                self.place = match conversation {
                    Some(c) if c.state != ConversationState::Closed => Place {
                        conversation: Some(c.id),
                        newer: false,
                        seq: c.messages.iter().map(|m| m.seq).max().unwrap_or(0),
                    },
                    Some(c) => Place {
                        conversation: Some(c.id),
                        newer: true,
                        seq: 0,
                    },
                    None => Place {
                        conversation: None,
                        newer: true,
                        seq: 0,
                    },
                };
            }
            ServerToVisitor::Message { message } => {
                self.place.seq = message.seq;
                if message.author == Author::Visitor {
                    let echoed = self
                        .items
                        .iter()
                        .position(|item| item.written.is_some() && item.text == message.text);
                    if let Some(index) = echoed {
                        self.items.remove(index);
                    }
                }
            }
            ServerToVisitor::Closed => {
                self.place.newer = true;
                self.place.seq = 0;
            }
            // The server refused the oldest message on the wire; sending it again would only
            // be refused again.
            ServerToVisitor::Error(error)
                if matches!(
                    error.code,
                    ErrorCode::MessageEmpty
                        | ErrorCode::MessageTooLong
                        | ErrorCode::FrameTooLarge
                        | ErrorCode::InvalidFrame
                        | ErrorCode::MalformedJson
                ) =>
            {
                if let Some(index) = self.items.iter().position(|item| item.written.is_some()) {
                    self.items.remove(index);
                }
            }
            ServerToVisitor::Queue { .. }
            | ServerToVisitor::Assigned { .. }
            | ServerToVisitor::Error(_) => {}
        }
    }

    /// After a reconnect: drops written messages the conversation shows were stored and marks
    /// the rest unwritten, so they go out again in their original order.
    fn settle(&mut self, conversation: Option<&Conversation>) {
        let mut claimed: Vec<u32> = Vec::new();
        self.items.retain(|item| {
            let (Some(place), Some(c)) = (item.written, conversation) else {
                return true;
            };
            let landed_here = if place.newer {
                place.conversation.is_none_or(|old| c.id > old)
            } else {
                place.conversation == Some(c.id)
            };
            if !landed_here {
                return true;
            }
            let stored = c.messages.iter().find(|m| {
                m.author == Author::Visitor
                    && m.seq > place.seq
                    && m.text == item.text
                    && !claimed.contains(&m.seq)
            });
            match stored {
                Some(m) => {
                    claimed.push(m.seq);
                    false
                }
                None => true,
            }
        });
        for item in &mut self.items {
            item.written = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pronto_protocol::ProtocolError;
    use pronto_protocol::chat::ChatMessage;
    use pronto_protocol::visitor::Shop;

    fn message(seq: u32, author: Author, text: &str) -> ChatMessage {
        ChatMessage {
            seq,
            author,
            text: text.into(),
            sent_at_ms: 0,
        }
    }

    fn welcome(conversation: Option<Conversation>) -> ServerToVisitor {
        ServerToVisitor::Welcome {
            token: "t".into(),
            shop: Shop {
                name: "Tienda".into(),
                greeting: String::new(),
            },
            conversation,
        }
    }

    fn conversation(id: i64, state: ConversationState, messages: Vec<ChatMessage>) -> Conversation {
        Conversation {
            id: ConversationId(id),
            state,
            messages,
        }
    }

    fn texts(outbox: &Outbox) -> Vec<&str> {
        outbox.items.iter().map(|i| i.text.as_str()).collect()
    }

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
    fn echo_confirms_a_written_message() {
        let mut outbox = Outbox::default();
        outbox.observe(&welcome(None));
        outbox.push("hola".into());
        // Not written yet: another tab's identical message must not confirm ours.
        outbox.observe(&ServerToVisitor::Message {
            message: message(1, Author::Visitor, "hola"),
        });
        assert_eq!(outbox.len(), 1);
        assert_eq!(outbox.take_unwritten().as_deref(), Some("hola"));
        assert_eq!(outbox.take_unwritten(), None);
        outbox.observe(&ServerToVisitor::Message {
            message: message(2, Author::Visitor, "hola"),
        });
        assert_eq!(outbox.len(), 0);
    }

    #[test]
    fn welcome_drops_what_was_stored_and_resends_the_rest() {
        let mut outbox = Outbox::default();
        let before = vec![message(1, Author::Visitor, "ok")];
        outbox.observe(&welcome(Some(conversation(
            4,
            ConversationState::Waiting,
            before.clone(),
        ))));
        outbox.push("ok".into());
        outbox.push("¿y el envío?".into());
        outbox.take_unwritten();
        outbox.take_unwritten();
        outbox.push("typed offline".into());

        // The first "ok" (seq 1) was there before we wrote; only seq 2 counts as ours.
        let mut after = before;
        after.push(message(2, Author::Visitor, "ok"));
        outbox.observe(&welcome(Some(conversation(
            4,
            ConversationState::Waiting,
            after,
        ))));
        assert_eq!(texts(&outbox), ["¿y el envío?", "typed offline"]);
        assert_eq!(outbox.take_unwritten().as_deref(), Some("¿y el envío?"));
    }

    #[test]
    fn a_message_that_should_start_a_conversation_is_found_in_the_new_one() {
        let mut outbox = Outbox::default();
        let closed = conversation(
            4,
            ConversationState::Closed,
            vec![message(1, Author::Visitor, "hi")],
        );
        outbox.observe(&welcome(Some(closed.clone())));
        outbox.push("hi".into());
        outbox.take_unwritten();

        // Not stored: the latest conversation is still the closed one.
        outbox.observe(&welcome(Some(closed)));
        assert_eq!(texts(&outbox), ["hi"]);
        outbox.take_unwritten();

        // Stored: a newer conversation holds it.
        let newer = conversation(
            9,
            ConversationState::Waiting,
            vec![message(1, Author::Visitor, "hi")],
        );
        outbox.observe(&welcome(Some(newer)));
        assert_eq!(outbox.len(), 0);
    }

    #[test]
    fn a_refused_message_is_not_sent_again() {
        let mut outbox = Outbox::default();
        outbox.observe(&welcome(None));
        outbox.push("x".into());
        outbox.push("y".into());
        outbox.take_unwritten();
        outbox.observe(&ServerToVisitor::Error(ProtocolError::new(
            ErrorCode::MessageTooLong,
            "too long",
        )));
        assert_eq!(texts(&outbox), ["y"]);
    }
}
