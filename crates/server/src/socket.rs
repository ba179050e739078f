//! One task per WebSocket: read frames and hand them to the session, while a writer task
//! drains the socket's outbox. Shared by visitors' and agents' sockets.

use std::future::Future;

use axum::extract::ws::{CloseFrame, Message, WebSocket, close_code};
use futures::stream::SplitSink;
use futures::{SinkExt, StreamExt};
use pronto_protocol::{ErrorCode, ProtocolError, decode, encode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::error::AppResult;
use crate::hub::{OUTBOX_FRAMES, Outbox};

/// The largest WebSocket message the transport accepts at all. Frames between this and
/// `MAX_FRAME_BYTES` reach the decoder and get a typed `frame_too_large` answer.
pub const TRANSPORT_MAX_BYTES: usize = 64 * 1024;

/// What the person on the other end of a socket can do.
pub trait Session: Send + 'static {
    type Incoming: DeserializeOwned + Send;
    type Outgoing: Serialize + Send + 'static;

    fn error_frame(error: ProtocolError) -> Self::Outgoing;
    fn outbox(&self) -> &Outbox<Self::Outgoing>;
    fn on_frame(&mut self, frame: Self::Incoming) -> impl Future<Output = AppResult<()>> + Send;
    /// The socket is gone: leave the hub.
    fn on_leave(&mut self);
}

/// A fresh outbox for a new socket.
pub fn outbox<T>() -> (Outbox<T>, mpsc::Receiver<T>) {
    let (frames, receiver) = mpsc::channel(OUTBOX_FRAMES);
    let outbox = Outbox {
        frames,
        kick: CancellationToken::new(),
    };
    (outbox, receiver)
}

/// Runs a socket until the client leaves, the server shuts down, or the hub kicks it.
pub async fn run<S: Session>(
    socket: WebSocket,
    mut session: S,
    outgoing: mpsc::Receiver<S::Outgoing>,
    shutdown: CancellationToken,
) {
    let (sink, mut stream) = socket.split();
    let kick = session.outbox().kick.clone();
    let mut writer = tokio::spawn(write(sink, outgoing, shutdown, kick));
    loop {
        tokio::select! {
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    let refusal = match decode::<S::Incoming>(text.as_str()) {
                        Ok(frame) => session.on_frame(frame).await.err().map(|e| e.to_client()),
                        Err(refusal) => Some(refusal),
                    };
                    if let Some(refusal) = refusal {
                        reply(&session, refusal);
                    }
                }
                Some(Ok(Message::Binary(_))) => reply(
                    &session,
                    ProtocolError::new(ErrorCode::BinaryFrame, "frames are JSON text"),
                ),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(Message::Close(_))) | None => break,
                Some(Err(error)) => {
                    tracing::debug!(%error, "socket read failed");
                    break;
                }
            },
            _ = &mut writer => break,
        }
    }
    session.on_leave();
    writer.abort();
}

fn reply<S: Session>(session: &S, refusal: ProtocolError) {
    // Through the outbox like every other frame, so a client that floods bad frames and
    // never reads is still a slow reader.
    session.outbox().deliver(S::error_frame(refusal));
}

async fn write<T: Serialize>(
    mut sink: SplitSink<WebSocket, Message>,
    mut frames: mpsc::Receiver<T>,
    shutdown: CancellationToken,
    kick: CancellationToken,
) {
    loop {
        let frame = tokio::select! {
            frame = frames.recv() => match frame {
                Some(frame) => frame,
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
        let text = encode(&frame);
        tokio::select! {
            sent = sink.send(Message::Text(text.into())) => if sent.is_err() { return },
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
