//! Enforcing the protocol's limits on a connection: how fast it may send, how many sockets one
//! address may hold.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use pronto_protocol::limits::{FRAME_BURST, FRAMES_PER_SECOND};
use tokio::time::Instant;

/// A token bucket: `FRAME_BURST` frames at once, refilled at `FRAMES_PER_SECOND`.
pub struct FrameBudget {
    tokens: f64,
    refilled: Instant,
}

impl Default for FrameBudget {
    fn default() -> Self {
        Self {
            tokens: f64::from(FRAME_BURST),
            refilled: Instant::now(),
        }
    }
}

impl FrameBudget {
    /// Whether one more frame may go through now.
    pub fn admit(&mut self) -> bool {
        let now = Instant::now();
        let earned = now.duration_since(self.refilled).as_secs_f64() * f64::from(FRAMES_PER_SECOND);
        self.tokens = (self.tokens + earned).min(f64::from(FRAME_BURST));
        self.refilled = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Open sockets per client address.
#[derive(Default)]
pub struct Addresses {
    // A std mutex: one map update per connect and disconnect, never held across an await.
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One socket's place in its address's count; given back when dropped.
pub struct Slot {
    addresses: Arc<Addresses>,
    ip: IpAddr,
}

impl Addresses {
    /// A slot for one more socket from `ip`, unless it already holds `limit`.
    pub fn admit(self: &Arc<Self>, ip: IpAddr, limit: usize) -> Option<Slot> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(ip).or_default();
        if *count >= limit {
            return None;
        }
        *count += 1;
        Some(Slot {
            addresses: Arc::clone(self),
            ip,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self
            .addresses
            .open
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn a_burst_then_the_steady_rate() {
        let mut budget = FrameBudget::default();
        let burst = (0..100).take_while(|_| budget.admit()).count();
        assert_eq!(burst, FRAME_BURST as usize);
        assert!(!budget.admit());
        tokio::time::advance(Duration::from_secs(2)).await;
        let refilled = (0..100).take_while(|_| budget.admit()).count();
        assert_eq!(refilled, 2 * FRAMES_PER_SECOND as usize);
    }

    #[test]
    fn slots_are_counted_per_address_and_given_back() {
        let addresses = Arc::new(Addresses::default());
        let home: IpAddr = [10, 0, 0, 1].into();
        let other: IpAddr = [10, 0, 0, 2].into();
        let first = addresses.admit(home, 2).unwrap();
        let _second = addresses.admit(home, 2).unwrap();
        assert!(addresses.admit(home, 2).is_none());
        assert!(addresses.admit(other, 2).is_some());
        drop(first);
        assert!(addresses.admit(home, 2).is_some());
    }
}
