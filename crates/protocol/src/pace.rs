//! Sending no faster than the server takes frames. The server lets each connection send
//! `FRAMES_PER_SECOND` frames a second with bursts of `FRAME_BURST`, and refuses the rest;
//! a fast typist, or an outbox resent after a reconnect, would otherwise hit that. Pure logic
//! on a millisecond clock the caller passes in, so it is tested natively. Both clients, the
//! widget and the console, follow these rules; they live here beside the limits they mirror.

use crate::ErrorCode;
use crate::limits::{FRAME_BURST, FRAMES_PER_SECOND, TYPING_REPEAT_MS};

/// Frames a second the widget allows itself: below the server's rate, so timer and clock
/// jitter between the two ends never add up to a refusal.
const RATE_PER_SEC: f64 = (FRAMES_PER_SECOND * 4 / 5) as f64;
/// Frames the widget sends at once after a pause: half the server's burst, leaving the rest
/// for frames that a stalled network delivers together.
const BURST: f64 = (FRAME_BURST / 2) as f64;
/// The first pause after a passing refusal; it doubles with every refusal in a row…
const FIRST_REFUSAL_PAUSE_MS: u32 = 1_000;
/// …up to this.
const MAX_REFUSAL_PAUSE_MS: u32 = 16_000;

/// A token bucket like the server's, smaller and slower. One lives as long as the transport:
/// the server's budget is per connection, so a client one that outlives connections is only
/// ever stricter.
#[derive(Clone, Debug)]
pub struct Budget {
    tokens: f64,
    /// When `tokens` was last brought up to date.
    at_ms: f64,
}

impl Budget {
    /// A full budget at `now_ms`.
    pub fn new(now_ms: f64) -> Self {
        Self {
            tokens: BURST,
            at_ms: now_ms,
        }
    }

    fn refill(&mut self, now_ms: f64) {
        // A clock set back earns nothing rather than taking tokens away.
        let earned = (now_ms - self.at_ms).max(0.0) * RATE_PER_SEC / 1000.0;
        self.tokens = (self.tokens + earned).min(BURST);
        self.at_ms = self.at_ms.max(now_ms);
    }

    /// Whether a frame that may as well be dropped ("typing" news) can go without slowing
    /// what must go: the budget is at least half full. A person typing never runs it that low;
    /// a burst of messages (a fast writer, an outbox resent after a reconnect) keeps every
    /// frame for the messages, which end the typing on the other side anyway.
    pub fn has_room_for_news(&mut self, now_ms: f64) -> bool {
        self.refill(now_ms);
        self.tokens >= BURST / 2.0
    }

    /// Takes a frame's token if there is one; otherwise says how many milliseconds until
    /// there is (at least 1).
    pub fn admit(&mut self, now_ms: f64) -> Result<(), u32> {
        self.refill(now_ms);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            // `as` saturates; the wait is short and positive here.
            Err(((1.0 - self.tokens) * 1000.0 / RATE_PER_SEC)
                .ceil()
                .max(1.0) as u32)
        }
    }

    /// Counts a frame that goes regardless (a `hello`: nothing else can go before it). The
    /// budget may go below zero; the frames after it then wait longer.
    pub fn spend(&mut self, now_ms: f64) {
        self.refill(now_ms);
        self.tokens -= 1.0;
    }
}

/// Whether the server refused a message for a passing reason: sent again a little later it
/// will be stored, so it stays "sending" instead of asking the visitor what to do.
pub fn is_transient(code: ErrorCode) -> bool {
    matches!(code, ErrorCode::RateLimited | ErrorCode::Internal)
}

/// Whether to tell the other side about typing now, after a key press that leaves text in the
/// box (`has_text`) or empties it. "Typing" goes at most every `TYPING_REPEAT_MS` while there
/// is text, "stopped" once when the box empties. `told_at_ms`: when "typing" was last told,
/// `None` once "stopped" was (or the message itself ended the typing).
pub fn typing_news(told_at_ms: Option<f64>, now_ms: f64, has_text: bool) -> bool {
    match told_at_ms {
        Some(at) => !has_text || now_ms - at >= f64::from(TYPING_REPEAT_MS),
        None => has_text,
    }
}

