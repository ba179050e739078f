//! `pronto-eta`: estimates how long a visitor waiting in the chat queue will wait before an
//! agent takes the conversation, with a typical value and an honest 80% range.
//!
//! The estimator is fed what happens in the queue, as it happens, and answers in O(1) per
//! event and per estimate: no work grows with the queue length or with the history. It does
//! no I/O and reads no clock: every call carries the time, in **milliseconds** (any epoch,
//! e.g. milliseconds since the Unix epoch as the server uses; only differences matter).
//! Visitors are named by an opaque `u64` id of the caller's choosing.
//!
//! ```
//! use pronto_eta::{Estimate, Estimator};
//!
//! let mut eta = Estimator::default();
//! let minute = 60_000;
//! eta.slots_changed(0, 2); // two agents online, one chat each
//!
//! // A steady queue: every minute a visitor joins and, a minute later, is taken,
//! // while two conversations run and one finishes every minute.
//! eta.visitor_joined(0, 0);
//! eta.visitor_taken(0, 0);
//! eta.visitor_joined(0, 1);
//! eta.visitor_taken(0, 1);
//! for id in 2..200u64 {
//!     let now = id * minute;
//!     eta.visitor_joined(now - minute, id);
//!     eta.conversation_finished(now);
//!     eta.visitor_taken(now, id);
//! }
//!
//! // The third in line waits about three minutes (three takes, one a minute).
//! match eta.estimate(200 * minute, 3) {
//!     Estimate::Range { typical_ms, low_ms, high_ms } => {
//!         assert!((120_000..=240_000).contains(&typical_ms));
//!         assert!(low_ms <= typical_ms && typical_ms <= high_ms);
//!     }
//!     Estimate::Unknown => unreachable!("plenty of history"),
//! }
//!
//! // Before any history there is nothing true to say.
//! assert_eq!(Estimator::default().estimate(0, 1), Estimate::Unknown);
//! ```
//!
//! # How it estimates
//!
//! While every slot is busy, visitors leave the queue through takes, at a rate `r` = (rate
//! at which one busy slot finishes conversations while agents are fully loaded) × (slots
//! online) + (slots gained per second by agents signing in while visitors wait: each new
//! slot takes a waiting visitor at once), and through abandonment, at `θ` per waiting
//! visitor. All are learnt from the events as ratios (events per exposure), so a change of
//! slots rescales `r` at once. Each rate keeps the whole history for precision, so a steady
//! queue's rate has the variance of a full-history mean, and a short memory that takes over
//! when the recent past disagrees far beyond its usual noise (agents got slower).
//! The visitor at position `k` is taken after `k` departures from the queue ahead of them;
//! the phases have rates `r + θ·j`, so the wait's mean and variance have closed forms
//! (digamma, trigamma), and a gamma law with those moments gives the shape of the range.
//! The first phase (join → next take) is measured directly, per class of time elapsed
//! since the last take, which corrects for long-tailed chat lengths (old chats go on).
//!
//! Then it calibrates against what really happened. At each join into a full queue the
//! estimator remembers its model prediction for that visitor; when the visitor is taken it
//! records (a) the least-squares factor between actual and predicted waits, which corrects
//! the typical value, and (b) where the actual wait fell in the predicted law, as a z score
//! in a decayed histogram. The 10th and 90th percentiles of those z scores, mapped back
//! through the current law, are the range: a conformal-style calibration, so about 80% of
//! waits land inside whatever the model gets wrong. With little history the range is
//! shrunk towards the model's own.
//!
//! Every learnt correction of the typical value (the factor, the measured first phase, the
//! short memory) is believed only as far as it differs from the plain model by more than
//! its noise explains, four standard errors (see `stats`). Waits of visitors who queue
//! together share the same chats, so that noise is counted per stretch of queue (from the
//! queue emptying to its emptying again), not per visitor. Where the plain model is right
//! — exponential chats, steady agents — the corrections then stay at exactly nothing, and
//! the estimate is the model with full-history rates, with no extra noise; where it is
//! wrong they soon carry the evidence.
//!
//! Visitors who leave without being taken are not scored (their wait is unknown, only that
//! it would have been longer); they feed the abandonment rate. A visitor who joins while a
//! slot is free is taken at once and teaches the calibration nothing.
//!
//! Memory is fixed apart from one small record per visitor *currently waiting*: tell the
//! estimator about every visitor who joined, once, when they are taken or leave.

