//! Scoring: RASE (root of the average squared error, over the mean actual wait), how often the
//! actual wait fell inside the 80% range, and the bar the estimator must clear.

use crate::predictor::Prediction;

/// One predictor's running score over one scenario.
pub struct Score {
    name: &'static str,
    oracle: bool,
    n: u64,
    squared_error: f64,
    total_wait: f64,
    ranged: u64,
    inside: u64,
    skipped: u64,
}

/// One predictor's line in the table.
#[derive(Clone, Debug)]
pub struct Row {
    pub name: &'static str,
    pub oracle: bool,
    /// None when it never predicted.
    pub rase: Option<f64>,
    /// Fraction of waits inside the 80% range, for predictors that give one.
    pub coverage: Option<f64>,
    pub scored: u64,
    /// Visitors it said nothing about (they are left out of its RASE).
    pub skipped: u64,
}

/// Counts of one run and the table.
#[derive(Debug, Default)]
pub struct Outcome {
    pub arrivals: u64,
    pub taken: u64,
    pub taken_at_once: u64,
    pub abandoned: u64,
    /// Visitors who joined a full queue after the warm-up and were taken.
    pub scored: u64,
    pub rows: Vec<Row>,
}

impl Score {
    pub fn new(name: &'static str, oracle: bool) -> Self {
        Score {
            name,
            oracle,
            n: 0,
            squared_error: 0.0,
            total_wait: 0.0,
            ranged: 0,
            inside: 0,
            skipped: 0,
        }
    }

    pub fn add(&mut self, prediction: Option<Prediction>, wait: f64) {
        let Some(p) = prediction else {
            self.skipped += 1;
            return;
        };
        self.n += 1;
        self.squared_error += (p.typical - wait).powi(2);
        self.total_wait += wait;
        if let Some((low, high)) = p.range {
            self.ranged += 1;
            if low <= wait && wait <= high {
                self.inside += 1;
            }
        }
    }

    pub fn row(&self) -> Row {
        let n = self.n as f64;
        let rase = (self.n > 0 && self.total_wait > 0.0)
            .then(|| (self.squared_error / n).sqrt() / (self.total_wait / n));
        let coverage = (self.ranged > 0).then(|| self.inside as f64 / self.ranged as f64);
        Row {
            name: self.name,
            oracle: self.oracle,
            rase,
            coverage,
            scored: self.n,
            skipped: self.skipped,
        }
    }
}

/// The bar of the issue, checked for one scenario. `ours` is the first row.
pub struct Bar {
    pub best_other: Option<(&'static str, f64)>,
    pub lowest: bool,
    /// (ours / oracle − 1, passed) when the scenario asks for it.
    pub versus_oracle: Option<(f64, bool)>,
    pub coverage: Option<f64>,
    pub coverage_ok: bool,
}

impl Bar {
    pub fn check(rows: &[Row], oracle_within: Option<f64>) -> Bar {
        let ours = &rows[0];
        let rase = ours.rase.unwrap_or(f64::INFINITY);
        let best_other = rows[1..]
            .iter()
            .filter(|r| !r.oracle)
            .filter_map(|r| r.rase.map(|x| (r.name, x)))
            .min_by(|a, b| a.1.total_cmp(&b.1));
        let lowest = best_other.is_none_or(|(_, x)| rase < x);
        let oracle = rows.iter().find(|r| r.oracle).and_then(|r| r.rase);
        let versus_oracle = oracle_within
            .zip(oracle)
            .map(|(within, o)| (rase / o - 1.0, rase <= o * (1.0 + within)));
        let coverage_ok = ours.coverage.is_some_and(|c| (0.75..=0.85).contains(&c));
        Bar {
            best_other,
            lowest,
            versus_oracle,
            coverage: ours.coverage,
            coverage_ok,
        }
    }

    pub fn passed(&self) -> bool {
        self.lowest && self.coverage_ok && self.versus_oracle.is_none_or(|(_, ok)| ok)
    }
}
