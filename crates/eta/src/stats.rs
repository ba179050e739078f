//! Exponentially decayed statistics of fixed size: a rate (events per unit of exposure), a
//! least-squares scale factor and a histogram. Each forgets old data by a constant factor
//! per observation, so memory is counted in observations rather than in wall-clock time:
//! the same half-life works for a shop with one chat a day and one with a chat a second.

/// Per-observation decay factor for a half-life of `half_life` observations.
pub fn decay_factor(half_life: f64) -> f64 {
    0.5f64.powf(1.0 / half_life.max(1.0))
}

/// Events per unit of exposure (e.g. conversations finished per busy slot-second), with
/// both the event count and the exposure decayed at each event.
#[derive(Clone, Debug)]
pub struct Rate {
    gamma: f64,
    /// Decayed number of events.
    pub count: f64,
    /// Decayed exposure.
    pub exposure: f64,
    /// Plain (undecayed) number of events, for the "enough history yet?" test.
    pub seen: u64,
}

impl Rate {
    pub fn new(half_life: f64) -> Self {
        Rate {
            gamma: decay_factor(half_life),
            count: 0.0,
            exposure: 0.0,
            seen: 0,
        }
    }

    /// Exposure accrued since the last event (it is decayed with the next event).
    pub fn expose(&mut self, amount: f64) {
        self.exposure += amount;
    }

    /// One event: older history loses weight.
    pub fn event(&mut self) {
        self.count = self.count * self.gamma + 1.0;
        self.exposure *= self.gamma;
        self.seen += 1;
    }

    /// Decay without an event: for statistics that forget per observation of something
    /// else (abandonments forget at every departure from the queue, taken or not).
    pub fn tick(&mut self) {
        self.count *= self.gamma;
        self.exposure *= self.gamma;
    }

    /// Events per unit of exposure, or `None` with no exposure yet.
    pub fn value(&self) -> Option<f64> {
        (self.count > 0.0 && self.exposure > 0.0).then(|| self.count / self.exposure)
    }
}

/// A rate learnt at two speeds: a long memory for precision while nothing changes, and a
/// short one that takes over when it disagrees with the long one by more than its usual
/// noise explains, e.g. when agents get slower.
///
/// "Usual noise" is learnt, not assumed: long-tailed chat lengths make the short memory far
/// noisier than a Poisson count would, so the estimator keeps a long-memory mean of the
/// squared log-gap between the two and switches only beyond four of its root.
#[derive(Clone, Debug)]
pub struct TwoSpeedRate {
    long: Rate,
    short: Rate,
    gap_gamma: f64,
    gap_sq: f64,
    gap_n: f64,
}

/// Pretend observations of the log-gap's noise before any are seen.
const GAP_PRIOR: f64 = 100.0;

impl TwoSpeedRate {
    /// `half_life` is the long memory's; the short one forgets 200 times faster.
    pub fn new(half_life: f64) -> Self {
        TwoSpeedRate {
            long: Rate::new(half_life),
            short: Rate::new(half_life / 200.0),
            gap_gamma: decay_factor(half_life),
            gap_sq: 0.0,
            gap_n: 0.0,
        }
    }

    pub fn expose(&mut self, amount: f64) {
        self.long.expose(amount);
        self.short.expose(amount);
    }

    pub fn event(&mut self) {
        self.long.event();
        self.short.event();
        if let Some(gap) = self.gap() {
            self.gap_sq = self.gap_sq * self.gap_gamma + gap * gap;
            self.gap_n = self.gap_n * self.gap_gamma + 1.0;
        }
    }

    pub fn tick(&mut self) {
        self.long.tick();
        self.short.tick();
    }

    pub fn seen(&self) -> u64 {
        self.long.seen
    }

    /// ln(short / long), once the short memory is full enough to compare.
    fn gap(&self) -> Option<f64> {
        match (self.long.value(), self.short.value()) {
            (Some(long), Some(short)) if self.short.count >= 30.0 => Some((short / long).ln()),
            _ => None,
        }
    }

    /// The memory to trust now.
    pub fn current(&self) -> &Rate {
        let Some(gap) = self.gap() else {
            return &self.long;
        };
        // Prior noise: what a Poisson count of the short memory's size would give.
        let prior = 1.0 / self.short.count;
        let noise = (self.gap_sq + GAP_PRIOR * prior) / (self.gap_n + GAP_PRIOR);
        if gap * gap > 16.0 * noise {
            &self.short
        } else {
            &self.long
        }
    }
}

