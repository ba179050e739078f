//! Live chats: many conversations at once, each visitor sending on a fixed schedule and its
//! agent answering every message, at a ladder of total message rates. Reports the latency
//! of each direction, the server's CPU per message, and whether every message arrived once.
//!
//! Visitors send on a clock (open loop), not after the previous answer, so a slow server
//! shows up as latency instead of as fewer messages. A visitor's message id carries the time
//! it was *due*, so a sender that fell behind is charged for the wait too (no coordinated
//! omission). Ids are `v<visitor>n<number>t<µs>`; the agent answers `a<visitor>n<number>t<µs>`.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use pronto_protocol::ErrorCode;
use pronto_protocol::agent::{AgentToServer, ServerToAgent};
use pronto_protocol::chat::Author;
use pronto_protocol::ids::ClientMessageId;
use pronto_protocol::limits::FRAMES_PER_SECOND;
use pronto_protocol::visitor::{ServerToVisitor, VisitorToServer};
use serde::Serialize;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;

use crate::net::{self, Ws};
use crate::stats::{Latencies, LatencySummary, ProcSample, now_us, progress, sample, sample_all};

#[derive(Clone, Debug)]
pub struct ChatConfig {
    /// Where visitors connect…
    pub visitor_server: SocketAddr,
    /// …and where agents connect: the same server, or another node of the same cluster.
    pub agent_server: SocketAddr,
    /// The server processes, for CPU time (summed); may be empty.
    pub pids: Vec<u32>,
    pub conversations: usize,
    /// Conversations each agent socket holds. Every socket may send
    /// `limits::FRAMES_PER_SECOND` frames a second, so this times the per-conversation reply
    /// rate at the highest step must stay below that.
    pub conversations_per_agent: usize,
    /// Total message rates to run, both directions together (messages per second).
    pub rates: Vec<f64>,
    /// Sending at each rate before measuring starts.
    pub warmup: Duration,
    /// Measuring at each rate.
    pub duration: Duration,
    /// Quiet time after each rate, for the last answers to arrive.
    pub drain: Duration,
    /// Skip higher rates once a rate's p99 is over this (the server is saturated).
    pub give_up_p99_ms: f64,
    /// Handshakes and account creations in flight at once.
    pub concurrency: usize,
    /// Third octet of the loopback source addresses (see [`net::source_address`]).
    pub source_block: u8,
}