mod head;
pub mod model;
mod stats;

use std::collections::HashMap;

use head::HeadPhase;
use model::{WaitLaw, Z90, queue_wait_moments};
use stats::{Histogram, Rate, Scale, TwoSpeedRate};

/// The estimator's settings. The defaults serve every queue; half-lives count events, not
/// time, so they suit a quiet shop and a busy one alike. The rates also keep a short
/// memory that takes over when the recent past clearly disagrees (see `stats`), which is
/// why their long memory can keep everything.
#[derive(Clone, Debug)]
pub struct Config {
    /// Half-life, in finished conversations, of the learnt conversation rate (and, in
    /// sign-ins, of the rate of slots gained). Infinite: the whole history.
    pub rate_half_life: f64,
    /// Half-life, in departures from the queue, of the learnt abandonment rate.
    pub abandon_half_life: f64,
    /// Half-life, in taken visitors, of the calibration (typical factor, range, first phase).
    pub calibration_half_life: f64,
    /// How many finished conversations and takes it must have seen before it says anything.
    pub min_history: u64,
    /// Weight, in pretend observations, of the model's own values where a learnt value is
    /// shrunk towards them (the full-load rate, abandonment, the range, the first phase's
    /// spread).
    pub prior_weight: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            // A steady queue's rates are then full-history means, with the least noise;
            // a real change is the short memory's to catch (see `stats`).
            rate_half_life: f64::INFINITY,
            abandon_half_life: f64::INFINITY,
            calibration_half_life: 100_000.0,
            min_history: 5,
            prior_weight: 20.0,
        }
    }
}

/// A wait estimate, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Estimate {
    /// Too little history (or no agent online) to say anything true.
    Unknown,
    /// The expected wait (`typical_ms`, the value with the least squared error) and the
    /// central 80% range: 10% of visitors wait less than `low_ms`, 10% more than `high_ms`.
    Range {
        typical_ms: u64,
        low_ms: u64,
        high_ms: u64,
    },
}

/// A visitor in the queue, as remembered from their join.
#[derive(Clone, Copy, Debug)]
struct Waiting {
    joined_ms: u64,
    /// The model's law for this visitor's wait at join, when they joined a full queue and
    /// the model had enough history: what their actual wait is calibrated against.
    predicted: Option<WaitLaw>,
    /// Take count at join and the take rate then: while the count is unchanged the visitor is
    /// still waiting for the first take after their join (see [`HeadPhase`]).
    takes_at_join: u64,
    rate_at_join: Option<f64>,
    class_at_join: usize,
}

/// The reply-time estimator for one queue. See the crate documentation.
#[derive(Clone, Debug)]
pub struct Estimator {
    config: Config,
    last_ms: Option<u64>,
    slots: u32,
    busy: u32,
    waiting: HashMap<u64, Waiting>,
    takes: u64,
    last_take_ms: Option<u64>,
    calibrated: u64,
    /// Conversations finished per busy slot-second, at any load.
    finish_any: TwoSpeedRate,
    /// The same, counted only while every slot is busy: agents juggling a full load may be
    /// slower, and that is the regime in which a queue drains.
    finish_full: TwoSpeedRate,
    /// Slots gained (agents signing in) per second while visitors wait: each takes a waiting
    /// visitor at once, on top of the finished conversations. Counted only while someone
    /// waits, as agents may well sign in *because* a queue builds up.
    slot_gains: Rate,
    /// Abandonments per visitor-second waiting.
    abandon: TwoSpeedRate,
    head: HeadPhase,
    /// Least-squares factor between actual and predicted waits, one cluster per stretch of
    /// queue (see [`Scale`]), over all visitors ...
    typical_factor: Scale,
    /// ... and per class of time since the last take at join (see `head`): a queue whose
    /// last take was long ago is often clogged by long chats and drains slower than usual.
    typical_factor_by_class: [Scale; head::CLASSES],
    z_scores: Histogram,
}

impl Default for Estimator {
    fn default() -> Self {
        Estimator::new(Config::default())
    }
}