/// The factor `c` minimising `Σ w·(y − c·x)²` over recent (x, y) pairs, decayed: the
/// squared-error-optimal correction of a prediction x of an outcome y.
#[derive(Clone, Debug)]
pub struct Scale {
    gamma: f64,
    xy: f64,
    xx: f64,
    n: f64,
}

impl Scale {
    pub fn new(half_life: f64) -> Self {
        Scale {
            gamma: decay_factor(half_life),
            xy: 0.0,
            xx: 0.0,
            n: 0.0,
        }
    }

    pub fn observe(&mut self, x: f64, y: f64) {
        self.xy = self.xy * self.gamma + x * y;
        self.xx = self.xx * self.gamma + x * x;
        self.n = self.n * self.gamma + 1.0;
    }

    /// The factor, shrunk towards 1 as if `prior` extra observations had agreed exactly
    /// with their prediction: noisy early history moves the estimate only a little.
    pub fn value(&self, prior: f64) -> f64 {
        self.value_towards(1.0, prior)
    }

    /// The factor shrunk towards `target` instead of 1.
    pub fn value_towards(&self, target: f64, prior: f64) -> f64 {
        if self.n <= 0.0 {
            return target;
        }
        let pseudo = prior * self.xx / self.n;
        (self.xy + target * pseudo) / (self.xx + pseudo)
    }
}

/// A decayed histogram over fixed bins on `[lo, hi]` (outliers land in the end bins), with
/// quantiles by linear interpolation inside a bin.
///
/// Decay is done lazily: each new observation weighs `1/γ` times the previous one, and the
/// bins are rescaled only when the weights grow large, which is O(bins) once every few
/// hundred observations — O(1) amortised.
#[derive(Clone, Debug)]
pub struct Histogram {
    lo: f64,
    width: f64,
    bins: Vec<f64>,
    total: f64,
    weight: f64,
    gamma: f64,
}

impl Histogram {
    pub fn new(lo: f64, hi: f64, bins: usize, half_life: f64) -> Self {
        Histogram {
            lo,
            width: (hi - lo) / bins as f64,
            bins: vec![0.0; bins],
            total: 0.0,
            weight: 1.0,
            gamma: decay_factor(half_life),
        }
    }

    pub fn observe(&mut self, x: f64) {
        let last = self.bins.len() - 1;
        let i = ((x - self.lo) / self.width).floor().clamp(0.0, last as f64) as usize;
        self.weight /= self.gamma;
        self.bins[i] += self.weight;
        self.total += self.weight;
        if self.weight > 1e100 {
            let s = 1.0 / self.weight;
            self.bins.iter_mut().for_each(|b| *b *= s);
            self.total *= s;
            self.weight = 1.0;
        }
    }

    /// Effective number of observations (recent ones count fully, old ones less).
    pub fn effective_count(&self) -> f64 {
        // The newest observation weighs `weight`; the weights form a geometric series.
        if self.total == 0.0 {
            0.0
        } else {
            self.total / self.weight
        }
    }

    /// The `p` quantile (0 < p < 1), or `None` when empty. Walks the fixed bins.
    pub fn quantile(&self, p: f64) -> Option<f64> {
        if self.total <= 0.0 {
            return None;
        }
        let target = p * self.total;
        let mut below = 0.0;
        for (i, &b) in self.bins.iter().enumerate() {
            if below + b >= target && b > 0.0 {
                let frac = (target - below) / b;
                return Some(self.lo + (i as f64 + frac) * self.width);
            }
            below += b;
        }
        Some(self.lo + self.bins.len() as f64 * self.width)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_is_events_over_exposure() {
        let mut r = Rate::new(1e9);
        for _ in 0..10 {
            r.expose(2.0);
            r.event();
        }
        assert!((r.value().unwrap() - 0.5).abs() < 1e-6);
    }

    #[test]
    fn histogram_quantiles_of_a_uniform_spread() {
        let mut h = Histogram::new(0.0, 1.0, 100, 1e9);
        for i in 0..1000 {
            h.observe((i as f64 + 0.5) / 1000.0);
        }
        assert!((h.quantile(0.1).unwrap() - 0.1).abs() < 0.01);
        assert!((h.quantile(0.9).unwrap() - 0.9).abs() < 0.01);
        assert!((h.effective_count() - 1000.0).abs() < 1.0);
    }

    #[test]
    fn histogram_forgets_with_its_half_life() {
        let mut h = Histogram::new(0.0, 1.0, 10, 50.0);
        for _ in 0..2000 {
            h.observe(0.05);
        }
        for _ in 0..500 {
            h.observe(0.95);
        }
        // Ten half-lives later the old mass is ~0.1%: the median has moved to the new value.
        assert!(h.quantile(0.5).unwrap() > 0.9);
    }
}
