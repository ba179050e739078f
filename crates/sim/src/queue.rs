//! The discrete-event simulation of one scenario: visitors arrive, queue first-come
//! first-served, are taken the moment a slot is free, and may give up; agents hold up to
//! their slot count of chats, may slow down as they juggle more, and sign in and out. Every
//! event goes to every predictor; visitors who join a full queue after the warm-up are
//! scored.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap, VecDeque};

use crate::predictor::{Prediction, Predictor, View};
use crate::rng::Rng;
use crate::scenario::{ChatLaw, Scenario};
use crate::score::{Outcome, Score};

enum Kind {
    Arrival,
    /// The visitor's patience runs out (ignored if they were taken already).
    Patience(u64),
    /// The agent's earliest chat ends, if the agent's `version` has not moved since.
    ChatEnd {
        agent: usize,
        version: u64,
    },
    /// The agent signs in or out.
    Toggle(usize),
}

struct Event {
    t: f64,
    seq: u64,
    kind: Kind,
}

// BinaryHeap is a max-heap: order events so the earliest (then first scheduled) is greatest.
impl Ord for Event {
    fn cmp(&self, other: &Self) -> Ordering {
        other.t.total_cmp(&self.t).then(other.seq.cmp(&self.seq))
    }
}
impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl PartialEq for Event {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Event {}

struct Chat {
    /// Work left, in seconds at single-chat speed.
    work_left: f64,
    started: f64,
}

struct Agent {
    slots: u32,
    online: bool,
    chats: Vec<Chat>,
    version: u64,
    updated: f64,
    /// Mean online and offline spells in seconds, if the agent signs in and out.
    spells: Option<(f64, f64)>,
}

struct Visitor {
    joined: f64,
    /// One per predictor, for scored visitors only.
    predictions: Option<Vec<Option<Prediction>>>,
}

struct Sim<'a> {
    s: &'a Scenario,
    rng: Rng,
    now: f64,
    seq: u64,
    events: BinaryHeap<Event>,
    agents: Vec<Agent>,
    waiting: HashMap<u64, Visitor>,
    /// Ids in arrival order; ids no longer in `waiting` (they left) are skipped lazily.
    queue: VecDeque<u64>,
    next_id: u64,
    predictors: Vec<Box<dyn Predictor>>,
    scores: Vec<Score>,
    outcome: Outcome,
    warmup_end: f64,
}

/// Runs the scenario with the given predictors and scores them.
pub fn run(s: &Scenario, predictors: Vec<Box<dyn Predictor>>) -> Outcome {
    let mut agents = Vec::new();
    for g in &s.agents {
        for _ in 0..g.count {
            let spells = g
                .online_hours
                .zip(g.offline_hours)
                .map(|(on, off)| (on * 3600.0, off * 3600.0));
            agents.push(Agent {
                slots: g.slots,
                online: true,
                chats: Vec::new(),
                version: 0,
                updated: 0.0,
                spells,
            });
        }
    }
    let scores = predictors
        .iter()
        .map(|p| Score::new(p.name(), p.is_oracle()))
        .collect();
    let mut sim = Sim {
        s,
        rng: Rng::new(s.seed),
        now: 0.0,
        seq: 0,
        events: BinaryHeap::new(),
        agents,
        waiting: HashMap::new(),
        queue: VecDeque::new(),
        next_id: 0,
        predictors,
        scores,
        outcome: Outcome::default(),
        warmup_end: s.hours * 3600.0 * s.warmup,
    };
    sim.start();
    sim.run_until(s.hours * 3600.0);
    sim.outcome.rows = sim.scores.iter().map(Score::row).collect();
    sim.outcome
}