impl Estimator {
    pub fn new(config: Config) -> Self {
        Estimator {
            last_ms: None,
            slots: 0,
            busy: 0,
            waiting: HashMap::new(),
            takes: 0,
            last_take_ms: None,
            calibrated: 0,
            finish_any: TwoSpeedRate::new(config.rate_half_life),
            finish_full: TwoSpeedRate::new(config.rate_half_life),
            slot_gains: Rate::new(config.rate_half_life),
            abandon: TwoSpeedRate::new(config.abandon_half_life),
            head: HeadPhase::new(config.calibration_half_life),
            typical_factor: Scale::new(config.calibration_half_life),
            typical_factor_by_class: std::array::from_fn(|_| {
                Scale::new(config.calibration_half_life)
            }),
            z_scores: Histogram::new(-6.0, 6.0, 240, config.calibration_half_life),
            config,
        }
    }

    /// Visitors currently waiting, as far as the events tell.
    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }

    /// How many taken visitors' waits the calibration has learnt from (visitors who joined a
    /// full queue once the model had history); abandoned visitors never count.
    pub fn calibrated_waits(&self) -> u64 {
        self.calibrated
    }

    /// The total number of concurrent-chat slots of the agents online changed to `slots`.
    /// Conversations already running go on; they count as busy until finished.
    pub fn slots_changed(&mut self, now_ms: u64, slots: u32) {
        self.advance(now_ms);
        if slots > self.slots && !self.waiting.is_empty() {
            self.slot_gains.events(f64::from(slots - self.slots));
        }
        self.slots = slots;
    }

    /// Visitor `id` joined the queue.
    pub fn visitor_joined(&mut self, now_ms: u64, id: u64) {
        self.advance(now_ms);
        // A visitor who finds a free slot is taken at once: there is no wait to predict.
        let queued = self.busy >= self.slots || !self.waiting.is_empty();
        let position = self.waiting.len() as u64 + 1;
        let (predicted, rate) = match (queued, self.model(now_ms, position)) {
            (true, Some((law, r))) => (Some(law), Some(r)),
            _ => (None, None),
        };
        let class = rate.map_or(0, |r| self.class(now_ms, r));
        if let Some(r) = rate {
            self.head.join(seconds(now_ms), r, class);
        }
        let visitor = Waiting {
            joined_ms: now_ms,
            predicted,
            takes_at_join: self.takes,
            rate_at_join: rate,
            class_at_join: class,
        };
        self.waiting.insert(id, visitor);
    }

    /// Visitor `id` was taken by an agent: their wait is over and a slot is now busy.
    pub fn visitor_taken(&mut self, now_ms: u64, id: u64) {
        self.advance(now_ms);
        self.busy = self.busy.saturating_add(1);
        self.takes += 1;
        self.last_take_ms = Some(now_ms);
        self.head.take(seconds(now_ms));
        self.abandon.tick();
        let Some(visitor) = self.waiting.remove(&id) else {
            return;
        };
        let wait = seconds(now_ms.saturating_sub(visitor.joined_ms));
        if let (Some(law), true) = (visitor.predicted, wait > 0.0) {
            self.typical_factor.observe(law.mean, wait);
            self.typical_factor_by_class[visitor.class_at_join].observe(law.mean, wait);
            self.z_scores.observe(law.z_of(wait));
            self.calibrated += 1;
        }
        self.end_stretch_if_empty();
    }

    /// Visitor `id` left the queue without being taken. Their wait is censored (it would have
    /// been at least this long), so it is not used as a wait; it counts as an abandonment.
    pub fn visitor_left(&mut self, now_ms: u64, id: u64) {
        self.advance(now_ms);
        let Some(visitor) = self.waiting.remove(&id) else {
            return;
        };
        self.abandon.event();
        if let (Some(r), true) = (visitor.rate_at_join, visitor.takes_at_join == self.takes) {
            self.head
                .leave(seconds(visitor.joined_ms), r, visitor.class_at_join);
        }
        self.end_stretch_if_empty();
    }

    /// An agent finished a conversation: a slot is free again.
    pub fn conversation_finished(&mut self, now_ms: u64) {
        self.advance(now_ms);
        let full = self.slots > 0 && self.busy >= self.slots;
        self.busy = self.busy.saturating_sub(1);
        self.finish_any.event();
        if full {
            self.finish_full.event();
        }
    }

    /// The wait of the visitor at `position` (1 = next to be taken), as of `now_ms`.
    pub fn estimate(&mut self, now_ms: u64, position: u64) -> Estimate {
        self.advance(now_ms);
        let Some((law, rate)) = self.model(now_ms, position) else {
            return Estimate::Unknown;
        };
        let low = law.wait_at(self.calibrated_z(0.1, -Z90));
        let high = law.wait_at(self.calibrated_z(0.9, Z90));
        let typical = (law.mean * self.typical_factor(now_ms, rate)).clamp(low, high);
        Estimate::Range {
            typical_ms: millis(typical),
            low_ms: millis(low),
            high_ms: millis(high),
        }
    }

    /// Once the queue has emptied, the waits calibrated so far share no more luck with the
    /// waits to come: the factor's cluster of evidence is complete (see [`Scale`]).
    fn end_stretch_if_empty(&mut self) {
        if self.waiting.is_empty() {
            self.typical_factor.close_cluster();
            self.typical_factor_by_class
                .iter_mut()
                .for_each(Scale::close_cluster);
        }
    }

    /// Accrue exposure for the time since the last event, under the state before this one.
    fn advance(&mut self, now_ms: u64) {
        let last = self.last_ms.unwrap_or(now_ms);
        // A clock that steps back is treated as no time passing.
        let dt = seconds(now_ms.saturating_sub(last));
        self.last_ms = Some(now_ms.max(last));
        if dt <= 0.0 {
            return;
        }
        let busy = f64::from(self.busy);
        self.finish_any.expose(busy * dt);
        if self.slots > 0 && self.busy >= self.slots {
            self.finish_full.expose(busy * dt);
        }
        self.abandon.expose(self.waiting.len() as f64 * dt);
        if !self.waiting.is_empty() {
            self.slot_gains.expose(dt);
        }
    }

    /// The model's law of the wait at `position` and the take rate it assumes, or `None`
    /// without enough history or without agents.
    fn model(&self, now_ms: u64, position: u64) -> Option<(WaitLaw, f64)> {
        let enough = self.finish_any.seen() >= self.config.min_history
            && self.takes >= self.config.min_history;
        if self.slots == 0 || !enough {
            return None;
        }
        let prior = self.config.prior_weight;
        let any = self.finish_any.current().value()?;
        // Full-load rate, shrunk towards the any-load rate while there is little full-load data.
        let full = self.finish_full.current();
        let per_slot = (full.count + prior) / (full.exposure + prior / any);
        let r = per_slot * f64::from(self.slots) + self.slot_gains.value().unwrap_or(0.0);
        // No abandonment until seen: a prior exposure of `prior` chat lengths without any.
        let abandon = self.abandon.current();
        let theta = abandon.count / (abandon.exposure + prior / any);
        let (mut mean, mut var) = queue_wait_moments(r, theta, position);
        // The first phase as measured rather than as exponential (see `head`).
        let (x1, x2) = self.head.moments(self.class(now_ms, r), prior);
        let first = r + theta * (position as f64 - 1.0);
        mean += (x1 - 1.0) / first;
        var += (x2 - x1 * x1 - 1.0) / (first * first);
        let mean = mean.max(0.05 / r);
        let var = var.max(0.01 * mean * mean);
        Some((WaitLaw::new(mean, var), r))
    }

    /// The factor correcting the model's mean: the class's own, where it differs from the
    /// pooled one significantly, which itself must differ from 1 significantly.
    fn typical_factor(&self, now_ms: u64, rate: f64) -> f64 {
        let pooled = self.typical_factor.value_towards(1.0);
        self.typical_factor_by_class[self.class(now_ms, rate)].value_towards(pooled)
    }

    /// The class of the time since the last take, at take rate `r` (see `head`).
    fn class(&self, now_ms: u64, r: f64) -> usize {
        let since = self
            .last_take_ms
            .map_or(0.0, |t| seconds(now_ms.saturating_sub(t)));
        head::class_of(since * r)
    }

    /// The calibrated z score at percentile `p`, blended with the model's own `z_model`.
    fn calibrated_z(&self, p: f64, z_model: f64) -> f64 {
        let n = self.z_scores.effective_count();
        let z = self.z_scores.quantile(p).unwrap_or(z_model);
        let prior = self.config.prior_weight;
        (n * z + prior * z_model) / (n + prior)
    }
}

fn seconds(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

fn millis(seconds: f64) -> u64 {
    (seconds * 1000.0).round().max(0.0) as u64
}

#[cfg(test)]
mod tests;
