//! Checks a person would make by hand: feed the estimator a queue whose answer is known and
//! look at what it says.

use super::*;

/// SplitMix64, enough randomness for a hand-fed queue (and for the statistics' own tests).
pub(crate) struct Dice(pub(crate) u64);

impl Dice {
    pub(crate) fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn exponential(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.uniform()).ln()
    }
}

/// What [`feed_mms`] fed: the time it stopped at and the mean length of the finished
/// chats, both in the milliseconds the estimator saw.
struct Fed {
    now: u64,
    mean_chat_ms: f64,
}

/// Runs an M/M/s queue for `visitors` arrivals (times in ms) and feeds every event to `eta`.
fn feed_mms(eta: &mut Estimator, slots: u32, arrival_ms: f64, chat_ms: f64, visitors: u64) -> Fed {
    let mut dice = Dice(7);
    let mut now = 0.0f64;
    let mut next_arrival = dice.exponential(arrival_ms);
    // (end, start in ms) of the chats running.
    let mut ends: Vec<(f64, u64)> = Vec::new();
    let (mut chats, mut chat_total) = (0u64, 0u64);
    let mut queue = std::collections::VecDeque::new();
    let mut id = 0;
    eta.slots_changed(0, slots);
    while id < visitors {
        let next_end = ends.iter().map(|e| e.0).fold(f64::INFINITY, f64::min);
        if next_arrival < next_end {
            now = next_arrival;
            next_arrival += dice.exponential(arrival_ms);
            eta.visitor_joined(now as u64, id);
            queue.push_back(id);
            id += 1;
        } else {
            now = next_end;
            let i = ends.iter().position(|e| e.0 == next_end).unwrap();
            let (_, start) = ends.swap_remove(i);
            eta.conversation_finished(now as u64);
            chats += 1;
            chat_total += now as u64 - start;
        }
        while ends.len() < slots as usize {
            let Some(v) = queue.pop_front() else { break };
            eta.visitor_taken(now as u64, v);
            ends.push((now + dice.exponential(chat_ms), now as u64));
        }
    }
    Fed {
        now: now as u64,
        mean_chat_ms: chat_total as f64 / chats as f64,
    }
}

fn range(e: Estimate) -> (f64, f64, f64) {
    match e {
        Estimate::Range {
            typical_ms,
            low_ms,
            high_ms,
        } => (typical_ms as f64, low_ms as f64, high_ms as f64),
        Estimate::Unknown => panic!("expected a range"),
    }
}

#[test]
fn unknown_before_any_history() {
    let mut eta = Estimator::default();
    assert_eq!(eta.estimate(0, 1), Estimate::Unknown);
    eta.slots_changed(0, 3);
    eta.visitor_joined(10, 1);
    eta.visitor_taken(10, 1);
    assert_eq!(eta.estimate(20, 1), Estimate::Unknown);
}

#[test]
fn unknown_with_no_agent_online() {
    let mut eta = Estimator::default();
    let now = feed_mms(&mut eta, 1, 75_000.0, 60_000.0, 2_000).now;
    eta.slots_changed(now, 0);
    assert_eq!(eta.estimate(now, 1), Estimate::Unknown);
}

#[test]
fn steady_mm1_position_three_waits_about_three_chats() {
    let mut eta = Estimator::default();
    // One agent, one-minute chats, a visitor every 75 s: load 0.8.
    let now = feed_mms(&mut eta, 1, 75_000.0, 60_000.0, 20_000).now;
    let (typical, low, high) = range(eta.estimate(now, 3));
    assert!(
        (typical / 180_000.0 - 1.0).abs() < 0.15,
        "typical {typical} ms, expected ~180000"
    );
    assert!(low < typical && typical < high);
}

#[test]
fn a_steady_mm1_queue_gets_exactly_position_times_the_mean_chat() {
    // Exponential chats, one agent: the plain model is exact, so every learnt correction
    // (calibration factor, measured first phase, short memory) must stay out of the way
    // and the estimate be k × the mean of all chats so far — no added noise.
    let mut eta = Estimator::default();
    let fed = feed_mms(&mut eta, 1, 75_000.0, 60_000.0, 20_000);
    for k in [1, 3, 10] {
        let (typical, _, _) = range(eta.estimate(fed.now, k));
        let expected = k as f64 * fed.mean_chat_ms;
        // Up to the chat running now, which counts towards the rate but is not finished.
        assert!(
            (typical / expected - 1.0).abs() < 1e-3,
            "position {k}: {typical} ms, expected {expected}"
        );
    }
}

#[test]
fn agents_signing_in_while_visitors_wait_speed_the_queue_up() {
    // One agent finishing a chat a minute, five visitors always waiting, and every fourth
    // minute or so a second agent signs in, takes a visitor at once and signs out again:
    // the queue moves 1.25 times a minute, so position 5 waits about 4 minutes, not 5.
    let mut eta = Estimator::default();
    let mut dice = Dice(13);
    eta.slots_changed(0, 1);
    let mut queue = std::collections::VecDeque::new();
    let (mut now, mut id) = (0u64, 0u64);
    eta.visitor_joined(now, id);
    eta.visitor_taken(now, id);
    let mut extra_chat = false;
    for step in 0..20_000 {
        while queue.len() < 5 {
            id += 1;
            eta.visitor_joined(now, id);
            queue.push_back(id);
        }
        now += dice.exponential(60_000.0) as u64 + 1;
        if std::mem::take(&mut extra_chat) {
            // The visiting agent's chat ends too (they signed out, no slot frees).
            eta.conversation_finished(now);
        }
        eta.conversation_finished(now);
        eta.visitor_taken(now, queue.pop_front().unwrap());
        if step % 4 == 0 {
            id += 1;
            eta.visitor_joined(now, id);
            queue.push_back(id);
            eta.slots_changed(now, 2);
            eta.visitor_taken(now, queue.pop_front().unwrap());
            eta.slots_changed(now, 1);
            extra_chat = true;
        }
    }
    let (typical, _, _) = range(eta.estimate(now, 5));
    assert!(
        (typical / 240_000.0 - 1.0).abs() < 0.1,
        "typical {typical} ms, expected ~240000"
    );
}

