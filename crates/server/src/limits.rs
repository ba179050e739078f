//! Enforcing the protocol's limits on a connection: how fast it may send, how many sockets one
//! address may hold.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pronto_protocol::limits::{FRAME_BURST, FRAMES_PER_SECOND, SIGN_IN_WINDOW_SECS};
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

/// Failed sign-ins per account and per address, so passwords can't be guessed at speed.
#[derive(Default)]
pub struct SignInGuard {
    // A std mutex: a few map operations per sign-in, never held across an await.
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl SignInGuard {
    const WINDOW: Duration = Duration::from_secs(SIGN_IN_WINDOW_SECS);

    /// Whether any of `keys` already failed its limit of times within the window.
    pub fn is_blocked(&self, keys: &[(&str, usize)]) -> bool {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        keys.iter().any(|(key, limit)| {
            failures.get_mut(*key).is_some_and(|times| {
                while times
                    .front()
                    .is_some_and(|t| now.duration_since(*t) > Self::WINDOW)
                {
                    times.pop_front();
                }
                times.len() >= *limit
            })
        })
    }

    pub fn failed(&self, keys: &[&str]) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        for key in keys {
            failures
                .entry((*key).to_owned())
                .or_default()
                .push_back(Instant::now());
        }
    }

    /// A correct password clears the account's failures (not the address's).
    pub fn succeeded(&self, key: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[tokio::test(start_paused = true)]
    async fn sign_in_failures_block_until_the_window_passes() {
        let guard = SignInGuard::default();
        let keys = [("account:ana", 3), ("address:10.0.0.1", 10)];
        for _ in 0..3 {
            assert!(!guard.is_blocked(&keys));
            guard.failed(&["account:ana", "address:10.0.0.1"]);
        }
        assert!(guard.is_blocked(&keys));
        assert!(
            !guard.is_blocked(&[("account:bruno", 3)]),
            "other accounts are not affected"
        );
        tokio::time::advance(Duration::from_secs(SIGN_IN_WINDOW_SECS + 1)).await;
        assert!(!guard.is_blocked(&keys));
        guard.failed(&["account:ana"]);
        guard.succeeded("account:ana");
        assert!(!guard.is_blocked(&[("account:ana", 1)]));
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
