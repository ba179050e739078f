//! The shop's waiting line: positions, the expected wait, and telling everyone when it moves.
//!
//! Every server runs one announcer task per site it has people for. A change to the queue
//! (here or, through [`crate::fanout`], on another server) wakes the task; it reads the line
//! from the shared database, so every server tells the same places, and tells only the
//! waiting visitors connected here whose place changed, and the agents connected here. Changes
//! that arrive while it works are coalesced into one more round, so a burst of takes costs
//! one pass over the line, not one per take.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::ws::Utf8Bytes;
use pronto_protocol::agent::ServerToAgent;
use pronto_protocol::chat::WaitEstimate;
use pronto_protocol::encode;
use pronto_protocol::ids::SiteId;
use pronto_protocol::visitor::ServerToVisitor;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::clock::now_ms;
use crate::hub::Hub;
use crate::storage::{Store, VisitorId};

/// How many recent waits the estimate looks at.
const RECENT_WAITS: u32 = 20;
/// The wait per person ahead assumed before a shop has any history.
const DEFAULT_WAIT_PER_PLACE_SECS: u32 = 120;

/// Starts and wakes the per-site announcer tasks.
pub struct Announcer {
    store: Store,
    hub: Arc<Hub>,
    shutdown: CancellationToken,
    // A std mutex guarding only the map; the tasks do the slow work.
    sites: Mutex<HashMap<SiteId, Arc<Line>>>,
}

/// One site's announcer: its wake-up call and what it last told whom.
#[derive(Default)]
struct Line {
    wake: Notify,
    /// Set when an agent came or went: the next round tells the visitors here whether anyone
    /// is there, if that changed.
    presence_changed: AtomicBool,
    /// Set when the queue changed or a visitor is to be told again: the next round tells
    /// places and the queue.
    queue_changed: AtomicBool,
    /// The place last told to each waiting visitor connected here.
    told: Mutex<HashMap<VisitorId, u32>>,
}

impl Line {
    /// Raises one of the round's reasons and wakes the task. A waiting permit is kept if the
    /// task is busy: it runs once more, not once per wake-up.
    fn wake_for(&self, reason: &AtomicBool) {
        reason.store(true, Ordering::Relaxed);
        self.wake.notify_one();
    }

    fn told(&self) -> std::sync::MutexGuard<'_, HashMap<VisitorId, u32>> {
        self.told.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Announcer {
    pub fn new(store: Store, hub: Arc<Hub>, shutdown: CancellationToken) -> Self {
        Self {
            store,
            hub,
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
            site.clone(),
            line.clone(),
            self.shutdown.clone(),
        ));
        line
    }

    /// The site's queue changed: tell everyone here, soon, once.
    pub fn poke(&self, site: &SiteId) {
        let line = self.line(site);
        line.wake_for(&line.queue_changed);
    }

    /// An agent of the site came or went, here or on another server.
    pub fn presence_changed(&self, site: &SiteId) {
        let line = self.line(site);
        line.wake_for(&line.presence_changed);
    }

    /// A waiting visitor is back (a reconnect, a new tab): tell them their place even though
    /// it did not change.
    pub fn retell(&self, site: &SiteId, visitor: VisitorId) {
        let line = self.line(site);
        line.told().remove(&visitor);
        line.wake_for(&line.queue_changed);
    }
}

async fn announce_while_running(
    store: Store,
    hub: Arc<Hub>,
    site: SiteId,
    line: Arc<Line>,
    shutdown: CancellationToken,
) {
    loop {
        tokio::select! {
            () = line.wake.notified() => {}
            () = shutdown.cancelled() => return,
        }
        if line.presence_changed.swap(false, Ordering::Relaxed)
            && let Err(error) = announce_presence(&store, &hub, &site).await
        {
            tracing::error!(%error, %site, "could not announce who is there");
        }
        if line.queue_changed.swap(false, Ordering::Relaxed)
            && let Err(error) = announce(&store, &hub, &site, &line).await
        {
            tracing::error!(%error, %site, "could not announce the queue");
        }
    }
}