/// The pause before sending again after `refusals` passing refusals in a row (1 or more).
pub fn refusal_pause_ms(refusals: u32) -> u32 {
    FIRST_REFUSAL_PAUSE_MS
        .saturating_mul(1 << refusals.saturating_sub(1).min(16))
        .min(MAX_REFUSAL_PAUSE_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn burst(budget: &mut Budget, now_ms: f64) -> usize {
        std::iter::from_fn(|| budget.admit(now_ms).ok()).count()
    }

    #[test]
    fn news_goes_only_from_a_budget_at_least_half_full() {
        let mut budget = Budget::new(0.0);
        assert!(budget.has_room_for_news(0.0));
        while budget.has_room_for_news(0.0) {
            budget.spend(0.0);
        }
        // Messages still go…
        assert!(budget.admit(0.0).is_ok());
        // …and news again once the budget has refilled.
        assert!(budget.has_room_for_news(60_000.0));
    }

    #[test]
    fn a_burst_then_the_steady_rate_below_the_servers() {
        let mut budget = Budget::new(0.0);
        assert_eq!(burst(&mut budget, 0.0), 15);
        // The next token comes after a quarter of a second at four a second.
        assert_eq!(budget.admit(0.0), Err(250));
        assert!(budget.admit(240.0).is_err());
        assert_eq!(budget.admit(250.0), Ok(()));
        // Ten seconds later: refilled only up to the burst.
        assert_eq!(burst(&mut budget, 10_250.0), 15);
        // Over any stretch the widget stays within what the server allows.
        let mut budget = Budget::new(0.0);
        let mut sent = 0;
        for ms in (0..60_000).step_by(10) {
            if budget.admit(f64::from(ms)).is_ok() {
                sent += 1;
            }
        }
        let allowed = FRAME_BURST + 60 * FRAMES_PER_SECOND;
        assert!(sent < allowed, "{sent} frames in a minute");
        assert!(sent >= 15 + 60 * 4 - 1, "{sent} frames in a minute");
    }

    #[test]
    fn a_hello_goes_into_debt_and_a_clock_set_back_earns_nothing() {
        let mut budget = Budget::new(1_000.0);
        for _ in 0..16 {
            budget.spend(1_000.0);
        }
        // One token below zero: two tokens' wait.
        assert_eq!(budget.admit(1_000.0), Err(500));
        assert_eq!(budget.admit(0.0), Err(500));
        assert_eq!(budget.admit(1_500.0), Ok(()));
    }

    #[test]
    fn only_speed_and_server_trouble_are_passing() {
        assert!(is_transient(ErrorCode::RateLimited));
        assert!(is_transient(ErrorCode::Internal));
        assert!(!is_transient(ErrorCode::MessageTooLong));
        assert!(!is_transient(ErrorCode::DuplicateId));
        assert!(!is_transient(ErrorCode::ConversationClosed));
    }

    #[test]
    fn refusal_pauses_grow_to_a_cap() {
        assert_eq!(refusal_pause_ms(1), 1_000);
        assert_eq!(refusal_pause_ms(2), 2_000);
        assert_eq!(refusal_pause_ms(4), 8_000);
        assert_eq!(refusal_pause_ms(5), 16_000);
        assert_eq!(refusal_pause_ms(90), 16_000);
        assert_eq!(refusal_pause_ms(0), 1_000);
    }

    #[test]
    fn typing_is_told_now_and_then_and_its_end_once() {
        let repeat = f64::from(TYPING_REPEAT_MS);
        assert!(typing_news(None, 0.0, true), "the first key press");
        assert!(
            !typing_news(Some(0.0), repeat - 1.0, true),
            "not again so soon"
        );
        assert!(typing_news(Some(0.0), repeat, true), "again after a while");
        assert!(typing_news(Some(0.0), 1.0, false), "the box emptied");
        assert!(!typing_news(None, 1.0, false), "nothing to end");
    }
}
