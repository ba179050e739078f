//! The shop's waiting line: places, expected waits, and telling everyone when they change.
//!
//! Every server runs one announcer task per site it has people for. A change (here or,
//! through [`crate::fanout`], on another server) wakes the task. Agents here hear the head of
//! the queue at once. Waiting visitors here hear their place and expected wait from a
//! *round*: it reads the site's open conversations from the shared database (so every server
//! tells the same places), feeds the site's estimator what happened since the last round
//! ([`crate::wait`]), and tells each visitor whose place or rounded wait changed.
//!
//! The same task tells the visitors here when the shop opens or closes by its opening hours:
//! it sleeps until the next change ([`crate::hours`]) and then announces who is there and
//! when, as when an agent comes or goes.
//!
//! Rounds are paced: the first change after a quiet second goes out at once, and changes
//! after it are gathered into one round a second later, so a burst of takes costs one pass
//! over the line, not one per take. A visitor is never sent two places less than [`PACE`]
//! apart; one who is due a change sooner is told it in the round that follows. A visitor who
//! has not been told their place yet (just joined, or back on a new socket) is told at once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use pronto_protocol::agent::ServerToAgent;
use pronto_protocol::chat::WaitEstimate;
use pronto_protocol::encode;
use pronto_protocol::ids::{ConversationId, SiteId};
use pronto_protocol::visitor::ServerToVisitor;
use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::clock::now_ms;
use crate::hub::Hub;
use crate::reply_time::{ReplyOutlook, ReplyTimes, next_change_ms};
use crate::storage::{ConversationTimes, Store, VisitorId};
use crate::wait::{QueueWait, WARM_UP_CONVERSATIONS};

/// The least time between two places told to one visitor, and between two rounds of changes.
pub const PACE: Duration = Duration::from_secs(1);
/// While visitors wait here, how often a round runs with nothing changed: an expected wait
/// moves with time alone (the chat being answered goes on), and visitors hear it when the
/// rounded value moves.
const LOOK_AGAIN: Duration = Duration::from_secs(10);

/// The longest the announcer sleeps towards the shop's next opening or closing: it reads the
/// hours again at least daily (a shop open all week is only followed a week ahead).
const HOURS_LOOK_AGAIN: Duration = Duration::from_secs(24 * 3600);
/// Wake a little after the change the hours give, so the clock surely reads past it.
const HOURS_MARGIN: Duration = Duration::from_millis(50);

/// Starts and wakes the per-site announcer tasks.
pub struct Announcer {
    store: Store,
    hub: Arc<Hub>,
    reply_times: Arc<ReplyTimes>,
    shutdown: CancellationToken,
    // A std mutex guarding only the map; the tasks do the slow work.
    sites: Mutex<HashMap<SiteId, Arc<Line>>>,
}

/// One site's announcer: its wake-up call, why it was woken, and what it last told whom.
#[derive(Default)]
struct Line {
    wake: Notify,
    /// An agent came or went: tell the visitors here whether anyone is there, and look at
    /// the waits again (the slots changed).
    presence_changed: AtomicBool,
    /// The line changed: tell the agents here now, the visitors here in the next round.
    queue_changed: AtomicBool,
    /// The waits changed but the line did not (a conversation ended): a round, paced.
    waits_changed: AtomicBool,
    /// A waiting visitor here has not been told their place: a round now.
    someone_untold: AtomicBool,
    /// What each waiting visitor connected here was last told, and when.
    told: Mutex<HashMap<VisitorId, Told>>,
}

/// A place and wait as told to one visitor.
#[derive(Clone, Copy, Debug)]
struct Told {
    position: u32,
    estimate: Option<WaitEstimate>,
    at: Instant,
}

impl Line {
    /// Raises one of the task's reasons and wakes it. A waiting permit is kept if the task is
    /// busy: it runs once more, not once per wake-up.
    fn wake_for(&self, reason: &AtomicBool) {
        reason.store(true, Ordering::Relaxed);
        self.wake.notify_one();
    }

