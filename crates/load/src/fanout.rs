//! Queue fan-out: a long line of waiting visitors and one agent taking from its head at a
//! steady pace. For each take, how long until every visitor still waiting has been told
//! their new place — what "your place in line" costs when the line is long.
//!
//! The server coalesces announcements (at most one a second per visitor), so one update can
//! cover several takes: what counts is each visitor's latest position. Take `k` is done when
//! every visitor who started at a place after `k` is at `start − k` or better — and being
//! taken is better than any place: a visitor taken before hearing "#1" heard every take
//! before their own.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use pronto_protocol::agent::{AgentToServer, ServerToAgent};
use pronto_protocol::ids::ClientMessageId;
use pronto_protocol::visitor::{ServerToVisitor, VisitorToServer};
use serde::Serialize;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

use crate::net::{self, Ws};
use crate::stats::{Latencies, LatencySummary, now_us, progress, sample_all};
use crate::{DEMO_AGENT_EMAIL, DEMO_PASSWORD};

#[derive(Clone, Debug)]
pub struct FanoutConfig {
    pub server: SocketAddr,
    /// The server's process, for its CPU time; may be empty.
    pub pids: Vec<u32>,
    /// Visitors waiting in line when the takes begin.
    pub waiting: usize,
    /// Conversations the agent takes, one every `take_interval`.
    pub takes: usize,
    pub take_interval: Duration,
    /// How long the line may take to form (every visitor told a place), and how long the
    /// last take may take to reach everyone, before the scenario fails.
    pub settle_timeout: Duration,
    /// Handshakes in flight at once.
    pub concurrency: usize,
    /// Third octet of the loopback source addresses (see [`net::source_address`]).
    pub source_block: u8,
}

#[derive(Clone, Debug, Serialize)]
pub struct FanoutResult {
    pub waiting: usize,
    pub takes: usize,
    /// Conversations the agent was given.
    pub taken: usize,
    /// Takes whose new positions reached every remaining visitor. A take that hands out
    /// someone other than the head of the line never completes by this measure (the one
    /// expected to leave is still waiting), so fewer than `takes` flags that too.
    pub takes_completed: usize,
    /// From sending `take_next` to the last remaining visitor knowing their new place.
    pub take_to_all_told: LatencySummary,
    /// From sending `take_next` to the agent having the conversation.
    pub take_to_agent: LatencySummary,
    /// Queue frames visitors received during the takes, in all and per take.
    pub queue_frames: u64,
    pub frames_per_take: f64,
    pub setup_secs: f64,
    pub server_cpu_secs: f64,
    /// Every visitor ended at the right place (start − takes), or was assigned if at the head.
    pub positions_correct: bool,
    pub errors: Vec<String>,
}

/// What the visitors' tasks and the measuring task share, one slot per visitor or per take.
struct Shared {
    /// Each visitor's latest position (0 until told one).
    positions: Vec<AtomicU32>,
    assigned: Vec<AtomicBool>,
    /// Each visitor's position when the takes began; set once before `measuring`.
    starts: OnceLock<Vec<u32>>,
    /// For take `k` (index `k`, 1-based): how many visitors still waiting after it must hear
    /// of it, how many have, when it was sent and when the last one heard.
    targets: OnceLock<Vec<usize>>,
    reached: Vec<AtomicUsize>,
    sent_at: Vec<AtomicU64>,
    done_at: Vec<AtomicU64>,
    measuring: AtomicBool,
    queue_frames: AtomicU64,
    errors: Mutex<Vec<String>>,
}

impl Shared {
    fn error(&self, what: String) {
        let mut errors = self.errors.lock().unwrap_or_else(|p| p.into_inner());
        if errors.len() < 10 {
            progress(format_args!("error: {what}"));
            errors.push(what);
        }
    }

    /// Visitor `index` was told `position`; `counted` is how many takes it has been counted
    /// for so far. Counts it for each take the new position reflects.
    fn told(&self, index: usize, position: u32, counted: &mut usize) {
        self.positions[index].store(position, Ordering::SeqCst);
        if !self.measuring.load(Ordering::SeqCst) {
            return;
        }
        self.queue_frames.fetch_add(1, Ordering::Relaxed);
        self.moved_up(index, position, counted);
    }

    /// Visitor `index` was taken: they have moved past every take before their own.
    fn taken(&self, index: usize, counted: &mut usize) {
        self.assigned[index].store(true, Ordering::SeqCst);
        if self.measuring.load(Ordering::SeqCst) {
            self.moved_up(index, 1, counted);
        }
    }

    /// Counts visitor `index`, now at `position` or better, for each take that reflects.
    fn moved_up(&self, index: usize, position: u32, counted: &mut usize) {
        let (Some(starts), Some(targets)) = (self.starts.get(), self.targets.get()) else {
            return;
        };
        let start = starts[index] as usize;
        let reflected = start.saturating_sub(position as usize);
        // Take `start` is this visitor's own: they leave the line then and are not waited for.
        let last = reflected
            .min(start.saturating_sub(1))
            .min(targets.len() - 1);
        for (take, &target) in targets.iter().enumerate().take(last + 1).skip(*counted + 1) {
            let before = self.reached[take].fetch_add(1, Ordering::SeqCst);
            if before + 1 == target {
                self.done_at[take].store(now_us(), Ordering::SeqCst);
            }
        }
        *counted = (*counted).max(last);
    }
}

