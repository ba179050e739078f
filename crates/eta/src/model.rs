//! The queue model behind the estimate: how long the visitor at position k waits when the
//! queue ahead drains through takes (rate `r`) and abandonments (rate `θ` per visitor ahead),
//! and the gamma approximation that turns a mean and a variance into quantiles.
//!
//! Everything here is O(1) in the position: the sums over the phases have closed forms in
//! the digamma and trigamma functions.

/// Mean and variance, in seconds and seconds², of the time until the visitor at `position`
/// (1 = next to be taken) is taken, when takes happen at rate `take_rate` per second while
/// the queue is non-empty and each visitor ahead abandons at rate `abandon_rate` per second.
///
/// The wait is a sum of `position` exponential phases: with `j` visitors ahead the next
/// departure from the queue ahead comes at rate `r + θ·j`. So the mean is
/// `Σ_{j=0}^{k−1} 1/(r + θj)` and the variance `Σ 1/(r + θj)²`.
pub fn queue_wait_moments(take_rate: f64, abandon_rate: f64, position: u64) -> (f64, f64) {
    let k = position.max(1) as f64;
    let r = take_rate;
    let theta = abandon_rate.max(0.0);
    // With abandonment negligible over the whole queue ahead, the sums are Erlang's k/r and
    // k/r²; a first-order correction keeps the switch-over continuous.
    let drift = theta * (k - 1.0) / r;
    if drift < 1e-6 {
        let mean = k / r - theta * k * (k - 1.0) / (2.0 * r * r);
        let var = k / (r * r) - theta * k * (k - 1.0) / (r * r * r);
        return (mean, var);
    }
    let x = r / theta;
    let mean = harmonic(x, k) / theta;
    let var = harmonic2(x, k) / (theta * theta);
    (mean, var)
}

/// `Σ_{j=0}^{k−1} 1/(x + j)`, for x > 0 and whole k ≥ 1.
fn harmonic(x: f64, k: f64) -> f64 {
    if k <= 16.0 {
        return (0..k as u64).map(|j| 1.0 / (x + j as f64)).sum();
    }
    digamma(x + k) - digamma(x)
}

/// `Σ_{j=0}^{k−1} 1/(x + j)²`, for x > 0 and whole k ≥ 1.
fn harmonic2(x: f64, k: f64) -> f64 {
    if k <= 16.0 {
        return (0..k as u64)
            .map(|j| 1.0 / ((x + j as f64) * (x + j as f64)))
            .sum();
    }
    trigamma(x) - trigamma(x + k)
}

/// ψ(x) for x > 0: shift the argument above 6 with the recurrence, then the asymptotic series.
fn digamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < 6.0 {
        acc -= 1.0 / x;
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    acc + x.ln()
        - 0.5 * inv
        - inv2 * (1.0 / 12.0 - inv2 * (1.0 / 120.0 - inv2 * (1.0 / 252.0 - inv2 * (1.0 / 240.0))))
}

/// ψ′(x) for x > 0, the same way.
fn trigamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < 6.0 {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    acc + inv
        + 0.5 * inv2
        + inv * inv2 * (1.0 / 6.0 - inv2 * (1.0 / 30.0 - inv2 * (1.0 / 42.0 - inv2 * (1.0 / 30.0))))
}

/// A wait distribution approximated by a gamma law with the given mean and variance, read
/// through the Wilson–Hilferty cube-root transform: `z = ((w/mean)^(1/3) − (1 − 1/(9a))) / √(1/(9a))`
/// is close to a standard normal, where `a = mean²/variance` is the gamma shape.
///
/// The estimator calibrates in this z space, so the transform only needs to be monotone
/// and roughly right, not exact.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WaitLaw {
    /// Expected wait, seconds.
    pub mean: f64,
    /// Gamma shape, clamped to a range where the cube-root transform behaves.
    pub shape: f64,
}

impl WaitLaw {
    /// The law with this mean (seconds, > 0) and variance (seconds², > 0).
    pub fn new(mean: f64, variance: f64) -> Self {
        let shape = (mean * mean / variance.max(f64::MIN_POSITIVE)).clamp(0.25, 1e6);
        WaitLaw { mean, shape }
    }

    fn centre_and_spread(&self) -> (f64, f64) {
        let c = 1.0 / (9.0 * self.shape);
        (1.0 - c, c.sqrt())
    }

    /// The z score of an observed wait (seconds) under this law.
    pub fn z_of(&self, wait: f64) -> f64 {
        let (centre, spread) = self.centre_and_spread();
        ((wait.max(0.0) / self.mean).cbrt() - centre) / spread
    }

    /// The wait (seconds) whose z score is `z`: the inverse of [`WaitLaw::z_of`].
    pub fn wait_at(&self, z: f64) -> f64 {
        let (centre, spread) = self.centre_and_spread();
        let root = (centre + z * spread).max(0.0);
        self.mean * root * root * root
    }
}

/// z of the standard normal at the 10th and 90th percentiles.
pub const Z90: f64 = 1.281_551_565_545;

#[cfg(test)]
mod tests {
    use super::*;

    fn brute(r: f64, theta: f64, k: u64) -> (f64, f64) {
        let mut mean = 0.0;
        let mut var = 0.0;
        for j in 0..k {
            let rate = r + theta * j as f64;
            mean += 1.0 / rate;
            var += 1.0 / (rate * rate);
        }
        (mean, var)
    }

    #[test]
    fn closed_forms_match_the_sums() {
        for &(r, theta) in &[
            (0.01, 0.0),
            (0.01, 0.001),
            (2.0, 0.3),
            (0.5, 1e-9),
            (0.003, 0.01),
        ] {
            for &k in &[1, 2, 5, 16, 17, 40, 1000, 20000] {
                let (m, v) = queue_wait_moments(r, theta, k);
                let (bm, bv) = brute(r, theta, k);
                assert!(
                    (m - bm).abs() / bm < 1e-6,
                    "mean r={r} θ={theta} k={k}: {m} vs {bm}"
                );
                assert!(
                    (v - bv).abs() / bv < 1e-6,
                    "var r={r} θ={theta} k={k}: {v} vs {bv}"
                );
            }
        }
    }

    #[test]
    fn exponential_quantiles_are_close() {
        // Shape 1 is the exponential law: its 10th, 50th and 90th percentiles are known.
        let law = WaitLaw::new(1.0, 1.0);
        // Exponential(1): 10th percentile −ln 0.9, median ln 2, 90th percentile ln 10.
        assert!((law.wait_at(-Z90) + 0.9f64.ln()).abs() < 0.01);
        assert!((law.wait_at(0.0) - std::f64::consts::LN_2).abs() < 0.02);
        assert!((law.wait_at(Z90) - std::f64::consts::LN_10).abs() < 0.05);
        assert!((law.z_of(law.wait_at(0.7)) - 0.7).abs() < 1e-9);
    }
}
