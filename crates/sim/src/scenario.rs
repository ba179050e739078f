//! Scenario files: the plain TOML format documented in `scenarios/README.md`, read into
//! typed structs. A file holds one or more `[[scenario]]` tables.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    scenario: Vec<Scenario>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    pub seed: u64,
    /// Simulated duration.
    pub hours: f64,
    /// Fraction of the run, from its start, whose visitors are not scored.
    #[serde(default = "default_warmup")]
    pub warmup: f64,
    /// If set, the bar also asks our RASE to be within this fraction of the oracle's.
    pub oracle_within: Option<f64>,

    pub arrivals_per_hour: f64,
    /// Daily sinusoid: arrivals × (1 + daily_swing · sin(2π · hour / 24)).
    #[serde(default)]
    pub daily_swing: f64,
    pub burst: Option<Burst>,

    /// Mean work of one chat, in minutes at single-chat speed.
    pub chat_minutes: f64,
    #[serde(default)]
    pub chat_law: ChatLaw,
    /// Lognormal only: standard deviation / mean of the chat work.
    #[serde(default = "one")]
    pub chat_cv: f64,
    /// An agent with b chats runs each at speed 1 / (1 + slowdown · (b − 1)).
    #[serde(default)]
    pub slowdown: f64,

    /// Mean patience (exponential) of a waiting visitor; absent: nobody abandons.
    pub patience_minutes: Option<f64>,

    pub agents: Vec<AgentGroup>,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum ChatLaw {
    #[default]
    Exponential,
    Lognormal,
}

/// A flash sale: arrivals × `factor` for `minutes`, from `start_hour`, then every
/// `every_hours` if given.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Burst {
    pub start_hour: f64,
    pub minutes: f64,
    pub factor: f64,
    pub every_hours: Option<f64>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentGroup {
    pub count: u32,
    pub slots: u32,
    /// Mean length (exponential) of an online spell; absent: always online.
    pub online_hours: Option<f64>,
    /// Mean length (exponential) of an offline spell (required with `online_hours`).
    pub offline_hours: Option<f64>,
}

fn default_warmup() -> f64 {
    0.1
}

fn one() -> f64 {
    1.0
}

impl Scenario {
    /// Arrival rate per second at `t` seconds.
    pub fn arrival_rate(&self, t: f64) -> f64 {
        let hour = t / 3600.0;
        let mut rate = self.arrivals_per_hour
            * (1.0 + self.daily_swing * (2.0 * std::f64::consts::PI * hour / 24.0).sin());
        if let Some(b) = &self.burst {
            let since = hour - b.start_hour;
            let since = match b.every_hours {
                Some(every) if since >= 0.0 => since % every,
                _ => since,
            };
            if since >= 0.0 && since * 60.0 < b.minutes {
                rate *= b.factor;
            }
        }
        rate.max(0.0) / 3600.0
    }

    /// The largest arrival rate per second over the run (for thinning).
    pub fn max_arrival_rate(&self) -> f64 {
        let burst = self.burst.as_ref().map_or(1.0, |b| b.factor.max(1.0));
        self.arrivals_per_hour * (1.0 + self.daily_swing.abs()) * burst / 3600.0
    }

    fn check(&self) -> Result<(), String> {
        let positive = [
            ("hours", self.hours),
            ("arrivals_per_hour", self.arrivals_per_hour),
            ("chat_minutes", self.chat_minutes),
        ];
        for (what, v) in positive {
            if v.is_nan() || v <= 0.0 {
                return Err(format!("{what} must be positive"));
            }
        }
        if !(0.0..1.0).contains(&self.warmup) {
            return Err("warmup must be in [0, 1)".into());
        }
        if self.agents.is_empty() || self.agents.iter().any(|g| g.slots == 0) {
            return Err("needs at least one [[scenario.agents]] group, each with slots ≥ 1".into());
        }
        if self
            .agents
            .iter()
            .any(|g| g.online_hours.is_some() != g.offline_hours.is_some())
        {
            return Err("online_hours and offline_hours go together".into());
        }
        Ok(())
    }
}

/// Reads every scenario of the given files and directories (a directory: its `*.toml` files,
/// sorted by name).
pub fn load(paths: &[PathBuf]) -> Result<Vec<Scenario>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries =
                std::fs::read_dir(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            found.sort();
            if found.is_empty() {
                return Err(format!("{}: no .toml scenario files", path.display()));
            }
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    let mut scenarios = Vec::new();
    for file in files {
        scenarios.extend(load_file(&file).map_err(|e| format!("{}: {e}", file.display()))?);
    }
    Ok(scenarios)
}

fn load_file(path: &Path) -> Result<Vec<Scenario>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let file: File = toml::from_str(&text).map_err(|e| e.to_string())?;
    for s in &file.scenario {
        s.check()
            .map_err(|e| format!("scenario {:?}: {e}", s.name))?;
    }
    Ok(file.scenario)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minimal_scenario_reads_with_defaults() {
        let text = r#"
            [[scenario]]
            name = "tiny"
            seed = 1
            hours = 10
            arrivals_per_hour = 6
            chat_minutes = 5
            [[scenario.agents]]
            count = 1
            slots = 1
        "#;
        let file: File = toml::from_str(text).unwrap();
        let s = &file.scenario[0];
        s.check().unwrap();
        assert_eq!(s.warmup, 0.1);
        assert_eq!(s.chat_law, ChatLaw::Exponential);
        assert!(s.patience_minutes.is_none());
        assert!((s.arrival_rate(0.0) - 6.0 / 3600.0).abs() < 1e-12);
    }

    #[test]
    fn a_burst_multiplies_arrivals_while_it_lasts() {
        let text = r#"
            [[scenario]]
            name = "sale"
            seed = 1
            hours = 100
            arrivals_per_hour = 10
            chat_minutes = 5
            burst = { start_hour = 2, minutes = 20, factor = 3, every_hours = 24 }
            [[scenario.agents]]
            count = 1
            slots = 2
        "#;
        let s = &toml::from_str::<File>(text).unwrap().scenario[0];
        let per_hour = |h: f64| s.arrival_rate(h * 3600.0) * 3600.0;
        assert!((per_hour(1.9) - 10.0).abs() < 1e-9);
        assert!((per_hour(2.1) - 30.0).abs() < 1e-9);
        assert!((per_hour(2.5) - 10.0).abs() < 1e-9);
        assert!((per_hour(26.1) - 30.0).abs() < 1e-9);
    }

    #[test]
    fn unknown_fields_are_refused() {
        let text = "[[scenario]]\nname = \"x\"\nseed = 1\nhours = 1\narrivals_per_hour = 1\nchat_minutes = 1\nagnets = []\n";
        assert!(toml::from_str::<File>(text).is_err());
    }
}