    fn told(&self) -> std::sync::MutexGuard<'_, HashMap<VisitorId, Told>> {
        self.told.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Announcer {
    pub fn new(
        store: Store,
        hub: Arc<Hub>,
        reply_times: Arc<ReplyTimes>,
        shutdown: CancellationToken,
    ) -> Self {
        Self {
            store,
            hub,
            reply_times,
            shutdown,
            sites: Mutex::default(),
        }
    }

    fn line(&self, site: &SiteId) -> Arc<Line> {
        let mut sites = self.sites.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(line) = sites.get(site) {
            return line.clone();
        }
        let line = Arc::new(Line::default());
        sites.insert(site.clone(), line.clone());
        tokio::spawn(announce_while_running(
            self.store.clone(),
            self.hub.clone(),
            self.reply_times.clone(),
            site.clone(),
            line.clone(),
            self.shutdown.clone(),
        ));
        line
    }

    /// A visitor of the site is here: make sure the site's task runs, to tell them when the
    /// shop opens or closes by its hours. Tells nobody anything now.
    pub fn watch(&self, site: &SiteId) {
        self.line(site);
    }

    /// The site's queue changed: tell everyone here, soon, once.
    pub fn poke(&self, site: &SiteId) {
        let line = self.line(site);
        line.wake_for(&line.queue_changed);
    }

    /// A conversation of the site ended: the waits may have changed.
    pub fn conversation_ended(&self, site: &SiteId) {
        let line = self.line(site);
        line.wake_for(&line.waits_changed);
    }

    /// An agent of the site came or went, here or on another server.
    pub fn presence_changed(&self, site: &SiteId) {
        let line = self.line(site);
        line.wake_for(&line.presence_changed);
    }

    /// A waiting visitor here has not heard their place on this socket (they just joined the
    /// line, reconnected, or opened a new tab): tell them at once even if nothing changed.
    pub fn retell(&self, site: &SiteId, visitor: VisitorId) {
        let line = self.line(site);
        line.told().remove(&visitor);
        line.wake_for(&line.someone_untold);
    }
}

async fn announce_while_running(
    store: Store,
    hub: Arc<Hub>,
    reply_times: Arc<ReplyTimes>,
    site: SiteId,
    line: Arc<Line>,
    shutdown: CancellationToken,
) {
    // This server's estimator for the site, fed only by this task's rounds.
    let mut wait = QueueWait::default();
    let mut last_round: Option<Instant> = None;
    let mut next_round: Option<Instant> = None;
    // When the shop next opens or closes by its hours (none without a schedule).
    let mut hours_change = match store.site(&site).await {
        Ok(shop) => shop.and_then(|shop| hours_change_at(next_change_ms(&shop))),
        Err(error) => {
            tracing::error!(%error, %site, "could not read the opening hours");
            Some(Instant::now() + LOOK_AGAIN)
        }
    };
    loop {
        tokio::select! {
            () = line.wake.notified() => {}
            () = sleep_until(next_round) => {}
            () = sleep_until(hours_change) => {
                // Opened or closed: told as an agent coming or going is.
                line.presence_changed.store(true, Ordering::Relaxed);
            }
            () = shutdown.cancelled() => return,
        }
        let now = Instant::now();
        // A change is told in a round a second after the last one, or at once after a quiet
        // second.
        let paced = last_round.map_or(now, |last| last + PACE);
        if line.presence_changed.swap(false, Ordering::Relaxed) {
            hours_change = match announce_presence(&store, &hub, &reply_times, &site).await {
                Ok(outlook) => hours_change_at(outlook.changes_at_ms),
                Err(error) => {
                    tracing::error!(%error, %site, "could not announce who is there");
                    Some(Instant::now() + LOOK_AGAIN)
                }
            };
            round_at(&mut next_round, paced);
        }
        if line.queue_changed.swap(false, Ordering::Relaxed) {
            if let Err(error) = announce_to_agents(&store, &hub, &site).await {
                tracing::error!(%error, %site, "could not announce the queue to agents");
            }
            round_at(&mut next_round, paced);
        }
        if line.waits_changed.swap(false, Ordering::Relaxed) {
            round_at(&mut next_round, paced);
        }
        if line.someone_untold.swap(false, Ordering::Relaxed) {
            round_at(&mut next_round, now);
        }
        if next_round.is_some_and(|at| at <= Instant::now()) {
            next_round = None;
            match announce_places(&store, &hub, &site, &line, &mut wait).await {
                Ok(Some(again)) => round_at(&mut next_round, again),
                Ok(None) => {}
                Err(error) => {
                    tracing::error!(%error, %site, "could not announce places in the queue");
                    round_at(&mut next_round, Instant::now() + PACE);
                }
            }
            last_round = Some(Instant::now());
        }
    }
}

/// Schedules a round for `at`, or keeps the one already due sooner.
fn round_at(next_round: &mut Option<Instant>, at: Instant) {
    *next_round = Some(next_round.map_or(at, |due| due.min(at)));
}

/// Sleeps until `at`; with no time given, forever.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// When to wake for a change of the shop's hours at `changes_at_ms` (ms since the Unix
/// epoch), by this task's clock: a little after it, and no later than a day from now.
fn hours_change_at(changes_at_ms: Option<i64>) -> Option<Instant> {
    let from_now = u64::try_from(changes_at_ms? - now_ms()).unwrap_or(0);
    let from_now = Duration::from_millis(from_now) + HOURS_MARGIN;
    Some(Instant::now() + from_now.min(HOURS_LOOK_AGAIN))
}

/// Tells every visitor of the site here whether anyone is there to answer, how soon the shop
/// typically replies and, while it is closed by its hours, when it opens. Every time, not
/// only when it differs from the last round: an agent who came and went between two rounds
/// leaves the answer the same, while a visitor who arrived in between heard the other one.
/// Agents come and go seldom, and shops open and close a few times a day; this is one small
/// frame per visitor when they do. Returns what it told, with when the hours change next.
async fn announce_presence(
    store: &Store,
    hub: &Hub,
    reply_times: &ReplyTimes,
    site: &SiteId,
) -> sqlx::Result<ReplyOutlook> {
    let online = store.agents_online(site, crate::presence::LASTS_MS).await?;
    let outlook = match store.site(site).await? {
        Some(shop) => ReplyOutlook::of(store, reply_times, &shop).await?,
        None => ReplyOutlook::default(),
    };
    let frame = Utf8Bytes::from(encode(&ServerToVisitor::Availability {
        online,
        typical_reply_secs: outlook.typical_reply_secs,
        opens_at_ms: outlook.opens_at_ms,
    }));
    hub.to_site_visitors(site, &frame);
    Ok(outlook)
}

/// Tells the agents here the first 50 in line and how many wait.
async fn announce_to_agents(store: &Store, hub: &Hub, site: &SiteId) -> sqlx::Result<()> {
    if !hub.has_agents(site) {
        return Ok(());
    }
    let queue = store.queue_view(site).await?;
    let frame = Utf8Bytes::from(encode(&ServerToAgent::Queue {
        now_ms: now_ms(),
        total: queue.total,
        entries: queue.entries,
    }));
    hub.to_site_agents(site, &frame);
    Ok(())
}

/// One round: feeds the estimator what the database says happened since the last round, and
/// tells the waiting visitors here whose place or wait changed. Returns when to look again:
/// for a visitor whose change had to wait out [`PACE`], or to follow the waits as time
/// passes while anyone here waits.
async fn announce_places(
    store: &Store,
    hub: &Hub,
    site: &SiteId,
    line: &Line,
    wait: &mut QueueWait,
) -> sqlx::Result<Option<Instant>> {
    let open = store.open_conversations(site).await?;
    let open_times: Vec<ConversationTimes> = open.iter().map(|c| c.times).collect();
    let mut ended = store
        .conversation_times(&wait.ended_since(&open_times))
        .await?;
    if wait.is_warm() {
        let newest = wait.newest().unwrap_or(ConversationId(0));
        ended.extend(store.ended_after(site, newest).await?);
    } else {
        ended.extend(store.recently_ended(site, WARM_UP_CONVERSATIONS).await?);
    }
    let slots = crate::presence::slots_online(store, site).await?;
    let now = now_ms();
    wait.observe(now, slots, &open_times, &ended);

    let line_order = open
        .iter()
        .filter(|c| c.times.is_waiting())
        .enumerate()
        .map(|(index, c)| (u32::try_from(index + 1).unwrap_or(u32::MAX), c.visitor));
    let here = hub.visitors_here(line_order);
    let started = Instant::now();
    let mut again: Option<Instant> = None;
    let mut frames = Vec::new();
    {
        let mut told = line.told();
        let mut still_waiting = HashMap::with_capacity(here.len());
        for (position, visitor) in here {
            let estimate = wait.estimate(now, position);
            let last = told.get(&visitor).copied();
            let news =
                last.is_none_or(|last| (last.position, last.estimate) != (position, estimate));
            let due = last.is_none_or(|last| started >= last.at + PACE);
            let now_told = match last {
                Some(last) if news && !due => {
                    // Told less than a second ago: this waits for the round that follows.
                    round_at(&mut again, last.at + PACE);
                    last
                }
                Some(last) if !news => last,
                _ => {
                    let frame = encode(&ServerToVisitor::Queue { position, estimate });
                    frames.push((visitor, Utf8Bytes::from(frame)));
                    Told {
                        position,
                        estimate,
                        at: started,
                    }
                }
            };
            still_waiting.insert(visitor, now_told);
        }
        if !still_waiting.is_empty() {
            round_at(&mut again, started + LOOK_AGAIN);
        }
        *told = still_waiting;
    }
    hub.to_each_visitor(frames);
    Ok(again)
}
