//! Idle visitors: open ever more visitor sockets that say hello and then wait, and read the
//! server's memory at each step — what an open but quiet storefront tab costs the server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use pronto_protocol::visitor::ServerToVisitor;
use serde::Serialize;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

use crate::net;
use crate::stats::{progress, sample_all};

#[derive(Clone, Debug)]
pub struct IdleConfig {
    pub server: SocketAddr,
    /// The server's process, for its memory; without it memory is reported as zero.
    pub pids: Vec<u32>,
    /// Total open sockets at each step, ascending.
    pub steps: Vec<usize>,
    /// Handshakes in flight at once.
    pub concurrency: usize,
    /// Pause after each step before reading memory, for the server's allocator to settle.
    pub settle: Duration,
    /// Third octet of the loopback source addresses (see [`net::source_address`]).
    pub source_block: u8,
}

#[derive(Clone, Debug, Serialize)]
pub struct IdleStep {
    pub connections: usize,
    pub rss_bytes: u64,
    /// (RSS at this step − RSS before any socket) / connections.
    pub bytes_per_connection: u64,
    /// Seconds to open this step's new sockets, and how many per second that is.
    pub open_secs: f64,
    pub opened_per_s: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct IdleResult {
    pub baseline_rss_bytes: u64,
    pub steps: Vec<IdleStep>,
    /// The largest step held, and the memory per socket there.
    pub connections: usize,
    pub bytes_per_connection: u64,
    /// Sockets the server closed while they were meant to stay open.
    pub dropped: usize,
}

pub async fn run(config: &IdleConfig) -> Result<IdleResult> {
    let baseline = sample_all(&config.pids)?;
    let dropped = Arc::new(AtomicUsize::new(0));
    let handshakes = Arc::new(Semaphore::new(config.concurrency.max(1)));
    // Dropping the set at the end aborts every holder and so closes every socket.
    let mut holders = JoinSet::new();
    let mut steps = Vec::new();
    let mut open = 0;
    for &target in &config.steps {
        if target <= open {
            continue;
        }
        let started = Instant::now();
        let (ready_tx, mut ready_rx) = mpsc::unbounded_channel();
        for index in open..target {
            let source = net::source_address(config.source_block, index);
            let server = config.server;
            let handshakes = handshakes.clone();
            let ready = ready_tx.clone();
            let dropped = dropped.clone();
            holders.spawn(async move {
                let permit = handshakes.acquire_owned().await;
                let opened = net::visitor(server, source).await;
                drop(permit);
                let mut ws = match opened {
                    Ok(ws) => {
                        let _ = ready.send(Ok(()));
                        ws
                    }
                    Err(err) => {
                        let _ = ready.send(Err(err));
                        return;
                    }
                };
                drop(ready);
                // Hold the socket, reading whatever comes, until the server closes it.
                while let Ok(Some(_)) = net::next_frame::<ServerToVisitor>(&mut ws).await {}
                dropped.fetch_add(1, Ordering::Relaxed);
            });
        }
        drop(ready_tx);
        let mut failures = Vec::new();
        while let Some(result) = ready_rx.recv().await {
            if let Err(err) = result {
                failures.push(err);
            }
        }
        if let Some(first) = failures.into_iter().next() {
            bail!("opening {target} idle visitors: {first:#}");
        }
        let open_secs = started.elapsed().as_secs_f64();
        let new = target - open;
        open = target;
        tokio::time::sleep(config.settle).await;
        let rss = sample_all(&config.pids)?.rss_bytes;
        let per = rss.saturating_sub(baseline.rss_bytes) / open as u64;
        progress(format_args!(
            "{open} idle visitors: server RSS {:.1} MiB, {per} B per socket, opened in {open_secs:.1}s",
            rss as f64 / 1048576.0
        ));
        steps.push(IdleStep {
            connections: open,
            rss_bytes: rss,
            bytes_per_connection: per,
            open_secs,
            opened_per_s: new as f64 / open_secs.max(1e-9),
        });
    }
    let dropped = dropped.load(Ordering::Relaxed);
    holders.shutdown().await;
    let last = steps.last().cloned();
    Ok(IdleResult {
        baseline_rss_bytes: baseline.rss_bytes,
        connections: last.as_ref().map_or(0, |s| s.connections),
        bytes_per_connection: last.as_ref().map_or(0, |s| s.bytes_per_connection),
        steps,
        dropped,
    })
}
