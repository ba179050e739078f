//! One task per WebSocket: read frames and hand them to the session, while a writer task
//! drains the socket's outbox. Shared by visitors' and agents' sockets.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::response::{IntoResponse, Response};

use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade, close_code};
use futures::stream::SplitSink;
use futures::{SinkExt, StreamExt};
use pronto_protocol::limits::{FRAMES_PER_SECOND, RATE_STRIKES_BEFORE_CLOSE};
use pronto_protocol::{ErrorCode, ProtocolError, decode_frame};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use crate::app::AppState;
use crate::error::AppResult;
use crate::hub::Outbox;
use crate::limits::FrameBudget;
use crate::operations::{Metrics, Side};

/// How long a connection that broke the protocol gets to receive the reason before it is cut.
const CLOSING_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// The largest WebSocket message the transport accepts at all. Frames between this and
/// `MAX_FRAME_BYTES` reach the decoder and get a typed `frame_too_large` answer.
pub const TRANSPORT_MAX_BYTES: usize = 64 * 1024;

/// What the transport reads into at once. Frames from people are small, and the buffer is
/// allocated for every open socket, idle or not: the default 128 KiB would make an idle
/// visitor cost more than everything else about them.
const READ_BUFFER_BYTES: usize = 1024;

/// Admits one more socket from `peer` (or answers why not), and once the connection is a
/// WebSocket, runs the session `start` makes for it until it ends.
pub fn accept<S: Session>(
    app: AppState,
    peer: SocketAddr,
    ws: WebSocketUpgrade,
    start: impl FnOnce(AppState, Outbox<S::Outgoing>) -> S + Send + 'static,
) -> Response {
    let slot = match app.admit(peer) {
        Ok(slot) => slot,
        Err(refusal) => return refusal.into_response(),
    };
    ws.max_message_size(TRANSPORT_MAX_BYTES)
        .read_buffer_size(READ_BUFFER_BYTES)
        // Each frame is written out as soon as it is sent; nothing is held back to batch.
        .write_buffer_size(0)
        .on_upgrade(move |ws| async move {
            // Held while the socket is open.
            let _slot = slot;
            let metrics = app.metrics.clone();
            let _counted = metrics.socket_opened(S::SIDE);
            let (outbox, outgoing) = Outbox::new();
            let (shutdown, ping_every) = (app.shutdown.clone(), app.ping_every);
            let session = start(app, outbox);
            run(ws, session, outgoing, shutdown, ping_every, &metrics).await;
        })
}

/// What the person on the other end of a socket can do.
pub trait Session: Send + 'static {
    /// Who is on the other end, for the operators' metrics.
    const SIDE: Side;
    type Incoming: DeserializeOwned + Send;
    type Outgoing: Serialize + Send + 'static;

    fn error_frame(error: ProtocolError) -> Self::Outgoing;
    /// The refusal of one frame; for a message, one that names it so the client can retry.
    fn refusal(_frame: Self::Incoming, error: ProtocolError) -> Self::Outgoing {
        Self::error_frame(error)
    }
    fn outbox(&self) -> &Outbox<Self::Outgoing>;
    fn on_frame(&mut self, frame: Self::Incoming) -> impl Future<Output = AppResult<()>> + Send;
    /// The socket is gone: leave the hub.
    fn on_leave(&mut self);
}

