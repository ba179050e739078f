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

use crate::stats::decay_factor;

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

/// Decayed count and first two moments of x.
#[derive(Clone, Copy, Debug, Default)]
struct Moments {
    count: f64,
    sum_x: f64,
    sum_x2: f64,
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
            classes: [Moments::default(); CLASSES],
            pooled: Moments::default(),
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
        // One decay step per take, whatever the batch: memory counts takes.
        let decay = |m: &mut Moments| {
            m.count *= gamma;
            m.sum_x *= gamma;
            m.sum_x2 *= gamma;
        };
        decay(&mut self.pooled);
        for (p, m) in self.pending.iter().zip(self.classes.iter_mut()) {
            decay(m);
            if p.n < 0.5 {
                continue;
            }
            let sx = t * p.sum_r - p.sum_tr;
            let sx2 = (t * t * p.sum_r2 - 2.0 * t * p.sum_tr2 + p.sum_t2r2).max(0.0);
            for m in [&mut *m, &mut self.pooled] {
                m.count += p.n;
                m.sum_x += sx;
                m.sum_x2 += sx2;
            }
        }
        self.pending = [Pending::default(); CLASSES];
        self.any_pending = false;
    }

    /// Mean and second moment of the normalised first phase in `class`: the class's own
    /// data, shrunk towards all classes pooled, themselves shrunk towards the exponential's
    /// (1, 2), each as if `prior` visitors had agreed with the coarser estimate.
    pub fn moments(&self, class: usize, prior: f64) -> (f64, f64) {
        let p = &self.pooled;
        let pooled_x = (p.sum_x + prior) / (p.count + prior);
        let pooled_x2 = (p.sum_x2 + 2.0 * prior) / (p.count + prior);
        let c = &self.classes[class];
        let n = c.count + prior;
        (
            (c.sum_x + prior * pooled_x) / n,
            (c.sum_x2 + prior * pooled_x2) / n,
        )
    }
}
