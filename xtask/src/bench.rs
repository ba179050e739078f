//! The load benchmark of `cargo xtask bench`: release servers on loopback, the load generator
//! (`pronto-load`) in its own process per scenario, and the figures written to BENCHMARKS.md
//! and BENCHMARKS.json with the machine they were measured on.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::{cargo, dist, wasm};

/// Sockets the idle scenario tries to reach, and the bars each scenario is held to.
const IDLE_STEPS: [usize; 4] = [1_000, 10_000, 25_000, 50_000];
const IDLE_BAR_CONNECTIONS: u64 = 50_000;
const IDLE_BAR_BYTES: u64 = 8 * 1024;
const CHAT_CONVERSATIONS: usize = 1_000;
const CHAT_RATES: &str = "500,1000,2000,3000,4000";
const CHAT_BAR_RATE: f64 = 2_000.0;
const CHAT_BAR_P99_MS: f64 = 10.0;
const FANOUT_WAITING: usize = 10_000;
const FANOUT_TAKES: usize = 40;
/// Waiting visitors hear of a take at most once a second each (coalesced, see
/// `crates/server/src/queue.rs`), so "everyone told" is bounded by that second plus the pass.
const FANOUT_BAR_P99_MS: f64 = 1_250.0;
/// Two nodes share PostgreSQL and Redis on this one machine; a lower ladder suffices.
const TWO_NODE_RATES: &str = "500,1000,2000";
/// Open files wanted by the servers and the load generator (children inherit the limit).
const OPEN_FILES_WANTED: u64 = 200_000;
/// Descriptors a server needs besides its sockets (database, log, listener, runtime).
const OPEN_FILES_SPARE: u64 = 500;

