//! The first phase of a wait: from the moment a visitor joins a full queue until the next
//! take (of anyone). With exponential chat lengths this lasts 1/r on average, like every
//! later phase, whatever happened before. With long-tailed chat lengths it depends on the
//! past: when the last take was long ago the chats running now are old ones, and old chats
//! of a long-tailed law tend to go on. So the first phase is measured directly, separately
//! for a few classes of "time since the last take" (in units of 1/r), and the model uses
//! the class of the present moment.
//!
//! Every visitor who joined since the last take is "pending" the next take. Their times to
//! that take, normalised by the take rate the estimator believed in when they joined
//! (x = (t_take − t_join)·r), are added in one batch at the take: O(1) through running sums
//! per class.
//!
//! The measured mean replaces the exponential's only where it differs significantly (see
//! [`Scale`]): visitors pending the same take share its timing, so each take is one
//! cluster of evidence, and with exponential chats the correction stays at exactly zero
//! instead of adding noise.

use crate::stats::{Scale, decay_factor};

/// Upper edges of the classes of time since the last take, in units of 1/r.
const EDGES: [f64; 6] = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0];
pub const CLASSES: usize = EDGES.len() + 1;

/// The class of a time since the last take (`since_r` = seconds × r).
pub fn class_of(since_r: f64) -> usize {
    EDGES
        .iter()
        .position(|&edge| since_r < edge)
        .unwrap_or(EDGES.len())
}

/// Visitors pending the next take, times relative to `base` seconds.
#[derive(Clone, Copy, Debug, Default)]
struct Pending {
    n: f64,
    sum_r: f64,
    sum_tr: f64,
    sum_r2: f64,
    sum_tr2: f64,
    sum_t2r2: f64,
}

/// The normalised first phase of one class (or of all pooled): the mean of x as a
/// [`Scale`] with one cluster per take, and a plain decayed mean of x².
#[derive(Clone, Debug)]
struct Moments {
    x: Scale,
    count: f64,
    sum_x2: f64,
}

impl Moments {
    fn new(half_life: f64) -> Self {
        Moments {
            x: Scale::new(half_life),
            count: 0.0,
            sum_x2: 0.0,
        }
    }

    /// One take's batch: `n` visitors with these sums of x and x² (none: only decay).
    fn observe(&mut self, gamma: f64, n: f64, sum_x: f64, sum_x2: f64) {
        self.x.observe_sums(n, sum_x);
        self.x.close_cluster();
        self.count = self.count * gamma + n;
        self.sum_x2 = self.sum_x2 * gamma + sum_x2;
    }

    /// The second moment, shrunk towards `target` as if `prior` visitors had agreed with
    /// it. It only shapes the range, which the z-score calibration corrects anyway, so a
    /// smooth estimate serves better than a significance test that switches mid-run.
    fn x2(&self, target: f64, prior: f64) -> f64 {
        (self.sum_x2 + prior * target) / (self.count + prior)
    }
}

#[derive(Clone, Debug)]
pub struct HeadPhase {
    gamma: f64,
    base: f64,
    pending: [Pending; CLASSES],
    any_pending: bool,
    classes: [Moments; CLASSES],
    pooled: Moments,
}

impl HeadPhase {
    pub fn new(half_life: f64) -> Self {
        HeadPhase {
            gamma: decay_factor(half_life),
            base: 0.0,
            pending: [Pending::default(); CLASSES],
            any_pending: false,
            classes: std::array::from_fn(|_| Moments::new(half_life)),
            pooled: Moments::new(half_life),
        }
    }

    /// A visitor joined a full queue at `t` seconds, in `class`, while the take rate was `r`.
    pub fn join(&mut self, t: f64, r: f64, class: usize) {
        if !self.any_pending {
            self.base = t;
            self.any_pending = true;
        }
        self.add(t, r, class, 1.0);
    }

    /// A pending visitor left before the next take: forget them.
    pub fn leave(&mut self, t_join: f64, r: f64, class: usize) {
        if self.pending[class].n >= 1.0 {
            self.add(t_join, r, class, -1.0);
        }
    }

    fn add(&mut self, t: f64, r: f64, class: usize, sign: f64) {
        let t = t - self.base;
        let p = &mut self.pending[class];
        p.n += sign;
        p.sum_r += sign * r;
        p.sum_tr += sign * t * r;
        p.sum_r2 += sign * r * r;
        p.sum_tr2 += sign * t * r * r;
        p.sum_t2r2 += sign * t * t * r * r;
    }

    /// A take at `t` seconds ends the first phase of every pending visitor.
    pub fn take(&mut self, t: f64) {
        let t = t - self.base;
        let gamma = self.gamma;
        // One memory step per take, whatever the batch: memory counts takes.
        let (mut n, mut sum_x, mut sum_x2) = (0.0, 0.0, 0.0);
        for (p, m) in self.pending.iter().zip(self.classes.iter_mut()) {
            if p.n < 0.5 {
                m.observe(gamma, 0.0, 0.0, 0.0);
                continue;
            }
            let x = t * p.sum_r - p.sum_tr;
            let x2 = (t * t * p.sum_r2 - 2.0 * t * p.sum_tr2 + p.sum_t2r2).max(0.0);
            m.observe(gamma, p.n, x, x2);
            n += p.n;
            sum_x += x;
            sum_x2 += x2;
        }
        self.pooled.observe(gamma, n, sum_x, sum_x2);
        self.pending = [Pending::default(); CLASSES];
        self.any_pending = false;
    }

    /// Mean and second moment of the normalised first phase in `class`: the class's own
    /// data, shrunk towards all classes pooled, themselves shrunk towards the exponential's
    /// (1, 2). The mean moves only as far as it differs significantly (see [`Scale`]); the
    /// second moment as if `prior` visitors had agreed with the coarser value.
    pub fn moments(&self, class: usize, prior: f64) -> (f64, f64) {
        let c = &self.classes[class];
        let x1 = c.x.value_towards(self.pooled.x.value_towards(1.0));
        let x2 = c.x2(self.pooled.x2(2.0, prior), prior);
        (x1, x2)
    }
}
