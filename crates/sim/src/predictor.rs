//! The predictors on the scoreboard. Each sees the same event stream (times in seconds) and
//! is asked, when a visitor joins a full queue, for that visitor's wait at their position.
//! Only the oracle reads the simulation's true parameters.

use std::collections::VecDeque;

use pronto_eta::model::{WaitLaw, Z90, queue_wait_moments};
use pronto_eta::{Estimate, Estimator};

/// A predicted wait, in seconds, with an 80% range where the predictor gives one.
#[derive(Clone, Copy, Debug)]
pub struct Prediction {
    pub typical: f64,
    pub range: Option<(f64, f64)>,
}

/// What a predictor may look at when asked.
pub struct View {
    /// How long the visitor at the head of the queue (ahead of the new one) has waited, if
    /// anyone is ahead. Any real system can see it.
    pub head_wait: Option<f64>,
    /// Truth, for the oracle only: the rate at which the queue is served while every slot
    /// is busy (per second), with the agents online now.
    pub true_take_rate: f64,
    /// Truth, for the oracle only: abandonment rate of one waiting visitor (per second).
    pub true_abandon_rate: f64,
}

pub trait Predictor {
    fn name(&self) -> &'static str;
    /// The oracle is scored but is not a competitor.
    fn is_oracle(&self) -> bool {
        false
    }
    fn joined(&mut self, _now: f64, _id: u64) {}
    /// `wait` is 0 for a visitor taken the moment they joined.
    fn taken(&mut self, _now: f64, _id: u64, _wait: f64) {}
    fn left(&mut self, _now: f64, _id: u64) {}
    /// A conversation that lasted `length` seconds ended.
    fn finished(&mut self, _now: f64, _length: f64) {}
    fn slots_changed(&mut self, _now: f64, _slots: u32) {}
    /// `None`: the predictor has nothing to say (it is then skipped for this visitor).
    fn predict(&mut self, now: f64, position: u64, view: &View) -> Option<Prediction>;
}

/// Every predictor, ours first.
pub fn all() -> Vec<Box<dyn Predictor>> {
    vec![
        Box::new(Ours::default()),
        Box::new(RocketChat::default()),
        Box::new(Comm100::default()),
        Box::new(Salesforce::default()),
        Box::new(HeadOfLine::default()),
        Box::new(LastToEnterService::default()),
        Box::new(Oracle),
    ]
}

fn ms(seconds: f64) -> u64 {
    (seconds * 1000.0).round() as u64
}

/// `pronto-eta`'s estimator, fed in milliseconds.
#[derive(Default)]
pub struct Ours(Estimator);

impl Predictor for Ours {
    fn name(&self) -> &'static str {
        "pronto-eta"
    }
    fn joined(&mut self, now: f64, id: u64) {
        self.0.visitor_joined(ms(now), id);
    }
    fn taken(&mut self, now: f64, id: u64, _wait: f64) {
        self.0.visitor_taken(ms(now), id);
    }
    fn left(&mut self, now: f64, id: u64) {
        self.0.visitor_left(ms(now), id);
    }
    fn finished(&mut self, now: f64, _length: f64) {
        self.0.conversation_finished(ms(now));
    }
    fn slots_changed(&mut self, now: f64, slots: u32) {
        self.0.slots_changed(ms(now), slots);
    }
    fn predict(&mut self, now: f64, position: u64, _view: &View) -> Option<Prediction> {
        match self.0.estimate(ms(now), position) {
            Estimate::Unknown => None,
            Estimate::Range {
                typical_ms,
                low_ms,
                high_ms,
            } => Some(Prediction {
                typical: typical_ms as f64 / 1000.0,
                range: Some((low_ms as f64 / 1000.0, high_ms as f64 / 1000.0)),
            }),
        }
    }
}

/// Rocket.Chat: average chat length × ((position − 1) / capacity + 1), with the running mean
/// of every finished conversation and the total slots online as capacity.
#[derive(Default)]
pub struct RocketChat {
    chats: f64,
    total_length: f64,
    slots: u32,
}

impl Predictor for RocketChat {
    fn name(&self) -> &'static str {
        "Rocket.Chat"
    }
    fn finished(&mut self, _now: f64, length: f64) {
        self.chats += 1.0;
        self.total_length += length;
    }
    fn slots_changed(&mut self, _now: f64, slots: u32) {
        self.slots = slots;
    }
    fn predict(&mut self, _now: f64, position: u64, _view: &View) -> Option<Prediction> {
        if self.chats == 0.0 || self.slots == 0 {
            return None;
        }
        let average = self.total_length / self.chats;
        let typical = average * ((position - 1) as f64 / f64::from(self.slots) + 1.0);
        Some(Prediction {
            typical,
            range: None,
        })
    }
}