pub async fn run(config: &FanoutConfig) -> Result<FanoutResult> {
    if config.takes >= config.waiting {
        bail!("take fewer conversations than there are visitors waiting");
    }
    let setup_started = Instant::now();
    let shared = Arc::new(Shared {
        positions: (0..config.waiting).map(|_| AtomicU32::new(0)).collect(),
        assigned: (0..config.waiting)
            .map(|_| AtomicBool::new(false))
            .collect(),
        starts: OnceLock::new(),
        targets: OnceLock::new(),
        reached: (0..=config.takes).map(|_| AtomicUsize::new(0)).collect(),
        sent_at: (0..=config.takes).map(|_| AtomicU64::new(0)).collect(),
        done_at: (0..=config.takes).map(|_| AtomicU64::new(0)).collect(),
        measuring: AtomicBool::new(false),
        queue_frames: AtomicU64::new(0),
        errors: Mutex::new(Vec::new()),
    });

    // The line forms: every visitor says hello and sends a first message.
    let handshakes = Arc::new(Semaphore::new(config.concurrency.max(1)));
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel();
    let mut visitors = JoinSet::new();
    for index in 0..config.waiting {
        visitors.spawn(visitor_task(
            index,
            config.server,
            net::source_address(config.source_block, index),
            handshakes.clone(),
            shared.clone(),
            ready_tx.clone(),
        ));
    }
    drop(ready_tx);
    while let Some(ready) = ready_rx.recv().await {
        ready.context("a visitor joining the line")?;
    }
    let starts = wait_for_line(config, &shared).await?;
    let setup_secs = setup_started.elapsed().as_secs_f64();
    progress(format_args!(
        "{} visitors in line, each told their place (in {setup_secs:.1}s)",
        config.waiting
    ));

    // Who must hear of take k: everyone who started behind place k.
    let mut behind = vec![0usize; config.waiting + 2];
    for &start in &starts {
        behind[start as usize] += 1;
    }
    let mut targets = vec![0usize; config.takes + 1];
    let mut remaining = config.waiting;
    for (take, target) in targets.iter_mut().enumerate().skip(1) {
        remaining -= behind[take];
        *target = remaining;
    }
    let _ = shared.targets.set(targets);
    let _ = shared.starts.set(starts);
    shared.measuring.store(true, Ordering::SeqCst);

    let console = net::Console::new(config.server)?;
    let cookie = console.sign_in(DEMO_AGENT_EMAIL, DEMO_PASSWORD).await?;
    let mut agent = net::agent(
        config.server,
        net::source_address(config.source_block, config.waiting),
        &cookie,
    )
    .await?;
    let cpu_before = sample_all(&config.pids)?;
    let (taken, take_to_agent) = take_at_pace(config, &shared, &mut agent).await?;
    let cpu_after = sample_all(&config.pids)?;
    // Late frames (a coalesced last update) still count; then read the final places.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut told = Latencies::default();
    let mut completed = 0;
    for take in 1..=config.takes {
        let sent = shared.sent_at[take].load(Ordering::SeqCst);
        let done = shared.done_at[take].load(Ordering::SeqCst);
        if done != 0 {
            completed += 1;
            told.record(done.saturating_sub(sent));
        }
    }
    let positions_correct = final_places_correct(config, &shared);
    let queue_frames = shared.queue_frames.load(Ordering::Relaxed);
    visitors.shutdown().await;
    let errors = shared
        .errors
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let result = FanoutResult {
        waiting: config.waiting,
        takes: config.takes,
        taken,
        takes_completed: completed,
        take_to_all_told: told.summary(),
        take_to_agent: take_to_agent.summary(),
        queue_frames,
        frames_per_take: queue_frames as f64 / config.takes.max(1) as f64,
        setup_secs,
        server_cpu_secs: (cpu_after.cpu_secs - cpu_before.cpu_secs).max(0.0),
        positions_correct,
        errors,
    };
    progress(format_args!(
        "{} takes from {} waiting: all told p50 {:.1} ms, p99 {:.1} ms; {:.0} frames per take; places {}",
        result.takes,
        result.waiting,
        result.take_to_all_told.p50_ms,
        result.take_to_all_told.p99_ms,
        result.frames_per_take,
        if positions_correct {
            "correct"
        } else {
            "WRONG"
        },
    ));
    Ok(result)
}

