//! Exponentially decayed statistics of fixed size: a rate (events per unit of exposure), a
//! least-squares scale factor with its standard error, and a histogram. Each forgets old
//! data by a constant factor per observation, so memory is counted in observations rather
//! than in wall-clock time: the same half-life works for a shop with one chat a day and one
//! with a chat a second. An infinite half-life keeps the whole history.
//!
//! Learnt corrections are believed only as far as the evidence carries them (see
//! [`SIGNIFICANCE`]): where the simple model is right, noise must not move the estimate.

/// Per-observation decay factor for a half-life of `half_life` observations (1 for an
/// infinite half-life: nothing is forgotten).
pub fn decay_factor(half_life: f64) -> f64 {
    0.5f64.powf(1.0 / half_life.max(1.0))
}

/// How many standard errors a learnt correction must differ from the model's own value by
/// before any of it is believed, and how many noise levels the recent past must disagree
/// by before it overrides the long memory. The estimator looks at these statistics after
/// every event for as long as it runs, so a one-off 5% test would fire by chance all the
/// time; and the standard errors come from few effective samples (see [`Scale`]).
pub const SIGNIFICANCE: f64 = 4.0;

/// `target + gap·max(0, 1 − z0²/z²)` with `z = gap / se`: the positive-part James–Stein
/// rule. Nothing of a gap within `z0` standard errors is kept, a gap of many standard
/// errors is kept nearly whole, and the estimate moves continuously between the two.
fn shrink(target: f64, gap: f64, variance: f64, z0: f64) -> f64 {
    let keep = 1.0 - z0 * z0 * variance / (gap * gap);
    if keep.is_finite() && keep > 0.0 {
        target + gap * keep
    } else {
        target
    }
}