#[test]
fn range_widens_with_position() {
    let mut eta = Estimator::default();
    let now = feed_mms(&mut eta, 3, 25_000.0, 60_000.0, 20_000).now;
    let mut last_width = 0.0;
    let mut last_typical = 0.0;
    for k in [1, 2, 5, 20, 100] {
        let (typical, low, high) = range(eta.estimate(now, k));
        assert!(
            high - low > last_width,
            "position {k}: width {} not above {last_width}",
            high - low
        );
        assert!(typical > last_typical);
        last_width = high - low;
        last_typical = typical;
    }
}

#[test]
fn more_slots_shorten_the_wait_in_proportion() {
    let mut eta = Estimator::default();
    let now = feed_mms(&mut eta, 2, 40_000.0, 60_000.0, 20_000).now;
    let (before, _, _) = range(eta.estimate(now, 20));
    eta.slots_changed(now, 4);
    let (after, _, _) = range(eta.estimate(now, 20));
    assert!(
        (after / before - 0.5).abs() < 0.05,
        "{before} ms with 2 slots, {after} ms with 4"
    );
}

#[test]
fn an_abandoned_visitor_is_not_scored_as_taken() {
    let mut eta = Estimator::default();
    let now = feed_mms(&mut eta, 1, 75_000.0, 60_000.0, 5_000).now;
    let scored = eta.calibrated_waits();
    let mut never_saw_them = eta.clone();
    // A visitor who joins and leaves after an hour: a long wait, had it counted.
    eta.visitor_joined(now, u64::MAX);
    eta.visitor_left(now + 3_600_000, u64::MAX);
    assert_eq!(eta.calibrated_waits(), scored);
    // The estimate for the head of the queue does not depend on abandonment at all.
    assert_eq!(
        eta.estimate(now + 3_600_000, 1),
        never_saw_them.estimate(now + 3_600_000, 1)
    );
}

#[test]
fn abandonment_shortens_deep_positions() {
    // One agent, a take a minute on average, and five visitors always waiting, one of whom
    // gives up every other minute (and another joins in their place).
    let mut eta = Estimator::default();
    let mut dice = Dice(11);
    eta.slots_changed(0, 1);
    let mut queue = std::collections::VecDeque::new();
    let mut now = 0u64;
    let mut id = 0u64;
    eta.visitor_joined(now, id);
    eta.visitor_taken(now, id);
    while queue.len() < 5 {
        id += 1;
        eta.visitor_joined(now, id);
        queue.push_back(id);
    }
    for _ in 0..3_000 {
        now += dice.exponential(60_000.0) as u64 + 1;
        eta.conversation_finished(now);
        eta.visitor_taken(now, queue.pop_front().unwrap());
        if dice.uniform() < 0.5 {
            eta.visitor_left(now, queue.pop_back().unwrap());
        }
        while queue.len() < 5 {
            id += 1;
            eta.visitor_joined(now, id);
            queue.push_back(id);
        }
    }
    let (k1, _, _) = range(eta.estimate(now, 1));
    let (k40, _, _) = range(eta.estimate(now, 40));
    // Without abandonment position 40 would wait 40 times position 1.
    assert!(
        k40 < 25.0 * k1,
        "position 1: {k1} ms, position 40: {k40} ms"
    );
}

#[test]
fn slower_agents_are_noticed_within_a_few_hundred_chats() {
    let mut eta = Estimator::default();
    let now = feed_mms(&mut eta, 1, 75_000.0, 60_000.0, 20_000).now;
    // The agent now takes two minutes a chat (and fewer visitors come, to keep load 0.8).
    let mut later = Estimator::default();
    std::mem::swap(&mut later, &mut eta);
    let mut dice = Dice(3);
    let mut t = now as f64;
    let mut next_arrival = t + dice.exponential(150_000.0);
    let mut end: Option<f64> = None;
    let mut queue = std::collections::VecDeque::new();
    let mut id = 1u64 << 40;
    let mut finished = 0;
    // The earlier history left one chat running at most; finish it now to start clean.
    later.conversation_finished(now);
    while finished < 600 {
        let e = end.unwrap_or(f64::INFINITY);
        if next_arrival < e {
            t = next_arrival;
            next_arrival += dice.exponential(150_000.0);
            later.visitor_joined(t as u64, id);
            queue.push_back(id);
            id += 1;
        } else {
            t = e;
            end = None;
            later.conversation_finished(t as u64);
            finished += 1;
        }
        if end.is_none()
            && let Some(v) = queue.pop_front()
        {
            later.visitor_taken(t as u64, v);
            end = Some(t + dice.exponential(120_000.0));
        }
    }
    let (typical, _, _) = range(later.estimate(t as u64, 3));
    assert!(
        (typical / 360_000.0 - 1.0).abs() < 0.25,
        "typical {typical} ms, expected ~360000"
    );
}