/// Waits until every visitor has a place and the places are exactly 1..=N; returns them.
async fn wait_for_line(config: &FanoutConfig, shared: &Shared) -> Result<Vec<u32>> {
    let deadline = Instant::now() + config.settle_timeout;
    loop {
        let places: Vec<u32> = shared
            .positions
            .iter()
            .map(|p| p.load(Ordering::SeqCst))
            .collect();
        let mut seen = vec![false; config.waiting + 1];
        let mut complete = true;
        for &place in &places {
            match seen.get_mut(place as usize) {
                Some(slot) if place != 0 && !*slot => *slot = true,
                _ => complete = false,
            }
        }
        if complete {
            return Ok(places);
        }
        if Instant::now() > deadline {
            let told = places.iter().filter(|&&p| p != 0).count();
            bail!(
                "after {:?}, {told} of {} visitors know a place, and the places are not 1..={}",
                config.settle_timeout,
                config.waiting,
                config.waiting
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Sends `take_next` every `take_interval` and reads the agent's socket until every take
/// has reached every visitor (or the time is up). Returns the conversations taken and the
/// time from each take to the agent's copy of the conversation.
async fn take_at_pace(
    config: &FanoutConfig,
    shared: &Shared,
    agent: &mut Ws,
) -> Result<(usize, Latencies)> {
    let mut ticker = tokio::time::interval(config.take_interval);
    let mut check = tokio::time::interval(Duration::from_millis(10));
    let mut sent = 0;
    let mut taken = 0;
    let mut to_agent = Latencies::default();
    let mut last_sent_at = Instant::now();
    loop {
        tokio::select! {
            _ = ticker.tick(), if sent < config.takes => {
                sent += 1;
                shared.sent_at[sent].store(now_us(), Ordering::SeqCst);
                net::send(agent, &AgentToServer::TakeNext).await?;
                last_sent_at = Instant::now();
            }
            frame = net::next_frame::<ServerToAgent>(agent) => match frame? {
                Some(ServerToAgent::Conversation { .. }) => {
                    taken += 1;
                    let sent_us = shared.sent_at[taken.min(config.takes)].load(Ordering::SeqCst);
                    to_agent.record(now_us().saturating_sub(sent_us));
                }
                Some(ServerToAgent::Error(error)) => shared.error(format!("take_next: {error}")),
                Some(_) => {}
                None => bail!("the server closed the agent's socket"),
            },
            _ = check.tick(), if sent == config.takes => {
                let all_told = shared.done_at[config.takes].load(Ordering::SeqCst) != 0;
                if (all_told && taken == config.takes) || last_sent_at.elapsed() > config.settle_timeout {
                    return Ok((taken, to_agent));
                }
            }
        }
    }
}

/// Whether each visitor ended where it should: assigned if it was among the first `takes`,
/// otherwise `takes` places further forward than it started.
fn final_places_correct(config: &FanoutConfig, shared: &Shared) -> bool {
    let starts = shared.starts.get().expect("set before the takes");
    let takes = u32::try_from(config.takes).unwrap_or(u32::MAX);
    let mut correct = true;
    for (index, &start) in starts.iter().enumerate() {
        let ok = if start <= takes {
            shared.assigned[index].load(Ordering::SeqCst)
        } else {
            shared.positions[index].load(Ordering::SeqCst) == start - takes
        };
        if !ok && correct {
            shared.error(format!(
                "visitor {index} started at {start} and ended at {} (assigned: {})",
                shared.positions[index].load(Ordering::SeqCst),
                shared.assigned[index].load(Ordering::SeqCst)
            ));
        }
        correct &= ok;
    }
    correct
}

/// One waiting visitor: hello, a first message, then it notes every place it is told.
async fn visitor_task(
    index: usize,
    server: SocketAddr,
    source: std::net::Ipv4Addr,
    handshakes: Arc<Semaphore>,
    shared: Arc<Shared>,
    ready: mpsc::UnboundedSender<Result<()>>,
) {
    let joined = join_line(index, server, source);
    let Some(mut ws) = net::open_and_report(index, &handshakes, ready, joined).await else {
        return;
    };
    let mut counted = 0;
    loop {
        match net::next_frame::<ServerToVisitor>(&mut ws).await {
            Ok(Some(ServerToVisitor::Queue { position, .. })) => {
                shared.told(index, position, &mut counted);
            }
            Ok(Some(ServerToVisitor::Assigned { .. })) => {
                shared.taken(index, &mut counted);
            }
            Ok(Some(ServerToVisitor::Rejected { id, error })) => {
                shared.error(format!("visitor {index}: message {id} refused: {error}"));
            }
            Ok(Some(ServerToVisitor::Error(error))) => {
                shared.error(format!("visitor {index}: error frame: {error}"));
            }
            Ok(Some(_)) => {}
            Ok(None) => {
                shared.error(format!("visitor {index}: the server closed the socket"));
                return;
            }
            Err(err) => {
                shared.error(format!("visitor {index}: {err:#}"));
                return;
            }
        }
    }
}

/// Hello and the first message, which puts the visitor in line. The answers (ack, echo,
/// place in line) are read by the caller's loop.
async fn join_line(index: usize, server: SocketAddr, source: std::net::Ipv4Addr) -> Result<Ws> {
    let mut ws = net::visitor(server, source).await?;
    let send = VisitorToServer::Send {
        id: ClientMessageId::parse(&format!("q{index}"))?,
        text: "¿Cuándo llega mi pedido?".into(),
    };
    net::send(&mut ws, &send).await?;
    Ok(ws)
}