/// Comm100: (floor((N − 1) / X) + 1) × average chat time of the most recent 100 chats, with
/// X the total concurrent-chat limit of the agents online (Comm100's help centre, "How is
/// Estimated Wait Time calculated").
#[derive(Default)]
pub struct Comm100 {
    recent: VecDeque<f64>,
    sum: f64,
    slots: u32,
}

impl Predictor for Comm100 {
    fn name(&self) -> &'static str {
        "Comm100"
    }
    fn finished(&mut self, _now: f64, length: f64) {
        self.recent.push_back(length);
        self.sum += length;
        if self.recent.len() > 100 {
            self.sum -= self.recent.pop_front().unwrap_or(0.0);
        }
    }
    fn slots_changed(&mut self, _now: f64, slots: u32) {
        self.slots = slots;
    }
    fn predict(&mut self, _now: f64, position: u64, _view: &View) -> Option<Prediction> {
        if self.recent.is_empty() || self.slots == 0 {
            return None;
        }
        let average = self.sum / self.recent.len() as f64;
        let typical = average * ((position - 1) / u64::from(self.slots) + 1) as f64;
        Some(Prediction {
            typical,
            range: None,
        })
    }
}

/// Salesforce (Chat REST API, estimated wait time): A = 0.9·A′ + 0.1·W at each take. Only
/// visitors who actually queued update it — the favourable reading: counting the zero waits
/// of visitors taken at once would drag A towards 0.
#[derive(Default)]
pub struct Salesforce {
    average: Option<f64>,
}

impl Predictor for Salesforce {
    fn name(&self) -> &'static str {
        "Salesforce MA"
    }
    fn taken(&mut self, _now: f64, _id: u64, wait: f64) {
        if wait > 0.0 {
            self.average = Some(self.average.map_or(wait, |a| 0.9 * a + 0.1 * wait));
        }
    }
    fn predict(&mut self, _now: f64, _position: u64, _view: &View) -> Option<Prediction> {
        self.average.map(|typical| Prediction {
            typical,
            range: None,
        })
    }
}

/// Head-of-line, refined as in Ibrahim & Whitt (2009): a newcomer at position k behind a head
/// that has waited w is predicted (k / (k − 1))·w. With nobody ahead (k = 1) there is no head
/// to look at: it repeats the last value it gave (nothing before its first).
#[derive(Default)]
pub struct HeadOfLine {
    last: Option<f64>,
}

impl Predictor for HeadOfLine {
    fn name(&self) -> &'static str {
        "HOL"
    }
    fn predict(&mut self, _now: f64, position: u64, view: &View) -> Option<Prediction> {
        if let (Some(w), true) = (view.head_wait, position > 1) {
            let k = position as f64;
            self.last = Some(k / (k - 1.0) * w);
        }
        self.last.map(|typical| Prediction {
            typical,
            range: None,
        })
    }
}

/// Last-to-enter-service: the wait of the last visitor taken who had to queue.
#[derive(Default)]
pub struct LastToEnterService {
    last: Option<f64>,
}

impl Predictor for LastToEnterService {
    fn name(&self) -> &'static str {
        "LES"
    }
    fn taken(&mut self, _now: f64, _id: u64, wait: f64) {
        if wait > 0.0 {
            self.last = Some(wait);
        }
    }
    fn predict(&mut self, _now: f64, _position: u64, _view: &View) -> Option<Prediction> {
        self.last.map(|typical| Prediction {
            typical,
            range: None,
        })
    }
}

/// The queue-length predictor with the true current parameters: takes at the true full-load
/// rate r, abandonment at the true θ, so E[W] = Σ_{j<k} 1/(r + θj) — exact for M/M/s(+M)
/// (for the potential wait), an approximation elsewhere. Its range is the gamma law with the
/// same phases' mean and variance.
pub struct Oracle;

impl Predictor for Oracle {
    fn name(&self) -> &'static str {
        "oracle"
    }
    fn is_oracle(&self) -> bool {
        true
    }
    fn predict(&mut self, _now: f64, position: u64, view: &View) -> Option<Prediction> {
        if view.true_take_rate <= 0.0 {
            return None;
        }
        let (mean, var) = queue_wait_moments(view.true_take_rate, view.true_abandon_rate, position);
        let law = WaitLaw::new(mean, var);
        Some(Prediction {
            typical: mean,
            range: Some((law.wait_at(-Z90), law.wait_at(Z90))),
        })
    }
}