/// Tells every visitor of the site here whether anyone is there to answer. Every time, not
/// only when it differs from the last round: an agent who came and went between two rounds
/// leaves the answer the same, while a visitor who arrived in between heard the other one.
/// Agents come and go seldom; this is one small frame per visitor when they do.
async fn announce_presence(store: &Store, hub: &Hub, site: &SiteId) -> sqlx::Result<()> {
    let online = store.agents_online(site, crate::presence::LASTS_MS).await?;
    let frame = Utf8Bytes::from(encode(&ServerToVisitor::Availability { online }));
    hub.to_site_visitors(site, &frame);
    Ok(())
}

/// Tells the waiting visitors here whose place changed their new place, and the agents here
/// the head of the queue.
async fn announce(store: &Store, hub: &Hub, site: &SiteId, line: &Line) -> sqlx::Result<()> {
    let order = store.queue_order(site).await?;
    let here = hub.visitors_here(
        order
            .iter()
            .enumerate()
            .map(|(index, (_, visitor))| (u32::try_from(index + 1).unwrap_or(u32::MAX), *visitor)),
    );
    if !here.is_empty() {
        let per_place = wait_per_place_secs(&store.recent_waits_ms(site, RECENT_WAITS).await?);
        let mut frames = Vec::new();
        {
            let mut told = line.told();
            let mut still_waiting = HashMap::with_capacity(here.len());
            for (position, visitor) in here {
                if told.get(&visitor) != Some(&position) {
                    let frame = encode(&ServerToVisitor::Queue {
                        position,
                        estimate: Some(estimate_at(position, per_place)),
                    });
                    frames.push((visitor, Utf8Bytes::from(frame)));
                }
                still_waiting.insert(visitor, position);
            }
            *told = still_waiting;
        }
        hub.to_each_visitor(frames);
    } else {
        line.told().clear();
    }
    if hub.has_agents(site) {
        let frame = Utf8Bytes::from(encode(&ServerToAgent::Queue {
            now_ms: now_ms(),
            total: u32::try_from(order.len()).unwrap_or(u32::MAX),
            entries: store.queue_head(site).await?,
        }));
        hub.to_site_agents(site, &frame);
    }
    Ok(())
}

/// A deliberately simple estimate until the estimator crate replaces it: the median of the
/// site's recent waits stands for the time per person ahead, and the range is ±50% around
/// `position ×` that. Worked out once per pass over the line, not once per visitor.
fn wait_per_place_secs(recent_waits_ms: &[i64]) -> u32 {
    if recent_waits_ms.is_empty() {
        return DEFAULT_WAIT_PER_PLACE_SECS;
    }
    let mut waits = recent_waits_ms.to_vec();
    waits.sort_unstable();
    let median_secs = waits[waits.len() / 2].max(0) / 1000;
    u32::try_from(median_secs)
        .unwrap_or(u32::MAX)
        .clamp(30, 900)
}

/// The range for the visitor at `position`, given the wait per person ahead.
fn estimate_at(position: u32, per_place_secs: u32) -> WaitEstimate {
    let typical = per_place_secs.saturating_mul(position.max(1));
    WaitEstimate {
        low_secs: typical / 2,
        high_secs: typical.saturating_add(typical / 2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimate_grows_with_position() {
        let first = estimate_at(1, wait_per_place_secs(&[]));
        let third = estimate_at(3, wait_per_place_secs(&[]));
        assert!(first.low_secs < first.high_secs);
        assert_eq!(third.low_secs, 3 * first.low_secs);
        assert_eq!(third.high_secs, 3 * first.high_secs);
    }

    #[test]
    fn estimate_follows_recent_waits() {
        let quick = estimate_at(1, wait_per_place_secs(&[40_000, 50_000, 60_000]));
        let slow = estimate_at(1, wait_per_place_secs(&[400_000, 500_000, 600_000]));
        assert_eq!((quick.low_secs, quick.high_secs), (25, 75));
        assert_eq!((slow.low_secs, slow.high_secs), (250, 750));
    }
}
