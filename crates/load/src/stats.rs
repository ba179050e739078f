//! Measuring: one clock for every task, latency histograms, and the server's memory and CPU
//! from `/proc`.

use std::sync::OnceLock;
use std::time::Instant;

use anyhow::{Context, Result};
use hdrhistogram::Histogram;
use serde::Serialize;

/// Microseconds since this process first asked. Every task reads the same clock, so a time
/// written into a message id by one task can be subtracted from the time another task reads.
pub fn now_us() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    let start = *START.get_or_init(Instant::now);
    u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX)
}

/// Latencies in microseconds, from 1 µs to 10 minutes at three significant digits.
pub struct Latencies(Histogram<u64>);

impl Default for Latencies {
    fn default() -> Self {
        Self(Histogram::new_with_bounds(1, 600_000_000, 3).expect("valid histogram bounds"))
    }
}

impl Latencies {
    pub fn record(&mut self, micros: u64) {
        self.0.saturating_record(micros.max(1));
    }

    pub fn add(&mut self, other: &Latencies) {
        self.0.add(&other.0).expect("histograms share their bounds");
    }

    pub fn len(&self) -> u64 {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn summary(&self) -> LatencySummary {
        let ms = |q: f64| self.0.value_at_quantile(q) as f64 / 1000.0;
        LatencySummary {
            count: self.0.len(),
            p50_ms: ms(0.5),
            p99_ms: ms(0.99),
            p999_ms: ms(0.999),
            max_ms: self.0.max() as f64 / 1000.0,
        }
    }
}

/// A latency distribution as reported.
#[derive(Clone, Debug, Default, Serialize)]
pub struct LatencySummary {
    pub count: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
}

/// A process's resident memory and the CPU time it has used so far.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct ProcSample {
    pub rss_bytes: u64,
    pub cpu_secs: f64,
}

/// Reads `VmRSS` from `/proc/<pid>/status` and user plus system time from `/proc/<pid>/stat`.
pub fn sample(pid: u32) -> Result<ProcSample> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status (is the server running?)"))?;
    let rss_kb: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kb| kb.parse().ok())
        .context("no VmRSS in /proc/<pid>/status")?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis
    // start at field 3, so utime and stime (fields 14 and 15) are at 11 and 12 from there.
    let after_name = stat
        .rsplit_once(')')
        .context("malformed /proc/<pid>/stat")?
        .1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| -> Result<u64> {
        fields
            .get(i)
            .and_then(|f| f.parse().ok())
            .context("malformed /proc/<pid>/stat")
    };
    // The kernel reports these in USER_HZ, which is 100 on every Linux architecture.
    let cpu_secs = (ticks(11)? + ticks(12)?) as f64 / 100.0;
    Ok(ProcSample {
        rss_bytes: rss_kb * 1024,
        cpu_secs,
    })
}

/// Sums [`sample`] over several processes (the servers of a two-node run); all zero without any.
pub fn sample_all(pids: &[u32]) -> Result<ProcSample> {
    let mut total = ProcSample::default();
    for &pid in pids {
        let one = sample(pid)?;
        total.rss_bytes += one.rss_bytes;
        total.cpu_secs += one.cpu_secs;
    }
    Ok(total)
}

/// Prints a progress line to stderr (stdout carries only the result's JSON).
pub fn progress(line: impl std::fmt::Display) {
    eprintln!("[pronto-load {:>8.1}s] {line}", now_us() as f64 / 1e6);
}