impl Sim<'_> {
    fn schedule(&mut self, t: f64, kind: Kind) {
        self.seq += 1;
        self.events.push(Event {
            t,
            seq: self.seq,
            kind,
        });
    }

    fn start(&mut self) {
        for a in 0..self.agents.len() {
            if let Some((online, _)) = self.agents[a].spells {
                let t = self.rng.exponential(online);
                self.schedule(t, Kind::Toggle(a));
            }
        }
        let slots = self.slots();
        self.predictors
            .iter_mut()
            .for_each(|p| p.slots_changed(0.0, slots));
        self.schedule_next_arrival();
    }

    fn run_until(&mut self, end: f64) {
        while let Some(event) = self.events.pop() {
            if event.t > end {
                break;
            }
            self.now = event.t;
            match event.kind {
                Kind::Arrival => self.arrival(),
                Kind::Patience(id) => self.patience(id),
                Kind::ChatEnd { agent, version } => self.chat_end(agent, version),
                Kind::Toggle(agent) => self.toggle(agent),
            }
            self.dispatch();
        }
    }

    /// Next arrival by thinning a Poisson process at the peak rate.
    fn schedule_next_arrival(&mut self) {
        let peak = self.s.max_arrival_rate();
        let mut t = self.now;
        loop {
            t += self.rng.exponential(1.0 / peak);
            if self.rng.uniform() * peak < self.s.arrival_rate(t) {
                break;
            }
        }
        self.schedule(t, Kind::Arrival);
    }

    fn slots(&self) -> u32 {
        self.agents
            .iter()
            .filter(|a| a.online)
            .map(|a| a.slots)
            .sum()
    }

    fn free_agent(&self) -> Option<usize> {
        // The least loaded online agent with a free slot.
        (0..self.agents.len())
            .filter(|&a| {
                self.agents[a].online && (self.agents[a].chats.len() as u32) < self.agents[a].slots
            })
            .min_by(|&a, &b| {
                let load =
                    |i: usize| self.agents[i].chats.len() as f64 / f64::from(self.agents[i].slots);
                load(a).total_cmp(&load(b))
            })
    }

    /// True rate at which a full queue is served with the agents online now (oracle only).
    fn true_take_rate(&self) -> f64 {
        let per_chat = 1.0 / (self.s.chat_minutes * 60.0);
        let slowdown = |slots: u32| 1.0 + self.s.slowdown * (f64::from(slots) - 1.0);
        self.agents
            .iter()
            .filter(|a| a.online)
            .map(|a| f64::from(a.slots) * per_chat / slowdown(a.slots))
            .sum()
    }

    fn head_wait(&mut self) -> Option<f64> {
        while let Some(id) = self.queue.front() {
            match self.waiting.get(id) {
                Some(v) => return Some(self.now - v.joined),
                None => {
                    self.queue.pop_front();
                }
            }
        }
        None
    }

    fn arrival(&mut self) {
        self.schedule_next_arrival();
        self.outcome.arrivals += 1;
        let id = self.next_id;
        self.next_id += 1;
        let now = self.now;
        // A visitor who finds a free slot is taken at once: nothing to predict or score.
        let queued = self.free_agent().is_none();
        let head_wait = if queued { self.head_wait() } else { None };
        self.predictors.iter_mut().for_each(|p| p.joined(now, id));
        let mut predictions = None;
        if queued && now >= self.warmup_end {
            let view = View {
                head_wait,
                true_take_rate: self.true_take_rate(),
                true_abandon_rate: self.s.patience_minutes.map_or(0.0, |m| 1.0 / (m * 60.0)),
            };
            let position = self.waiting.len() as u64 + 1;
            predictions = Some(
                self.predictors
                    .iter_mut()
                    .map(|p| p.predict(now, position, &view))
                    .collect(),
            );
        }
        self.waiting.insert(
            id,
            Visitor {
                joined: now,
                predictions,
            },
        );
        self.queue.push_back(id);
        if let Some(mean) = self.s.patience_minutes {
            let t = now + self.rng.exponential(mean * 60.0);
            self.schedule(t, Kind::Patience(id));
        }
    }

    fn patience(&mut self, id: u64) {
        if self.waiting.remove(&id).is_some() {
            self.outcome.abandoned += 1;
            let now = self.now;
            self.predictors.iter_mut().for_each(|p| p.left(now, id));
        }
    }

    /// Speed of each chat of an agent holding `chats` chats.
    fn speed(&self, chats: usize) -> f64 {
        1.0 / (1.0 + self.s.slowdown * (chats.max(1) as f64 - 1.0))
    }

    /// Brings the agent's chats' remaining work up to now.
    fn progress(&mut self, a: usize) {
        let speed = self.speed(self.agents[a].chats.len());
        let agent = &mut self.agents[a];
        let done = speed * (self.now - agent.updated);
        agent.chats.iter_mut().for_each(|c| c.work_left -= done);
        agent.updated = self.now;
    }

    /// Schedules the agent's next chat end under its current load.
    fn reschedule(&mut self, a: usize) {
        let speed = self.speed(self.agents[a].chats.len());
        let agent = &mut self.agents[a];
        agent.version += 1;
        let version = agent.version;
        if let Some(least) = agent
            .chats
            .iter()
            .map(|c| c.work_left)
            .min_by(f64::total_cmp)
        {
            let t = self.now + least.max(0.0) / speed;
            self.schedule(t, Kind::ChatEnd { agent: a, version });
        }
    }

    fn chat_end(&mut self, a: usize, version: u64) {
        if self.agents[a].version != version {
            return;
        }
        self.progress(a);
        let chats = &mut self.agents[a].chats;
        let i = (0..chats.len())
            .min_by(|&i, &j| chats[i].work_left.total_cmp(&chats[j].work_left))
            .expect("a chat to end");
        let chat = chats.swap_remove(i);
        let (now, length) = (self.now, self.now - chat.started);
        self.predictors
            .iter_mut()
            .for_each(|p| p.finished(now, length));
        self.reschedule(a);
    }

    fn toggle(&mut self, a: usize) {
        let Some((online, offline)) = self.agents[a].spells else {
            return;
        };
        self.agents[a].online = !self.agents[a].online;
        let next = self.rng.exponential(if self.agents[a].online {
            online
        } else {
            offline
        });
        self.schedule(self.now + next, Kind::Toggle(a));
        let (now, slots) = (self.now, self.slots());
        self.predictors
            .iter_mut()
            .for_each(|p| p.slots_changed(now, slots));
    }

    /// Free slots take the head of the queue at once, first come first served.
    fn dispatch(&mut self) {
        while self.head_wait().is_some() {
            let Some(a) = self.free_agent() else { return };
            let id = self.queue.pop_front().expect("a head");
            let visitor = self.waiting.remove(&id).expect("head is waiting");
            let work = match self.s.chat_law {
                ChatLaw::Exponential => self.rng.exponential(self.s.chat_minutes * 60.0),
                ChatLaw::Lognormal => self
                    .rng
                    .lognormal(self.s.chat_minutes * 60.0, self.s.chat_cv),
            };
            self.progress(a);
            self.agents[a].chats.push(Chat {
                work_left: work,
                started: self.now,
            });
            self.reschedule(a);
            let (now, wait) = (self.now, self.now - visitor.joined);
            self.outcome.taken += 1;
            if wait == 0.0 {
                self.outcome.taken_at_once += 1;
            }
            self.predictors
                .iter_mut()
                .for_each(|p| p.taken(now, id, wait));
            if let Some(predictions) = visitor.predictions {
                self.outcome.scored += 1;
                for (score, prediction) in self.scores.iter_mut().zip(predictions) {
                    score.add(prediction, wait);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::predictor;

    /// Loads a scenario from `text` through a file, as the simulator reads them. Tests run in
    /// parallel: each call has its own file.
    fn scenario(text: &str) -> Scenario {
        static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "pronto-sim-test-{}-{call}.toml",
            std::process::id()
        ));
        std::fs::write(&path, text).unwrap();
        let mut all = crate::scenario::load(std::slice::from_ref(&path)).unwrap();
        std::fs::remove_file(path).unwrap();
        all.remove(0)
    }

    const MM3: &str = r#"
        [[scenario]]
        name = "M/M/3, load 0.9"
        seed = 5
        hours = 800
        arrivals_per_hour = 32.4
        chat_minutes = 5
        [[scenario.agents]]
        count = 3
        slots = 1
    "#;

    #[test]
    fn same_seed_same_scoreboard() {
        let s = scenario(MM3);
        let a = run(&s, predictor::all());
        let b = run(&s, predictor::all());
        assert_eq!(a.scored, b.scored);
        assert!(a.rows.iter().zip(&b.rows).all(|(x, y)| x.rase == y.rase));
    }

    #[test]
    fn every_arrival_is_accounted_for() {
        let s =
            scenario(&MM3.replace("chat_minutes = 5", "chat_minutes = 5\npatience_minutes = 3"));
        let o = run(&s, predictor::all());
        assert!(o.abandoned > 0);
        // At most a handful are still waiting or talking when the run stops.
        assert!(o.arrivals - o.taken - o.abandoned < 50, "{o:?}");
        assert!(o.scored < o.taken - o.taken_at_once);
    }

    #[test]
    fn the_oracle_is_exact_for_mms() {
        // In M/M/s the wait at position k is Erlang(k, s·μ) and the oracle knows s·μ: its
        // gamma range (exact shape here) must hold about 80% of waits.
        let o = run(&scenario(MM3), predictor::all());
        let oracle = o.rows.iter().find(|r| r.oracle).unwrap();
        let coverage = oracle.coverage.unwrap();
        assert!(
            (0.77..0.83).contains(&coverage),
            "oracle range holds {coverage}"
        );
        assert!(o.scored > 10_000);
    }

    #[test]
    fn shipped_scenarios_all_read() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
        let all = crate::scenario::load(&[dir]).unwrap();
        assert!(all.len() >= 12 + 5, "{} scenarios", all.len());
    }
}
