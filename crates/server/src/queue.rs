//! The shop's waiting line: positions, the expected wait, and telling everyone when it moves.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use pronto_protocol::agent::ServerToAgent;
use pronto_protocol::chat::WaitEstimate;
use pronto_protocol::ids::SiteId;
use pronto_protocol::visitor::ServerToVisitor;

use crate::app::AppState;
use crate::clock::now_ms;
use crate::error::AppResult;
use crate::storage::VisitorId;

/// How many recent waits the estimate looks at.
const RECENT_WAITS: u32 = 20;
/// The wait per person ahead assumed before a shop has any history.
const DEFAULT_WAIT_PER_PLACE_SECS: u32 = 120;

/// Serialises announcements per site, so a slower announcement of an older queue can never
/// reach people after a newer one.
#[derive(Default)]
pub struct Announcer {
    // A std mutex guarding only the map; the per-site async mutex is held across the queries.
    sites: Mutex<HashMap<SiteId, Arc<tokio::sync::Mutex<()>>>>,
}

impl Announcer {
    fn lock_for(&self, site: &SiteId) -> Arc<tokio::sync::Mutex<()>> {
        let mut sites = self.sites.lock().unwrap_or_else(|p| p.into_inner());
        sites.entry(site.clone()).or_default().clone()
    }
}

/// A deliberately simple estimate until the estimator crate replaces it: the median of the
/// site's recent waits stands for the time per person ahead, and the range is ±50% around
/// `position ×` that.
pub fn estimate(position: u32, recent_waits_ms: &[i64]) -> WaitEstimate {
    let per_place_secs = if recent_waits_ms.is_empty() {
        DEFAULT_WAIT_PER_PLACE_SECS
    } else {
        let mut waits = recent_waits_ms.to_vec();
        waits.sort_unstable();
        let median_secs = waits[waits.len() / 2].max(0) / 1000;
        u32::try_from(median_secs)
            .unwrap_or(u32::MAX)
            .clamp(30, 900)
    };
    let typical = per_place_secs.saturating_mul(position.max(1));
    WaitEstimate {
        low_secs: typical / 2,
        high_secs: typical.saturating_add(typical / 2),
    }
}

/// Tells every waiting visitor of the site their position, and every agent the queue.
pub async fn announce(app: &AppState, site: &SiteId) -> AppResult<()> {
    let lock = app.announcer.lock_for(site);
    let _one_at_a_time = lock.lock().await;
    let waiting = app.store.waiting(site).await?;
    let recent = app.store.recent_waits_ms(site, RECENT_WAITS).await?;
    for (index, person) in waiting.iter().enumerate() {
        let position = u32::try_from(index + 1).unwrap_or(u32::MAX);
        app.hub.to_visitor(
            person.visitor,
            ServerToVisitor::Queue {
                position,
                estimate: Some(estimate(position, &recent)),
            },
        );
    }
    app.hub.to_site_agents(
        site,
        ServerToAgent::Queue {
            now_ms: now_ms(),
            entries: waiting.into_iter().map(|w| w.entry).collect(),
        },
    );
    Ok(())
}

/// Tells one visitor (back after a reconnect) their place in line; the others' places did
/// not change, so they are not told again.
pub async fn tell_place(app: &AppState, site: &SiteId, visitor: VisitorId) -> AppResult<()> {
    let lock = app.announcer.lock_for(site);
    let _one_at_a_time = lock.lock().await;
    let waiting = app.store.waiting(site).await?;
    let Some(index) = waiting.iter().position(|w| w.visitor == visitor) else {
        return Ok(());
    };
    let recent = app.store.recent_waits_ms(site, RECENT_WAITS).await?;
    let position = u32::try_from(index + 1).unwrap_or(u32::MAX);
    app.hub.to_visitor(
        visitor,
        ServerToVisitor::Queue {
            position,
            estimate: Some(estimate(position, &recent)),
        },
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimate_grows_with_position() {
        let first = estimate(1, &[]);
        let third = estimate(3, &[]);
        assert!(first.low_secs < first.high_secs);
        assert_eq!(third.low_secs, 3 * first.low_secs);
        assert_eq!(third.high_secs, 3 * first.high_secs);
    }

    #[test]
    fn estimate_follows_recent_waits() {
        let quick = estimate(1, &[40_000, 50_000, 60_000]);
        let slow = estimate(1, &[400_000, 500_000, 600_000]);
        assert_eq!((quick.low_secs, quick.high_secs), (25, 75));
        assert_eq!((slow.low_secs, slow.high_secs), (250, 750));
    }
}