/// Runs a socket until the client leaves, the server shuts down, the hub kicks it, or it
/// goes silent: nothing heard from it, not even the answer to a ping, for two `ping_every`.
/// (A peer that vanished — a laptop asleep, a phone out of coverage — sends no goodbye, and
/// TCP may take many minutes to notice; meanwhile an agent would count as online and be
/// handed visitors, and a visitor as there to read replies that should go by e-mail.)
async fn run<S: Session>(
    socket: WebSocket,
    mut session: S,
    outgoing: mpsc::Receiver<Utf8Bytes>,
    shutdown: CancellationToken,
    ping_every: Duration,
    metrics: &Metrics,
) {
    let (sink, mut stream) = socket.split();
    let kick = session.outbox().kick.clone();
    let mut writer = tokio::spawn(write(sink, outgoing, shutdown, kick, ping_every));
    let mut budget = FrameBudget::default();
    let mut strikes = 0;
    let mut heard = Instant::now();
    let mut check = tokio::time::interval_at(heard + ping_every, ping_every);
    check.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            // What the peer sent first: an answer to a ping that waited while a frame was
            // handled must count before the silence is judged.
            biased;
            incoming = stream.next() => match incoming {
                Some(Ok(message @ (Message::Text(_) | Message::Binary(_)))) => {
                    heard = Instant::now();
                    if budget.admit() {
                        strikes = 0;
                        let arrived = std::time::Instant::now();
                        handle(&mut session, message).await;
                        metrics.frame_handled(S::SIDE, arrived.elapsed());
                        // Handling may have taken a while; the peer was heard all along.
                        heard = Instant::now();
                    } else {
                        strikes += 1;
                        slow_down(&session, message, strikes);
                    }
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => heard = Instant::now(),
                Some(Ok(Message::Close(_))) | None => break,
                Some(Err(error)) => {
                    // Invalid UTF-8 in a text frame, a bad opcode, a message over the
                    // transport's limit: say so, then hang up, as the socket can't go on.
                    tracing::debug!(%error, "socket broke the protocol");
                    session.outbox().deliver_and_close(S::error_frame(ProtocolError::new(
                        ErrorCode::ProtocolViolation,
                        format!("the connection broke the WebSocket protocol: {error}"),
                    )));
                    let _ = tokio::time::timeout(CLOSING_GRACE, &mut writer).await;
                    break;
                }
            },
            _ = check.tick() => if heard.elapsed() >= 2 * ping_every {
                tracing::info!(side = ?S::SIDE, "socket silent for two pings: closed");
                break;
            },
            _ = &mut writer => break,
        }
    }
    session.on_leave();
    writer.abort();
}

async fn handle<S: Session>(session: &mut S, message: Message) {
    let Message::Text(text) = message else {
        reply(
            session,
            ProtocolError::new(ErrorCode::BinaryFrame, "frames are JSON text"),
        );
        return;
    };
    match decode_frame::<S::Incoming>(text.as_str()) {
        Ok(frame) => {
            // Boxed: handling a frame (queries and all) takes far more memory than waiting for
            // one, and an idle socket should only hold the latter.
            if let Err(error) = Box::pin(session.on_frame(frame)).await {
                reply(session, error.to_client());
            }
        }
        Err(refusal) => reply(session, refusal),
    }
}

/// Refuses a frame that came too fast; closes a connection that keeps going.
fn slow_down<S: Session>(session: &S, message: Message, strikes: u32) {
    let error = ProtocolError::new(
        ErrorCode::RateLimited,
        format!("at most {FRAMES_PER_SECOND} frames a second; slow down"),
    );
    if strikes >= RATE_STRIKES_BEFORE_CLOSE {
        tracing::warn!(strikes, "closing a connection that keeps flooding");
        session.outbox().deliver_and_close(S::error_frame(error));
        return;
    }
    let frame = match &message {
        Message::Text(text) => decode_frame::<S::Incoming>(text.as_str()).ok(),
        _ => None,
    };
    session.outbox().deliver(match frame {
        Some(frame) => S::refusal(frame, error),
        None => S::error_frame(error),
    });
}

fn reply<S: Session>(session: &S, refusal: ProtocolError) {
    // Through the outbox like every other frame, so a client that floods bad frames and
    // never reads is still a slow reader.
    session.outbox().deliver(S::error_frame(refusal));
}

async fn write(
    mut sink: SplitSink<WebSocket, Message>,
    mut frames: mpsc::Receiver<Utf8Bytes>,
    shutdown: CancellationToken,
    kick: CancellationToken,
    ping_every: Duration,
) {
    let mut ping = tokio::time::interval_at(Instant::now() + ping_every, ping_every);
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        let message = tokio::select! {
            biased;
            // A ping before frames: however busy the socket, the peer gets its chance to
            // answer within each round (see `run`).
            _ = ping.tick() => Message::Ping(Bytes::new()),
            // Frames before a kick: an error frame queued just before it still goes out.
            frame = frames.recv() => match frame {
                Some(frame) => Message::Text(frame),
                None => return,
            },
            () = shutdown.cancelled() => {
                close(&mut sink, close_code::AWAY, "server restarting").await;
                return;
            }
            () = kick.cancelled() => {
                close(&mut sink, close_code::POLICY, "not reading fast enough").await;
                return;
            }
        };
        tokio::select! {
            // The send first: a frame queued before a kick (a refusal) still goes out, unless
            // the peer is not reading at all, in which case the kick wins.
            biased;
            sent = sink.send(message) => if sent.is_err() { return },
            // A peer that stopped reading blocks `send`; the kick must still get through.
            () = kick.cancelled() => return,
            () = shutdown.cancelled() => return,
        }
    }
}

async fn close(sink: &mut SplitSink<WebSocket, Message>, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = sink.send(Message::Close(Some(frame))).await;
}