/// Runs every load scenario, writes the reports, and returns whether all of them ran.
/// Runs every load scenario and writes BENCHMARKS.md and BENCHMARKS.json, with `timing` (the
/// launcher-press measurement's medians) beside the sizes.
pub fn load(root: &Path, timing: &Value) -> Result<bool> {
    let open_files = raise_open_files();
    cargo(
        root,
        &[
            "build",
            "--release",
            "-p",
            "pronto-server",
            "-p",
            "pronto-load",
        ],
    )?;
    let release = wasm::target_dir(root)?.join("release");
    let bins = Bins {
        server: release.join("pronto-server"),
        load: release.join("pronto-load"),
    };
    let dist = dist::build(root)?;
    let sizes: Value = serde_json::from_str(
        &std::fs::read_to_string(dist.dir.join("sizes.json")).context("reading dist/sizes.json")?,
    )?;
    let scratch = std::env::temp_dir().join(format!("pronto-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;

    let mut report = Report::default();
    let steps = idle_steps(open_files);
    report.run("idle", || idle(&bins, &dist.dir, &scratch, &steps));
    if let Some(shares) = idle_shares(open_files) {
        report.run("idle_processes", || {
            idle_processes(&bins, &dist.dir, &scratch, &shares)
        });
    }
    report.run("chat", || chat(&bins, &dist.dir, &scratch));
    report.run("fanout", || fanout(&bins, &dist.dir, &scratch));
    report.run("two_node", || two_node(&bins, &dist.dir, &scratch));
    let _ = std::fs::remove_dir_all(&scratch);

    let machine = machine();
    let figures = figures(&report, &sizes, timing, open_files, &machine);
    std::fs::write(
        root.join("BENCHMARKS.json"),
        serde_json::to_string_pretty(&figures)? + "\n",
    )?;
    let markdown = markdown(&report, &figures, &machine);
    std::fs::write(root.join("BENCHMARKS.md"), &markdown)?;
    println!("\n{markdown}");
    println!("wrote BENCHMARKS.md and BENCHMARKS.json");
    Ok(report.failed.is_empty())
}

struct Bins {
    server: PathBuf,
    load: PathBuf,
}

/// Each scenario's JSON, or why it failed.
#[derive(Default)]
struct Report {
    results: Vec<(&'static str, Value)>,
    failed: Vec<(&'static str, String)>,
}

impl Report {
    fn run(&mut self, name: &'static str, scenario: impl FnOnce() -> Result<Value>) {
        println!("\n== load scenario: {name}");
        match scenario() {
            Ok(value) => self.results.push((name, value)),
            Err(err) => {
                eprintln!("load scenario {name} failed: {err:#}");
                self.failed.push((name, format!("{err:#}")));
            }
        }
    }

    fn get(&self, name: &str) -> Option<&Value> {
        self.results
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    }
}

/// Raises the open-file limit as far as this process may; returns the soft limit now.
/// Raising the hard limit needs CAP_SYS_RESOURCE; without it the soft limit rises to it.
fn raise_open_files() -> u64 {
    use rlimit::Resource;
    if rlimit::setrlimit(Resource::NOFILE, OPEN_FILES_WANTED, OPEN_FILES_WANTED).is_ok() {
        return OPEN_FILES_WANTED;
    }
    let limit = rlimit::increase_nofile_limit(OPEN_FILES_WANTED).unwrap_or(1024);
    println!(
        "open-file limit: {limit} (the hard limit; raising it needs CAP_SYS_RESOURCE), \
         so the idle scenario stops below {limit} sockets"
    );
    limit
}

/// The idle steps that fit under the open-file limit, plus the largest step that does when
/// the full ladder does not.
fn idle_steps(open_files: u64) -> Vec<usize> {
    let most = usize::try_from(open_files.saturating_sub(OPEN_FILES_SPARE)).unwrap_or(usize::MAX);
    let mut steps: Vec<usize> = IDLE_STEPS.into_iter().filter(|&s| s <= most).collect();
    let largest_fit = most / 1000 * 1000;
    if steps.last().is_some_and(|&last| last < largest_fit) && IDLE_STEPS.iter().any(|&s| s > most)
    {
        steps.push(largest_fit);
    }
    steps
}

fn idle(bins: &Bins, dist: &Path, scratch: &Path, steps: &[usize]) -> Result<Value> {
    let server = Server::start_sqlite(bins, dist, scratch, "idle")?;
    let steps: Vec<String> = steps.iter().map(usize::to_string).collect();
    run_load(
        bins,
        &[
            "idle",
            "--server",
            &server.address.to_string(),
            "--pid",
            &server.pid(),
            "--steps",
            &steps.join(","),
        ],
    )
}

fn chat(bins: &Bins, dist: &Path, scratch: &Path) -> Result<Value> {
    let server = Server::start_sqlite(bins, dist, scratch, "chat")?;
    run_load(
        bins,
        &[
            "chat",
            "--server",
            &server.address.to_string(),
            "--pid",
            &server.pid(),
            "--conversations",
            &CHAT_CONVERSATIONS.to_string(),
            "--rates",
            CHAT_RATES,
        ],
    )
}

fn fanout(bins: &Bins, dist: &Path, scratch: &Path) -> Result<Value> {
    let server = Server::start_sqlite(bins, dist, scratch, "fanout")?;
    run_load(
        bins,
        &[
            "fanout",
            "--server",
            &server.address.to_string(),
            "--pid",
            &server.pid(),
            "--waiting",
            &FANOUT_WAITING.to_string(),
            "--takes",
            &FANOUT_TAKES.to_string(),
            "--take-rate",
            "5",
        ],
    )
}

/// How to spread the idle bar's sockets over server processes when one process may not
/// open that many files: as few processes as fit, each given an equal share (whole
/// thousands). `None` when one process can hold them all.
fn idle_shares(open_files: u64) -> Option<Vec<usize>> {
    let per_process = open_files.saturating_sub(OPEN_FILES_SPARE) / 1000 * 1000;
    if per_process >= IDLE_BAR_CONNECTIONS || per_process == 0 {
        return None;
    }
    let processes = IDLE_BAR_CONNECTIONS.div_ceil(per_process);
    let share = IDLE_BAR_CONNECTIONS.div_ceil(processes).div_ceil(1000) * 1000;
    Some(vec![
        usize::try_from(share).ok()?;
        usize::try_from(processes).ok()?
    ])
}

/// The idle scenario spread over several server processes of one deployment (PostgreSQL +
/// Redis, as a hosted Pronto runs), one load generator per server since each is held to the
/// same open-file limit: what the bar's idle visitors cost this machine when no single
/// process may hold them.
fn idle_processes(bins: &Bins, dist: &Path, scratch: &Path, shares: &[usize]) -> Result<Value> {
    with_postgres("idle", |url, env| {
        let servers = (0..shares.len())
            .map(|n| Server::start(bins, dist, scratch, &format!("idle-{n}"), url, env))
            .collect::<Result<Vec<_>>>()?;
        let loads = servers
            .iter()
            .zip(shares)
            .enumerate()
            .map(|(n, (server, share))| {
                let args = [
                    "idle".to_owned(),
                    "--server".into(),
                    server.address.to_string(),
                    "--pid".into(),
                    server.pid(),
                    "--steps".into(),
                    share.to_string(),
                    "--source-block".into(),
                    (20 + n).to_string(),
                ];
                println!("pronto-load {}", args.join(" "));
                Command::new(&bins.load)
                    .args(&args)
                    .stdout(Stdio::piped())
                    .stderr(Stdio::inherit())
                    .spawn()
                    .with_context(|| format!("running {}", bins.load.display()))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut results = Vec::new();
        for load in loads {
            let output = load.wait_with_output()?;
            if !output.status.success() {
                bail!("pronto-load idle failed");
            }
            let result: Value =
                serde_json::from_slice(&output.stdout).context("reading pronto-load's JSON")?;
            results.push(result);
        }
        let sum = |key: &str| -> u64 {
            results
                .iter()
                .filter_map(|r| r.get(key).and_then(Value::as_u64))
                .sum()
        };
        let connections = sum("connections");
        let grown: u64 = results
            .iter()
            .map(|r| {
                let last_rss = r
                    .get("steps")
                    .and_then(Value::as_array)
                    .and_then(|steps| steps.last())
                    .and_then(|step| step.get("rss_bytes"))
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                let baseline = r
                    .get("baseline_rss_bytes")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                last_rss.saturating_sub(baseline)
            })
            .sum();
        Ok(json!({
            "processes": results.len(),
            "connections": connections,
            "bytes_per_connection": grown / connections.max(1),
            "dropped": sum("dropped"),
            "per_process": results,
        }))
    })
}

/// The chat scenario with visitors on one server and agents on another, sharing a fresh
/// PostgreSQL database and a Redis key prefix of their own.
fn two_node(bins: &Bins, dist: &Path, scratch: &Path) -> Result<Value> {
    with_postgres("chat", |url, env| {
        // One after the other: both would create the demo shop in the same database.
        let a = Server::start(bins, dist, scratch, "node-a", url, env)?;
        let b = Server::start(bins, dist, scratch, "node-b", url, env)?;
        run_load(
            bins,
            &[
                "chat",
                "--server",
                &a.address.to_string(),
                "--server2",
                &b.address.to_string(),
                "--pid",
                &a.pid(),
                "--pid",
                &b.pid(),
                "--conversations",
                &CHAT_CONVERSATIONS.to_string(),
                "--rates",
                TWO_NODE_RATES,
                "--source-block",
                "4",
            ],
        )
    })
}

/// Runs `scenario` with a fresh PostgreSQL database and Redis key prefix for its servers
/// (the database URL and the servers' environment), dropping the database afterwards.
fn with_postgres(
    name: &str,
    scenario: impl FnOnce(&str, &[(&str, String)]) -> Result<Value>,
) -> Result<Value> {
    let database = format!("pronto_bench_{name}_{}", std::process::id());
    psql(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"))?;
    psql(&format!("CREATE DATABASE {database}"))?;
    let url = format!("postgres://postgres@127.0.0.1:5432/{database}");
    let prefix = format!("pronto-bench-{name}-{}-{}", std::process::id(), unix_secs());
    let env = [
        ("REDIS_URL", "redis://127.0.0.1:6379".to_owned()),
        ("PRONTO_REDIS_PREFIX", prefix),
    ];
    // The scenario's servers are stopped when it returns, so the database can go.
    let result = scenario(&url, &env);
    if let Err(err) = psql(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)")) {
        eprintln!("could not drop {database}: {err:#}");
    }
    result
}

fn psql(sql: &str) -> Result<()> {
    let output = Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            sql,
        ])
        .output()
        .context("running psql (PostgreSQL's client) for the two-node scenario")?;
    if !output.status.success() {
        bail!(
            "psql -c {sql:?} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// Runs the load generator and returns the JSON it prints; its progress shows on stderr.
fn run_load(bins: &Bins, args: &[&str]) -> Result<Value> {
    println!("pronto-load {}", args.join(" "));
    let output = Command::new(&bins.load)
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("running {}", bins.load.display()))?;
    if !output.status.success() {
        bail!("pronto-load {} failed", args[0]);
    }
    serde_json::from_slice(&output.stdout).context("reading pronto-load's JSON")
}

/// A release server on a free loopback port, stopped (SIGTERM) when dropped.
struct Server {
    child: Child,
    address: SocketAddr,
    log: PathBuf,
}

impl Server {
    /// A server on a fresh SQLite database in `scratch`.
    fn start_sqlite(bins: &Bins, dist: &Path, scratch: &Path, name: &str) -> Result<Self> {
        let db = scratch.join(format!("{name}.db"));
        let _ = std::fs::remove_file(&db);
        let url = format!("sqlite://{}", db.display());
        Self::start(bins, dist, scratch, name, &url, &[])
    }

    fn start(
        bins: &Bins,
        dist: &Path,
        scratch: &Path,
        name: &str,
        database_url: &str,
        env: &[(&str, String)],
    ) -> Result<Self> {
        let address = free_port()?;
        let log = scratch.join(format!("{name}.log"));
        let log_file = std::fs::File::create(&log)?;
        let child = Command::new(&bins.server)
            .args(["--listen", &address.to_string()])
            .args(["--database-url", database_url])
            .arg("--assets")
            .arg(dist)
            .args(["--demo", "--max-connections-per-ip", "1000000"])
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env("RUST_LOG", "warn")
            .stdout(log_file.try_clone()?)
            .stderr(log_file)
            .spawn()
            .with_context(|| format!("starting {}", bins.server.display()))?;
        let mut server = Server {
            child,
            address,
            log,
        };
        server.wait_until_listening()?;
        Ok(server)
    }

    fn pid(&self) -> String {
        self.child.id().to_string()
    }

    fn wait_until_listening(&mut self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect_timeout(&self.address, Duration::from_millis(200)).is_err() {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "the server exited ({status}) before listening:\n{}",
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            if Instant::now() > deadline {
                bail!(
                    "the server did not listen on {} within a minute",
                    self.address
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nobody listens on (the kernel picks it; it is free again once dropped).
fn free_port() -> Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?)
}

fn unix_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// What the figures were measured on.
struct Machine {
    cpus: String,
    memory: String,
    cpu_model: String,
    kernel: String,
    date: String,
}

fn machine() -> Machine {
    let command = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_else(|| "?".into())
    };
    let proc_field = |file: &str, key: &str| {
        std::fs::read_to_string(file)
            .ok()
            .and_then(|text| {
                text.lines()
                    .find(|line| line.starts_with(key))
                    .and_then(|line| line.split_once(':'))
                    .map(|(_, value)| value.trim().to_owned())
            })
            .unwrap_or_else(|| "?".into())
    };
    let memory = proc_field("/proc/meminfo", "MemTotal");
    let memory = memory
        .trim_end_matches(" kB")
        .parse::<f64>()
        .map(|kb| format!("{:.1} GiB", kb / 1024.0 / 1024.0))
        .unwrap_or(memory);
    Machine {
        cpus: command("nproc", &[]),
        memory,
        cpu_model: proc_field("/proc/cpuinfo", "model name"),
        kernel: command("uname", &["-sr"]),
        date: command("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
    }
}

/// A number at `path` (keys separated by `.`) in a scenario's JSON.
fn number(value: Option<&Value>, path: &str) -> Option<f64> {
    path.split('.')
        .try_fold(value?, |v, key| v.get(key))
        .and_then(Value::as_f64)
}

/// The ladder entry for `rate` in a chat result.
fn at_rate(chat: Option<&Value>, rate: f64) -> Option<&Value> {
    chat?
        .get("rates")?
        .as_array()?
        .iter()
        .find(|r| r.get("rate_msgs_per_s").and_then(Value::as_f64) == Some(rate))
}

/// The highest rate of a two-node ladder measured without refusals.
fn best_two_node_rate(chat: Option<&Value>) -> Option<&Value> {
    chat?
        .get("rates")?
        .as_array()?
        .iter()
        .rfind(|r| r.get("rejected").and_then(Value::as_u64) == Some(0))
}

fn figures(
    report: &Report,
    sizes: &Value,
    timing: &Value,
    open_files: u64,
    machine: &Machine,
) -> Value {
    let idle = report.get("idle");
    let spread = report.get("idle_processes");
    let chat = report.get("chat");
    let bar_rate = at_rate(chat, CHAT_BAR_RATE);
    let fanout = report.get("fanout");
    let two = report.get("two_node");
    let two_rate = at_rate(two, CHAT_BAR_RATE).or_else(|| best_two_node_rate(two));
    let failed: serde_json::Map<String, Value> = report
        .failed
        .iter()
        .map(|(name, why)| ((*name).to_owned(), Value::from(why.as_str())))
        .collect();
    let mut figures = json!({
        "idle_connections": number(idle, "connections"),
        "idle_bytes_per_connection": number(idle, "bytes_per_connection"),
        "idle_open_files_limit": open_files,
        "idle_steps": idle.and_then(|v| v.get("steps")),
        "idle_processes": number(spread, "processes"),
        "idle_processes_connections": number(spread, "connections"),
        "idle_processes_bytes_per_connection": number(spread, "bytes_per_connection"),
        "idle_processes_dropped": number(spread, "dropped"),
        "chat_conversations": CHAT_CONVERSATIONS,
        "chat_rate_msgs_per_s": CHAT_BAR_RATE,
        "chat_p50_ms": number(bar_rate, "combined.p50_ms"),
        "chat_p99_ms": number(bar_rate, "combined.p99_ms"),
        "chat_p999_ms": number(bar_rate, "combined.p999_ms"),
        "chat_visitor_to_agent_p99_ms": number(bar_rate, "visitor_to_agent.p99_ms"),
        "chat_agent_to_visitor_p99_ms": number(bar_rate, "agent_to_visitor.p99_ms"),
        "chat_server_cpu_secs_per_1000_msgs": number(bar_rate, "server_cpu_secs_per_1000_msgs"),
        "chat_max_rate_p99_under_50ms": number(chat, "max_rate_p99_under_50ms"),
        "chat_all_delivered_once": chat.map(all_delivered_once),
        "chat_ladder": chat.and_then(|v| v.get("rates")),
        "fanout_waiting": FANOUT_WAITING,
        "fanout_takes": number(fanout, "takes"),
        "fanout_p50_ms": number(fanout, "take_to_all_told.p50_ms"),
        "fanout_p99_ms": number(fanout, "take_to_all_told.p99_ms"),
        "fanout_max_ms": number(fanout, "take_to_all_told.max_ms"),
        "fanout_frames_per_take": number(fanout, "frames_per_take"),
        "fanout_server_cpu_secs": number(fanout, "server_cpu_secs"),
        "fanout_positions_correct": fanout.and_then(|v| v.get("positions_correct")),
        "two_node_chat_rate_msgs_per_s": number(two_rate, "rate_msgs_per_s"),
        "two_node_chat_p50_ms": number(two_rate, "combined.p50_ms"),
        "two_node_chat_p99_ms": number(two_rate, "combined.p99_ms"),
        "two_node_chat_all_delivered_once": two.map(all_delivered_once),
        "two_node_ladder": two.and_then(|v| v.get("rates")),
        "loader_gz_bytes": sizes.get("loader_gz_bytes"),
        "first_open_br_bytes": sizes.get("first_open_br_bytes"),
        "first_open_gz_bytes": sizes.get("first_open_gz_bytes"),
        "failed": failed,
        "machine": {
            "nproc": machine.cpus,
            "memory": machine.memory,
            "cpu": machine.cpu_model,
            "kernel": machine.kernel,
        },
        "date": machine.date,
        "command": "cargo xtask bench",
    });
    // (Added one by one: one json! this long would pass the macro's recursion limit.)
    for (key, from) in [
        ("launcher_press_to_ready_cold_ms", "cold_median_ms"),
        ("launcher_press_to_ready_warm_ms", "warm_median_ms"),
        (
            "launcher_press_to_ready_after_idle_fetch_ms",
            "after_idle_fetch_median_ms",
        ),
        ("launcher_press_to_ready_runs", "runs"),
    ] {
        figures[key] = timing.get(from).cloned().unwrap_or(Value::Null);
    }
    figures
}

/// The same check as `ChatResult::all_delivered_once`, on the JSON.
fn all_delivered_once(chat: &Value) -> bool {
    let n = |key: &str| chat.get(key).and_then(Value::as_u64);
    n("visitor_sent") == n("agents_received")
        && n("agents_sent") == n("visitors_received")
        && n("duplicates") == Some(0)
        && n("rejected") == Some(0)
        && chat
            .get("errors")
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty)
}

fn fmt_ms(value: Option<f64>) -> String {
    value.map_or("–".into(), |v| format!("{v:.2} ms"))
}

fn fmt_int(value: Option<f64>) -> String {
    value.map_or("–".into(), |v| {
        let digits = format!("{:.0}", v);
        // Thousands separators, for reading 50000 at a glance.
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    })
}

fn verdict(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "met",
        Some(false) => "**not met**",
        None => "not measured",
    }
}

fn markdown(report: &Report, figures: &Value, machine: &Machine) -> String {
    let f = |key: &str| figures.get(key).and_then(Value::as_f64);
    let idle_bar = |n: Option<f64>, b: Option<f64>| match (n, b) {
        (Some(n), Some(b)) => Some(n >= IDLE_BAR_CONNECTIONS as f64 && b <= IDLE_BAR_BYTES as f64),
        _ => None,
    };
    let one_process_met = idle_bar(f("idle_connections"), f("idle_bytes_per_connection"));
    let processes_met = idle_bar(
        f("idle_processes_connections"),
        f("idle_processes_bytes_per_connection"),
    )
    .map(|met| met && f("idle_processes_dropped") == Some(0.0));
    // One process when the open-file limit allows it; otherwise several on this machine.
    let idle_met = match one_process_met {
        Some(true) => Some(true),
        _ => processes_met.or(one_process_met),
    };
    let chat_met = f("chat_p99_ms").map(|p99| {
        p99 <= CHAT_BAR_P99_MS && figures["chat_all_delivered_once"] == Value::Bool(true)
    });
    let fanout_met = f("fanout_p99_ms").map(|p99| {
        p99 <= FANOUT_BAR_P99_MS && figures["fanout_positions_correct"] == Value::Bool(true)
    });

    let mut md = String::new();
    md.push_str("# Benchmarks\n\n");
    md.push_str(
        "Written by `cargo xtask bench`: release builds of `pronto-server` on loopback, driven by \
         the load generator `pronto-load` (crates/load) in its own process; each scenario on a \
         fresh server and database. The same figures are in BENCHMARKS.json.\n\n",
    );
    md.push_str(&format!(
        "Machine: {} CPUs ({}), {} RAM, {}; measured {}.\n\n",
        machine.cpus, machine.cpu_model, machine.memory, machine.kernel, machine.date
    ));
    md.push_str("| measure | result | bar | |\n|---|---|---|---|\n");
    let limit = f("idle_open_files_limit").unwrap_or(0.0);
    let idle_note = if limit < IDLE_BAR_CONNECTIONS as f64 {
        format!(" (open-file limit {})", fmt_int(Some(limit)))
    } else {
        String::new()
    };
    md.push_str(&format!(
        "| idle visitor sockets, one server process | {} sockets, {} B each{idle_note} | ≥ 50,000 sockets, ≤ 8 KiB each | {} |\n",
        fmt_int(f("idle_connections")),
        fmt_int(f("idle_bytes_per_connection")),
        if limit < IDLE_BAR_CONNECTIONS as f64 {
            "out of reach here: open-file limit"
        } else {
            verdict(one_process_met)
        }
    ));
    if f("idle_processes").is_some() {
        md.push_str(&format!(
            "| idle visitor sockets, {} server processes (PostgreSQL + Redis) on this machine | {} sockets, {} B each | ≥ 50,000 sockets, ≤ 8 KiB each | {} |\n",
            fmt_int(f("idle_processes")),
            fmt_int(f("idle_processes_connections")),
            fmt_int(f("idle_processes_bytes_per_connection")),
            verdict(processes_met)
        ));
    }
    md.push_str(&format!(
        "| live chats: {} conversations at {} msgs/s | p50 {}, p99 {}, p99.9 {} | p99 ≤ {CHAT_BAR_P99_MS} ms | {} |\n",
        fmt_int(f("chat_conversations")),
        fmt_int(f("chat_rate_msgs_per_s")),
        fmt_ms(f("chat_p50_ms")),
        fmt_ms(f("chat_p99_ms")),
        fmt_ms(f("chat_p999_ms")),
        verdict(chat_met)
    ));
    md.push_str(&format!(
        "| live chats: highest rate with p99 < 50 ms | {} msgs/s | | |\n",
        fmt_int(f("chat_max_rate_p99_under_50ms"))
    ));
    md.push_str(&format!(
        "| queue fan-out: {} waiting, one take every 200 ms | all told in p50 {}, p99 {}; {} frames per take | p99 ≤ {FANOUT_BAR_P99_MS} ms | {} |\n",
        fmt_int(f("fanout_waiting")),
        fmt_ms(f("fanout_p50_ms")),
        fmt_ms(f("fanout_p99_ms")),
        fmt_int(f("fanout_frames_per_take")),
        verdict(fanout_met)
    ));
    md.push_str(&format!(
        "| two nodes (PostgreSQL + Redis), visitors on one, agents on the other, {} msgs/s | p50 {}, p99 {} | | |\n",
        fmt_int(f("two_node_chat_rate_msgs_per_s")),
        fmt_ms(f("two_node_chat_p50_ms")),
        fmt_ms(f("two_node_chat_p99_ms")),
    ));
    md.push_str(&format!(
        "| widget loader (pronto.js), gzip | {} B | ≤ 2 KB ({} B) | {} |\n",
        fmt_int(f("loader_gz_bytes")),
        fmt_int(Some(dist::LOADER_BUDGET_GZ as f64)),
        verdict(f("loader_gz_bytes").map(|b| b <= dist::LOADER_BUDGET_GZ as f64))
    ));
    md.push_str(&format!(
        "| widget first open (js+wasm+css) | {} B brotli, {} B gzip | ≤ 90 KB ({} B) brotli | {} |\n",
        fmt_int(f("first_open_br_bytes")),
        fmt_int(f("first_open_gz_bytes")),
        fmt_int(Some(dist::FIRST_OPEN_BUDGET_BR as f64)),
        verdict(f("first_open_br_bytes").map(|b| b <= dist::FIRST_OPEN_BUDGET_BR as f64))
    ));
    md.push_str(&format!(
        "| launcher press to typing, headless Chromium, median of {} | nothing fetched before the press: {} cold cache, {} warm; after the idle-time fetch: {} | | |\n\n",
        fmt_int(f("launcher_press_to_ready_runs")),
        fmt_ms(f("launcher_press_to_ready_cold_ms")),
        fmt_ms(f("launcher_press_to_ready_warm_ms")),
        fmt_ms(f("launcher_press_to_ready_after_idle_fetch_ms")),
    ));

    if let Some(steps) = figures.get("idle_steps").and_then(Value::as_array) {
        md.push_str("## Idle visitors\n\nEach socket said `hello` for the demo shop, got its `welcome` and stayed open. Memory is the server's RSS (`/proc/<pid>/status`) above its RSS before the first socket, divided by the sockets open.\n\n");
        md.push_str("| sockets | server RSS | bytes per socket | opened per second |\n|---:|---:|---:|---:|\n");
        for step in steps {
            let n = |k: &str| step.get(k).and_then(Value::as_f64);
            md.push_str(&format!(
                "| {} | {:.1} MiB | {} | {} |\n",
                fmt_int(n("connections")),
                n("rss_bytes").unwrap_or(0.0) / 1048576.0,
                fmt_int(n("bytes_per_connection")),
                fmt_int(n("opened_per_s")),
            ));
        }
        md.push('\n');
    }
    if let Some(processes) = figures.get("idle_processes").and_then(Value::as_f64) {
        md.push_str(&format!(
            "The same over {} server processes sharing one PostgreSQL database and Redis (as a \
             hosted Pronto runs), one load generator each: memory is the sum of the servers' RSS \
             growth over the sum of sockets ({} sockets dropped while held).\n\n",
            fmt_int(Some(processes)),
            fmt_int(f("idle_processes_dropped")),
        ));
    }
    for (key, title, about) in [
        (
            "chat_ladder",
            "Live chats",
            "One visitor socket per conversation sends on a fixed schedule (open loop, first messages spread over the interval); the agent holding the conversation answers each message at once. Latency is from the time a message was due to its arrival at the other side; half of each rate is visitors' messages, half agents' answers. CPU is the server's user+system time (`/proc/<pid>/stat`).",
        ),
        (
            "two_node_ladder",
            "Two nodes",
            "As above, with visitors connected to one server and agents to another; both share a PostgreSQL database and Redis. CPU is both servers' together.",
        ),
    ] {
        let Some(ladder) = figures.get(key).and_then(Value::as_array) else {
            continue;
        };
        md.push_str(&format!("## {title}\n\n{about}\n\n"));
        md.push_str("| msgs/s asked | delivered | visitor→agent p50 / p99 | agent→visitor p50 / p99 | both p50 / p99 / p99.9 | server CPU s per 1000 msgs | refused |\n|---:|---:|---:|---:|---:|---:|---:|\n");
        for rate in ladder {
            let n = |k: &str| number(Some(rate), k);
            md.push_str(&format!(
                "| {} | {} | {} / {} | {} / {} | {} / {} / {} | {:.3} | {} |\n",
                fmt_int(n("rate_msgs_per_s")),
                fmt_int(n("delivered_msgs_per_s")),
                fmt_ms(n("visitor_to_agent.p50_ms")),
                fmt_ms(n("visitor_to_agent.p99_ms")),
                fmt_ms(n("agent_to_visitor.p50_ms")),
                fmt_ms(n("agent_to_visitor.p99_ms")),
                fmt_ms(n("combined.p50_ms")),
                fmt_ms(n("combined.p99_ms")),
                fmt_ms(n("combined.p999_ms")),
                n("server_cpu_secs_per_1000_msgs").unwrap_or(0.0),
                fmt_int(n("rejected")),
            ));
        }
        md.push('\n');
    }
    if !report.failed.is_empty() {
        md.push_str("## Scenarios that did not run\n\n");
        for (name, why) in &report.failed {
            let first_line = why.lines().next().unwrap_or_default();
            md.push_str(&format!("- {name}: {first_line}\n"));
        }
        md.push('\n');
    }
    md.push_str("## Bars\n\n");
    md.push_str(&format!("- idle sockets: {}", verdict(idle_met)));
    if one_process_met != Some(true) && processes_met.is_some() {
        md.push_str(&format!(
            " — across {} server processes: one process may open at most {} files here (the \
             hard limit; raising it needs CAP_SYS_RESOURCE, which this machine does not give), \
             so the bar's sockets are spread over processes of one deployment, each below the \
             limit. Memory per socket is flat from 1,000 sockets up (table above).",
            fmt_int(f("idle_processes")),
            fmt_int(f("idle_open_files_limit")),
        ));
    }
    md.push('\n');
    md.push_str(&format!(
        "- live chats at 2,000 msgs/s: {}\n",
        verdict(chat_met)
    ));
    md.push_str(&format!("- queue fan-out: {}\n", verdict(fanout_met)));
    md
}