/// Events per unit of exposure (e.g. conversations finished per busy slot-second), with
/// both the event count and the exposure decayed at each event.
#[derive(Clone, Copy, Debug)]
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
        self.events(1.0);
    }

    /// `n` events at once (e.g. slots gained by one agent signing in), decayed as one.
    pub fn events(&mut self, n: f64) {
        self.count = self.count * self.gamma + n;
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

/// A rate learnt at two speeds: a long memory for precision while nothing changes (by
/// default the whole history, so a steady queue's rate is a full-history mean), and a
/// short one that takes over when it disagrees with the long one by more than its usual
/// noise explains, e.g. when agents get slower.
///
/// "Usual noise" is learnt, not assumed: long-tailed chat lengths make the short memory far
/// noisier than a Poisson count would, so the estimator keeps a long-memory mean of the
/// squared log-gap between the two. It is never taken below what a Poisson count of the
/// short memory's size gives: the learnt mean rests on few independent values (the gap
/// drifts slowly), and underrating the noise would let chance take over. Of the gap, only
/// the part beyond [`SIGNIFICANCE`] noise levels is kept (the rule of [`Scale`]), so a
/// chance excursion just past the line moves the rate a little and a real change all the
/// way.
#[derive(Clone, Debug)]
pub struct TwoSpeedRate {
    long: Rate,
    short: Rate,
    gap_gamma: f64,
    gap_sq: f64,
    gap_n: f64,
}

/// Half-life, in events, of the short memory: a few hundred chats notice slower agents.
pub const SHORT_HALF_LIFE: f64 = 250.0;

impl TwoSpeedRate {
    /// `half_life` is the long memory's; the short one's is [`SHORT_HALF_LIFE`].
    pub fn new(half_life: f64) -> Self {
        TwoSpeedRate {
            long: Rate::new(half_life),
            short: Rate::new(SHORT_HALF_LIFE.min(half_life)),
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
            // A gap beyond the line is (partly) a real change, not noise: it counts only
            // up to the line, or one change would pass for noise and hide itself.
            let line = SIGNIFICANCE * SIGNIFICANCE * self.noise();
            self.gap_sq = self.gap_sq * self.gap_gamma + (gap * gap).min(line);
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

    /// The usual squared log-gap: the learnt one, but never below a Poisson count's.
    fn noise(&self) -> f64 {
        let poisson = 1.0 / self.short.count;
        let learnt = if self.gap_n > 0.0 {
            self.gap_sq / self.gap_n
        } else {
            0.0
        };
        learnt.max(poisson)
    }

    /// The rate to trust now: the long memory's, moved towards the short one's by the part
    /// of the log-gap beyond [`SIGNIFICANCE`] noise levels.
    pub fn current(&self) -> Rate {
        let Some(gap) = self.gap() else {
            return self.long;
        };
        let log_shift = shrink(0.0, gap, self.noise(), SIGNIFICANCE);
        // The long memory's events, over the exposure that gives the shifted rate.
        let mut rate = self.long;
        rate.exposure /= log_shift.exp();
        rate
    }
}

/// The factor `c` minimising `Σ w·(y − c·x)²` over recent (x, y) pairs, decayed: the
/// squared-error-optimal correction of a prediction x of an outcome y, and how sure of it
/// the data make us.
///
/// Outcomes are not independent: the waits of visitors who queue together share the same
/// chats, so a run of long chats makes all of them long. The caller therefore groups the
/// pairs into clusters whose luck is roughly independent (waits: from the queue emptying to
/// its emptying again; first phases: the visitors pending one take), and the standard error
/// is the ratio estimator's over clusters. Counting the pairs as independent would make
/// noise look like evidence. A handful of long clusters can carry most of the weight, so
/// the standard error rests on the *effective* number of clusters, `(ΣX)² / ΣX²`, with the
/// small-sample corrections that go with it.
#[derive(Clone, Debug)]
pub struct Scale {
    gamma: f64,
    xy: f64,
    xx: f64,
    /// The open cluster's Σx² and Σxy.
    open_xx: f64,
    open_xy: f64,
    /// Over closed clusters (X = Σx², Y = Σxy of one cluster): ΣX², ΣXY, ΣY², decayed
    /// twice as fast as the sums, as squared weights are.
    cl_xx: f64,
    cl_xy: f64,
    cl_yy: f64,
}

impl Scale {
    pub fn new(half_life: f64) -> Self {
        Scale {
            gamma: decay_factor(half_life),
            xy: 0.0,
            xx: 0.0,
            open_xx: 0.0,
            open_xy: 0.0,
            cl_xx: 0.0,
            cl_xy: 0.0,
            cl_yy: 0.0,
        }
    }

    /// One pair, in the open cluster.
    pub fn observe(&mut self, x: f64, y: f64) {
        self.observe_sums(x * x, x * y);
    }

    /// One step of memory holding pairs with these sums of x² and xy (zero: only decay).
    pub fn observe_sums(&mut self, xx: f64, xy: f64) {
        let g = self.gamma;
        self.xx = self.xx * g + xx;
        self.xy = self.xy * g + xy;
        self.open_xx = self.open_xx * g + xx;
        self.open_xy = self.open_xy * g + xy;
        let g2 = g * g;
        self.cl_xx *= g2;
        self.cl_xy *= g2;
        self.cl_yy *= g2;
    }

    /// The open cluster is complete: later pairs no longer share its luck.
    pub fn close_cluster(&mut self) {
        self.cl_xx += self.open_xx * self.open_xx;
        self.cl_xy += self.open_xx * self.open_xy;
        self.cl_yy += self.open_xy * self.open_xy;
        self.open_xx = 0.0;
        self.open_xy = 0.0;
    }

    /// The factor, or `target` while there is no evidence that it differs: only the part
    /// of `c − target` beyond [`SIGNIFICANCE`] standard errors is kept.
    pub fn value_towards(&self, target: f64) -> f64 {
        if self.xx <= 0.0 {
            return target;
        }
        let c = self.xy / self.xx;
        // The open cluster already moves `c`, so its luck counts too.
        let open = self.open_xy - c * self.open_xx;
        let residual =
            (self.cl_yy - 2.0 * c * self.cl_xy + c * c * self.cl_xx).max(0.0) + open * open;
        let squares = self.cl_xx + self.open_xx * self.open_xx;
        let n_eff = self.xx * self.xx / squares;
        // One cluster (or none that counts) says nothing about its own noise.
        if n_eff.is_nan() || n_eff <= 1.0 + 1e-9 {
            return target;
        }
        let dof = n_eff - 1.0;
        // The residual spread underrates the noise by (n − 1)/n (Bessel) ...
        let variance = residual / (self.xx * self.xx) * n_eff / dof;
        // ... and, being itself estimated, calls for Student's t rather than the normal
        // (its quantile to first order in 1/dof).
        let z0 = SIGNIFICANCE * (1.0 + (SIGNIFICANCE * SIGNIFICANCE + 1.0) / (4.0 * dof));
        shrink(target, c - target, variance, z0)
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
    use crate::tests::Dice;

    /// `clusters` clusters of `size` pairs (x from 1 to 10), y = factor·x·(1 + shared luck
    /// of the cluster + luck of the pair); `per_pair`: wrongly told every pair is its own.
    fn scale(
        clusters: usize,
        size: usize,
        (factor, shared, own): (f64, f64, f64),
        per_pair: bool,
    ) -> Scale {
        let mut dice = Dice(5);
        let mut s = Scale::new(f64::INFINITY);
        for _ in 0..clusters {
            let luck = shared * (2.0 * dice.uniform() - 1.0);
            for _ in 0..size {
                let x = 1.0 + 9.0 * dice.uniform();
                let noise = own * (2.0 * dice.uniform() - 1.0);
                s.observe(x, factor * x * (1.0 + luck + noise));
                if per_pair {
                    s.close_cluster();
                }
            }
            s.close_cluster();
        }
        s
    }

    #[test]
    fn scale_keeps_a_real_factor() {
        let s = scale(2_000, 5, (0.8, 0.3, 0.3), false);
        assert!((s.value_towards(1.0) - 0.8).abs() < 0.02);
    }

    #[test]
    fn scale_ignores_pure_noise() {
        let s = scale(2_000, 5, (1.0, 0.3, 0.3), false);
        assert_eq!(s.value_towards(1.0), 1.0);
    }

    #[test]
    fn shared_luck_is_not_mistaken_for_evidence() {
        // 30 stretches of 200 visitors each: counted per pair, the mean of the 30 shared
        // lucks looks certain; counted per cluster, it is within the noise.
        let luck = (1.0, 0.3, 0.05);
        assert_ne!(scale(30, 200, luck, true).value_towards(1.0), 1.0);
        assert_eq!(scale(30, 200, luck, false).value_towards(1.0), 1.0);
    }

    #[test]
    fn a_steady_rate_is_the_full_history_mean() {
        let mut dice = Dice(9);
        let mut two = TwoSpeedRate::new(f64::INFINITY);
        let (mut count, mut exposure) = (0.0, 0.0);
        for _ in 0..50_000 {
            let e = -(1.0 - dice.uniform()).ln() * 60.0;
            two.expose(e);
            two.event();
            exposure += e;
            count += 1.0;
            let now = two.current().value().unwrap();
            assert!((now * exposure / count - 1.0).abs() < 1e-9);
        }
    }

    #[test]
    fn a_real_change_moves_the_rate() {
        let mut dice = Dice(9);
        let mut two = TwoSpeedRate::new(f64::INFINITY);
        for i in 0..21_000 {
            // Events every 60 s on average, then every 120 s for the last 1000.
            let mean = if i < 20_000 { 60.0 } else { 120.0 };
            two.expose(-(1.0 - dice.uniform()).ln() * mean);
            two.event();
        }
        let rate = two.current().value().unwrap();
        assert!((rate * 120.0 - 1.0).abs() < 0.15, "rate {rate}");
    }

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