#[derive(Clone, Debug, Serialize)]
pub struct RateResult {
    /// The rate asked for, and the one delivered while measuring (messages per second).
    pub rate_msgs_per_s: f64,
    pub delivered_msgs_per_s: f64,
    pub visitor_to_agent: LatencySummary,
    pub agent_to_visitor: LatencySummary,
    pub combined: LatencySummary,
    pub server_cpu_secs: f64,
    pub server_cpu_secs_per_1000_msgs: f64,
    /// The load generator's own CPU time while measuring: near one core per core it has,
    /// and the latencies are partly its own.
    pub load_generator_cpu_secs: f64,
    /// Messages the server refused during this step (rate limits, errors).
    pub rejected: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct ChatResult {
    pub conversations: usize,
    pub agents: usize,
    pub conversations_per_agent: usize,
    pub setup_secs: f64,
    pub rates: Vec<RateResult>,
    /// The highest rate whose combined p99 stayed under 50 ms with nothing refused; 0 if none.
    pub max_rate_p99_under_50ms: f64,
    pub visitor_sent: u64,
    pub agents_received: u64,
    pub agents_sent: u64,
    pub visitors_received: u64,
    /// Messages that arrived more than once.
    pub duplicates: u64,
    pub rejected: u64,
    /// The first few things that went wrong, if anything did.
    pub errors: Vec<String>,
}

impl ChatResult {
    /// Every message sent arrived exactly once, and nothing was refused or went wrong.
    pub fn all_delivered_once(&self) -> bool {
        self.visitor_sent == self.agents_received
            && self.agents_sent == self.visitors_received
            && self.duplicates == 0
            && self.rejected == 0
            && self.errors.is_empty()
    }
}

/// Conversations one agent socket can answer at `top_rate` (total messages per second over
/// `conversations`) while staying under the per-socket frame limit: at most 4, at least 1.
pub fn conversations_per_agent(conversations: usize, top_rate: f64) -> usize {
    // Each answer is one frame; keep a fifth of the budget spare for catch-up bursts.
    let budget = f64::from(FRAMES_PER_SECOND) * 0.8;
    let answers_per_conversation = top_rate / 2.0 / conversations.max(1) as f64;
    ((budget / answers_per_conversation).floor() as usize).clamp(1, 4)
}

/// What every task is told to do; changes go out through a `watch` channel.
#[derive(Clone, Copy, Debug)]
enum Phase {
    Quiet,
    /// Send every `interval_us` from `start_us` (plus the visitor's offset) until `until_us`.
    Send {
        start_us: u64,
        until_us: u64,
        interval_us: u64,
    },
    Stop,
}

/// A measuring window: messages due within it are counted in its histograms.
struct Window {
    from_us: u64,
    to_us: u64,
    visitor_to_agent: Latencies,
    agent_to_visitor: Latencies,
}

#[derive(Default)]
struct Shared {
    windows: Mutex<Vec<Window>>,
    visitor_sent: AtomicU64,
    agents_received: AtomicU64,
    agents_sent: AtomicU64,
    visitors_received: AtomicU64,
    duplicates: AtomicU64,
    rejected: AtomicU64,
    errors: Mutex<Vec<String>>,
}

#[derive(Clone, Copy)]
enum Direction {
    VisitorToAgent,
    AgentToVisitor,
}

impl Shared {
    fn record(&self, direction: Direction, sent_us: u64) {
        let latency = now_us().saturating_sub(sent_us);
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(window) = windows
            .iter_mut()
            .find(|w| w.from_us <= sent_us && sent_us < w.to_us)
        {
            match direction {
                Direction::VisitorToAgent => window.visitor_to_agent.record(latency),
                Direction::AgentToVisitor => window.agent_to_visitor.record(latency),
            }
        }
    }

