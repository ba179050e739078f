//! The operators' view: `/healthz` (the process answers), `/readyz` (it can serve: the
//! database answers and it is not shutting down) and `/metrics` in Prometheus's text format.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use crate::app::AppState;

/// How long `/readyz` waits for the database before saying it is not ready.
const READY_PATIENCE: Duration = Duration::from_secs(2);

/// Upper bounds of the frame-handling histogram, in seconds: a frame is a query or two.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
}

/// Who is on the other end of a socket, for the metrics' labels.
#[derive(Clone, Copy, Debug)]
pub enum Side {
    Visitor,
    Agent,
}

impl Side {
    fn label(self) -> &'static str {
        match self {
            Side::Visitor => "visitor",
            Side::Agent => "agent",
        }
    }
}

/// What this server counts, lock-free: every socket and frame updates it.
#[derive(Default)]
pub struct Metrics {
    sockets: [AtomicU64; 2],
    frames: [AtomicU64; 2],
    messages: [AtomicU64; 2],
    /// Per side: a count per bucket of `BUCKETS` (not cumulative; summed when written),
    /// then the count above the last bucket.
    handled: [[AtomicU64; BUCKETS.len() + 1]; 2],
    /// Per side: the sum of handling times, in microseconds.
    handled_micros: [AtomicU64; 2],
}

impl Metrics {
    /// A socket opened; the returned guard counts it closed when dropped.
    pub fn socket_opened(&self, side: Side) -> SocketCount<'_> {
        self.sockets[side as usize].fetch_add(1, Ordering::Relaxed);
        SocketCount(&self.sockets[side as usize])
    }

    /// A frame from `side` was handled in `took`.
    pub fn frame_handled(&self, side: Side, took: Duration) {
        let side = side as usize;
        self.frames[side].fetch_add(1, Ordering::Relaxed);
        let secs = took.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|&bound| secs <= bound)
            .unwrap_or(BUCKETS.len());
        self.handled[side][bucket].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.handled_micros[side].fetch_add(micros, Ordering::Relaxed);
    }

    /// A chat message from `side` was stored.
    pub fn message_stored(&self, side: Side) {
        self.messages[side as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// The metrics in Prometheus's text exposition format, with the queue's length.
    fn write(&self, waiting: i64) -> String {
        let mut out = String::new();
        let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        let sides = [Side::Visitor, Side::Agent];
        let per_side =
            |out: &mut String, name: &str, kind: &str, help: &str, of: &[AtomicU64; 2]| {
                let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
                for side in sides {
                    let n = get(&of[side as usize]);
                    let _ = writeln!(out, "{name}{{side=\"{}\"}} {n}", side.label());
                }
            };
        per_side(
            &mut out,
            "pronto_sockets",
            "gauge",
            "Open WebSockets on this server.",
            &self.sockets,
        );
        per_side(
            &mut out,
            "pronto_frames_total",
            "counter",
            "Frames received and handled on this server.",
            &self.frames,
        );
        per_side(
            &mut out,
            "pronto_messages_total",
            "counter",
            "Chat messages stored by this server.",
            &self.messages,
        );
        out.push_str(
            "# HELP pronto_frame_seconds Time from a frame's arrival to its handling's end.\n",
        );
        out.push_str("# TYPE pronto_frame_seconds histogram\n");
        for side in sides {
            let label = side.label();
            let counts = &self.handled[side as usize];
            let mut cumulative = 0;
            for (bound, count) in BUCKETS.iter().zip(counts) {
                cumulative += get(count);
                let _ = writeln!(
                    out,
                    "pronto_frame_seconds_bucket{{side=\"{label}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            cumulative += get(&counts[BUCKETS.len()]);
            let _ = writeln!(
                out,
                "pronto_frame_seconds_bucket{{side=\"{label}\",le=\"+Inf\"}} {cumulative}"
            );
            let sum = get(&self.handled_micros[side as usize]) as f64 / 1e6;
            let _ = writeln!(out, "pronto_frame_seconds_sum{{side=\"{label}\"}} {sum}");
            let _ = writeln!(
                out,
                "pronto_frame_seconds_count{{side=\"{label}\"}} {cumulative}"
            );
        }
        out.push_str(
            "# HELP pronto_queue_waiting Conversations waiting for an agent, every site (the \
             shared database's count: the same from every server).\n",
        );
        out.push_str("# TYPE pronto_queue_waiting gauge\n");
        let _ = writeln!(out, "pronto_queue_waiting {waiting}");
        out
    }
}

/// One open socket in `Metrics`; counts it closed when dropped.
pub struct SocketCount<'a>(&'a AtomicU64);

impl Drop for SocketCount<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

async fn ready(State(app): State<AppState>) -> impl IntoResponse {
    if app.shutdown.is_cancelled() {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n");
    }
    match tokio::time::timeout(READY_PATIENCE, app.store.ping()).await {
        Ok(Ok(_)) => (StatusCode::OK, "ready\n"),
        Ok(Err(error)) => {
            tracing::warn!(%error, "not ready: the database refused");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
        Err(_) => {
            tracing::warn!("not ready: the database did not answer in time");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
    }
}

async fn metrics(State(app): State<AppState>) -> impl IntoResponse {
    // Without the database the rest is still worth reading: the queue shows as -1.
    let waiting = match app.store.waiting_everywhere().await {
        Ok(waiting) => waiting,
        Err(error) => {
            tracing::warn!(%error, "metrics without the queue's length");
            -1
        }
    };
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        app.metrics.write(waiting),
    )
}