    fn error(&self, what: String) {
        let mut errors = self.errors.lock().unwrap_or_else(|p| p.into_inner());
        if errors.len() < 10 {
            progress(format_args!("error: {what}"));
            errors.push(what);
        }
    }
}

/// A message id as this scenario writes them: (kind, visitor, number, µs).
fn parse_id(id: &str) -> Option<(char, usize, u64, u64)> {
    let kind = id.chars().next()?;
    let (visitor, rest) = id[1..].split_once('n')?;
    let (number, micros) = rest.split_once('t')?;
    Some((
        kind,
        visitor.parse().ok()?,
        number.parse().ok()?,
        micros.parse().ok()?,
    ))
}

fn message_id(kind: char, visitor: usize, number: u64, micros: u64) -> ClientMessageId {
    ClientMessageId::parse(&format!("{kind}{visitor}n{number}t{micros}"))
        .expect("ids of letters and digits are valid")
}

pub async fn run(config: &ChatConfig) -> Result<ChatResult> {
    let setup_started = Instant::now();
    let per_agent = config.conversations_per_agent.max(1);
    let agent_count = config.conversations.div_ceil(per_agent);
    let cookies = agent_accounts(config, agent_count).await?;

    let shared = Arc::new(Shared::default());
    let (phase_tx, phase_rx) = watch::channel(Phase::Quiet);
    let mut tasks = JoinSet::new();
    let handshakes = Arc::new(Semaphore::new(config.concurrency.max(1)));

    // Visitors first: each says hello and starts a conversation, which waits in the queue.
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel();
    for index in 0..config.conversations {
        let source = net::source_address(config.source_block, index);
        tasks.spawn(visitor_task(
            index,
            config.conversations,
            config.visitor_server,
            source,
            handshakes.clone(),
            shared.clone(),
            phase_rx.clone(),
            ready_tx.clone(),
        ));
    }
    drop(ready_tx);
    while let Some(ready) = ready_rx.recv().await {
        ready.context("starting a visitor's conversation")?;
    }
    progress(format_args!(
        "{} visitors waiting in the queue",
        config.conversations
    ));

    // Then agents, each taking its share from the head of the queue.
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel();
    for (index, cookie) in cookies.into_iter().enumerate() {
        let source = net::source_address(config.source_block, config.conversations + index);
        let take = per_agent.min(config.conversations - index * per_agent);
        tasks.spawn(agent_task(
            config.agent_server,
            source,
            cookie,
            take,
            handshakes.clone(),
            shared.clone(),
            phase_rx.clone(),
            ready_tx.clone(),
        ));
    }
    drop(ready_tx);
    let mut taken = 0;
    while let Some(ready) = ready_rx.recv().await {
        taken += ready.context("starting an agent")?;
    }
    if taken != config.conversations {
        bail!(
            "agents took {taken} of {} conversations",
            config.conversations
        );
    }
    let setup_secs = setup_started.elapsed().as_secs_f64();
    progress(format_args!(
        "{agent_count} agents hold {taken} conversations (set up in {setup_secs:.1}s)"
    ));

    let mut rates = Vec::new();
    for &rate in &config.rates {
        let result = run_rate(config, rate, &shared, &phase_tx).await?;
        let saturated = result.combined.p99_ms > config.give_up_p99_ms;
        rates.push(result);
        if saturated {
            progress("saturated; skipping higher rates");
            break;
        }
    }
    wait_for_stragglers(&shared).await;
    let _ = phase_tx.send(Phase::Stop);
    while let Some(joined) = tasks.join_next().await {
        if let Err(err) = joined {
            shared.error(format!("a client task panicked: {err}"));
        }
    }

    let max_rate_p99_under_50ms = rates
        .iter()
        .filter(|r| r.combined.p99_ms < 50.0 && r.rejected == 0)
        .map(|r| r.rate_msgs_per_s)
        .fold(0.0, f64::max);
    let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
    let errors = shared
        .errors
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    Ok(ChatResult {
        conversations: config.conversations,
        agents: agent_count,
        conversations_per_agent: per_agent,
        setup_secs,
        rates,
        max_rate_p99_under_50ms,
        visitor_sent: load(&shared.visitor_sent),
        agents_received: load(&shared.agents_received),
        agents_sent: load(&shared.agents_sent),
        visitors_received: load(&shared.visitors_received),
        duplicates: load(&shared.duplicates),
        rejected: load(&shared.rejected),
        errors,
    })
}

/// Creates `count` agent accounts as the demo owner and signs each in; returns their cookies.
/// Emails carry this run's process id and time, so a second run on the same database works.
async fn agent_accounts(config: &ChatConfig, count: usize) -> Result<Vec<String>> {
    let console = net::Console::new(config.agent_server)?;
    let owner = console.sign_in_owner().await?;
    let run = format!(
        "{}x{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    );
    // Every creation and sign-in hashes a password (argon2): a few at a time keep the
    // server's cores busy without timing anything out.
    let limit = Arc::new(Semaphore::new(config.concurrency.clamp(1, 8)));
    let mut set = JoinSet::new();
    for index in 0..count {
        let console = console.clone();
        let owner = owner.clone();
        let limit = limit.clone();
        let email = format!("load{run}-{index}@bench.pronto");
        set.spawn(async move {
            let _permit = limit.acquire_owned().await?;
            let password = "load-password";
            console.create_agent(&owner, &email, password).await?;
            let cookie = console.sign_in(&email, password).await?;
            anyhow::Ok((index, cookie))
        });
    }
    let mut cookies = vec![String::new(); count];
    while let Some(joined) = set.join_next().await {
        let (index, cookie) = joined??;
        cookies[index] = cookie;
    }
    progress(format_args!("{count} agent accounts created and signed in"));
    Ok(cookies)
}

/// Sends at `rate` through warm-up, measurement and drain; returns the measured window.
async fn run_rate(
    config: &ChatConfig,
    rate: f64,
    shared: &Shared,
    phase: &watch::Sender<Phase>,
) -> Result<RateResult> {
    // Half the messages come from visitors, half are the agents' answers.
    let per_visitor = rate / 2.0 / config.conversations as f64;
    let interval_us = (1e6 / per_visitor).round() as u64;
    let start_us = now_us() + 100_000;
    let from_us = start_us + micros(config.warmup);
    let to_us = from_us + micros(config.duration);
    shared
        .windows
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(Window {
            from_us,
            to_us,
            visitor_to_agent: Latencies::default(),
            agent_to_visitor: Latencies::default(),
        });
    phase.send_replace(Phase::Send {
        start_us,
        until_us: to_us,
        interval_us,
    });
    sleep_until_us(from_us).await;
    let rejected_before = shared.rejected.load(Ordering::Relaxed);
    let cpu_before = sample_all(&config.pids)?;
    let own_before = sample(std::process::id())?;
    sleep_until_us(to_us).await;
    let cpu_after = sample_all(&config.pids)?;
    let own_after = sample(std::process::id())?;
    phase.send_replace(Phase::Quiet);
    tokio::time::sleep(config.drain).await;
    let rejected = shared.rejected.load(Ordering::Relaxed) - rejected_before;

    let windows = shared.windows.lock().unwrap_or_else(|p| p.into_inner());
    let window = windows.last().expect("pushed above");
    let mut combined = Latencies::default();
    combined.add(&window.visitor_to_agent);
    combined.add(&window.agent_to_visitor);
    let delivered = combined.len();
    let cpu = cpu_used(cpu_before, cpu_after);
    let result = RateResult {
        rate_msgs_per_s: rate,
        delivered_msgs_per_s: delivered as f64 / config.duration.as_secs_f64(),
        visitor_to_agent: window.visitor_to_agent.summary(),
        agent_to_visitor: window.agent_to_visitor.summary(),
        combined: combined.summary(),
        server_cpu_secs: cpu,
        server_cpu_secs_per_1000_msgs: if delivered == 0 {
            0.0
        } else {
            cpu / (delivered as f64 / 1000.0)
        },
        load_generator_cpu_secs: cpu_used(own_before, own_after),
        rejected,
    };
    progress(format_args!(
        "{rate} msgs/s: delivered {:.0}/s, p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, server CPU {:.3}s per 1000, load generator CPU {:.1}s, {rejected} refused",
        result.delivered_msgs_per_s,
        result.combined.p50_ms,
        result.combined.p99_ms,
        result.combined.p999_ms,
        result.server_cpu_secs_per_1000_msgs,
        result.load_generator_cpu_secs,
    ));
    Ok(result)
}

/// Waits (at most 30 s) until every message sent has arrived, so a saturated server's
/// backlog is counted as late rather than as lost.
async fn wait_for_stragglers(shared: &Shared) {
    let load = |counter: &AtomicU64| counter.load(Ordering::SeqCst);
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let visitors_done = load(&shared.agents_received) == load(&shared.visitor_sent);
        let agents_done = load(&shared.visitors_received) == load(&shared.agents_sent);
        if visitors_done && agents_done {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn cpu_used(before: ProcSample, after: ProcSample) -> f64 {
    (after.cpu_secs - before.cpu_secs).max(0.0)
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

async fn sleep_until_us(at_us: u64) {
    tokio::time::sleep(Duration::from_micros(at_us.saturating_sub(now_us()))).await;
}

/// One visitor: hello, a first message that queues the conversation, then messages on the
/// schedule of each phase, recording the agent's answers as they come.
#[allow(clippy::too_many_arguments)]
async fn visitor_task(
    index: usize,
    count: usize,
    server: SocketAddr,
    source: std::net::Ipv4Addr,
    handshakes: Arc<Semaphore>,
    shared: Arc<Shared>,
    mut phase: watch::Receiver<Phase>,
    ready: mpsc::UnboundedSender<Result<()>>,
) {
    let opened = start_conversation(index, server, source);
    let Some(mut ws) = net::open_and_report(index, &handshakes, ready, opened).await else {
        return;
    };

    let mut answers: HashSet<u64> = HashSet::new();
    let mut number = 0;
    // The next message due, and when this phase's sending ends.
    let mut schedule: Option<(u64, u64, u64)> = None;
    loop {
        let due = schedule.map(|(next, _, _)| Duration::from_micros(next.saturating_sub(now_us())));
        tokio::select! {
            frame = net::next_frame::<ServerToVisitor>(&mut ws) => match frame {
                Ok(Some(ServerToVisitor::Message { message })) => {
                    if !matches!(message.author, Author::Agent { .. }) {
                        continue; // our own message, echoed
                    }
                    let Some(('a', _, n, sent_us)) = message.client_id.as_ref().and_then(|id| parse_id(id.as_str())) else {
                        shared.error(format!("visitor {index}: an answer without a load id: {message:?}"));
                        continue;
                    };
                    if answers.insert(n) {
                        shared.visitors_received.fetch_add(1, Ordering::Relaxed);
                        shared.record(Direction::AgentToVisitor, sent_us);
                    } else {
                        shared.duplicates.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Ok(Some(ServerToVisitor::Rejected { id, error })) => {
                    shared.rejected.fetch_add(1, Ordering::Relaxed);
                    shared.error(format!("visitor {index}: message {id} refused: {error}"));
                }
                Ok(Some(ServerToVisitor::Error(error))) => {
                    shared.error(format!("visitor {index}: error frame: {error}"));
                }
                Ok(Some(_)) => {} // acks, queue and assignment news
                Ok(None) => {
                    shared.error(format!("visitor {index}: the server closed the socket"));
                    return;
                }
                Err(err) => {
                    shared.error(format!("visitor {index}: {err:#}"));
                    return;
                }
            },
            () = tokio::time::sleep(due.unwrap_or_default()), if due.is_some() => {
                let Some((next, until, interval)) = schedule else { continue };
                number += 1;
                let send = VisitorToServer::Send {
                    id: message_id('v', index, number, next),
                    text: format!("Pregunta {number}: ¿tienen la talla M?"),
                };
                if let Err(err) = net::send(&mut ws, &send).await {
                    shared.error(format!("visitor {index}: {err:#}"));
                    return;
                }
                shared.visitor_sent.fetch_add(1, Ordering::Relaxed);
                let next = next + interval;
                schedule = (next < until).then_some((next, until, interval));
            },
            changed = phase.changed() => {
                if changed.is_err() {
                    return;
                }
                let current = *phase.borrow_and_update();
                schedule = match current {
                    Phase::Quiet => None,
                    Phase::Stop => return,
                    Phase::Send { start_us, until_us, interval_us } => {
                        // Spread the visitors' first messages evenly over one interval.
                        let offset = interval_us * index as u64 / count.max(1) as u64;
                        Some((start_us + offset, until_us, interval_us))
                    }
                };
            }
        }
    }
}

/// Hello, then the first message, which puts the conversation in the queue.
async fn start_conversation(
    index: usize,
    server: SocketAddr,
    source: std::net::Ipv4Addr,
) -> Result<Ws> {
    let mut ws = net::visitor(server, source).await?;
    let first = message_id('s', index, 0, 0);
    let send = VisitorToServer::Send {
        id: first.clone(),
        text: "Hola, ¿alguien me ayuda con un pedido?".into(),
    };
    net::send(&mut ws, &send).await?;
    loop {
        match net::expect_frame::<ServerToVisitor>(&mut ws).await? {
            ServerToVisitor::Ack { id, .. } if id == first => return Ok(ws),
            ServerToVisitor::Rejected { error, .. } => bail!("first message refused: {error}"),
            ServerToVisitor::Error(error) => bail!("error frame: {error}"),
            _ => {}
        }
    }
}

/// One agent socket: hello, take `take` conversations from the head of the queue, then
/// answer every visitor message at once.
#[allow(clippy::too_many_arguments)]
async fn agent_task(
    server: SocketAddr,
    source: std::net::Ipv4Addr,
    cookie: String,
    take: usize,
    handshakes: Arc<Semaphore>,
    shared: Arc<Shared>,
    mut phase: watch::Receiver<Phase>,
    ready: mpsc::UnboundedSender<Result<usize>>,
) {
    let permit = handshakes.acquire_owned().await;
    let started = take_conversations(server, source, &cookie, take).await;
    drop(permit);
    let mut ws = match started {
        Ok((ws, held)) => {
            let _ = ready.send(Ok(held));
            ws
        }
        Err(err) => {
            let _ = ready.send(Err(err));
            return;
        }
    };
    drop(ready);

    // Each visitor's message numbers seen, to count duplicates.
    let mut seen: HashMap<usize, HashSet<u64>> = HashMap::new();
    let mut number = 0;
    loop {
        tokio::select! {
            frame = net::next_frame::<ServerToAgent>(&mut ws) => match frame {
                Ok(Some(ServerToAgent::Message { conversation, message })) => {
                    let Some(id) = message.client_id.as_ref() else {
                        shared.error(format!("agent: a message without an id in {conversation}"));
                        continue;
                    };
                    let Some((kind, visitor, n, sent_us)) = parse_id(id.as_str()) else {
                        shared.error(format!("agent: a message with a foreign id {id}"));
                        continue;
                    };
                    if kind != 'v' {
                        continue; // our own answer, echoed
                    }
                    if !seen.entry(visitor).or_default().insert(n) {
                        shared.duplicates.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                    shared.agents_received.fetch_add(1, Ordering::Relaxed);
                    shared.record(Direction::VisitorToAgent, sent_us);
                    number += 1;
                    let answer = AgentToServer::Send {
                        conversation,
                        id: message_id('a', visitor, n, now_us()),
                        text: format!("Respuesta {number}: sí, la tenemos."),
                    };
                    if let Err(err) = net::send(&mut ws, &answer).await {
                        shared.error(format!("agent: {err:#}"));
                        return;
                    }
                    shared.agents_sent.fetch_add(1, Ordering::Relaxed);
                }
                Ok(Some(ServerToAgent::Rejected { id, error })) => {
                    shared.rejected.fetch_add(1, Ordering::Relaxed);
                    shared.error(format!("agent: answer {id} refused: {error}"));
                }
                Ok(Some(ServerToAgent::Error(error))) => {
                    shared.error(format!("agent: error frame: {error}"));
                }
                Ok(Some(_)) => {} // acks and queue news
                Ok(None) => {
                    shared.error("agent: the server closed the socket".into());
                    return;
                }
                Err(err) => {
                    shared.error(format!("agent: {err:#}"));
                    return;
                }
            },
            changed = phase.changed() => {
                if changed.is_err() || matches!(*phase.borrow_and_update(), Phase::Stop) {
                    return;
                }
            }
        }
    }
}

/// Connects an agent and takes up to `take` conversations with `take_next`; returns how many.
async fn take_conversations(
    server: SocketAddr,
    source: std::net::Ipv4Addr,
    cookie: &str,
    take: usize,
) -> Result<(Ws, usize)> {
    let mut ws = net::agent(server, source, cookie).await?;
    let mut held = 0;
    'takes: for _ in 0..take {
        net::send(&mut ws, &AgentToServer::TakeNext).await?;
        loop {
            match net::expect_frame::<ServerToAgent>(&mut ws).await? {
                ServerToAgent::Conversation { .. } => {
                    held += 1;
                    break;
                }
                ServerToAgent::Error(error) if error.code == ErrorCode::QueueEmpty => {
                    break 'takes;
                }
                ServerToAgent::Error(error) => bail!("take_next refused: {error}"),
                _ => {}
            }
        }
    }
    Ok((ws, held))
}
