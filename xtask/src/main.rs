//! `cargo xtask`: the project's automation — build, run, test — with nothing to install by hand.

mod bench;
mod browser;
mod dist;
mod wasm;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

const USAGE: &str = "\
cargo xtask <command>

  build   build the widget and console (WebAssembly, wasm-opt, .br/.gz) into dist/, and the server
  run     build, then start the server at http://127.0.0.1:8080 with the demo shop
  test    every test: unit, server integration, and browser end-to-end in headless Chromium
  sim     the reply-time scoreboard: every predictor over the scenarios in scenarios/ (or the
          files given; --markdown for a table to paste, --bench for the estimator's speed)
  bench   the long runs: load benchmarks against release servers (writes BENCHMARKS.md and
          BENCHMARKS.json), the decoder fuzzed for a minute, the fault-injection test at full size
";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    match args.first().map(String::as_str) {
        Some("build") => build(&root),
        Some("run") => run(&root, &args[1..]),
        Some("test") => test(&root, &args[1..], &[]),
        Some("bench") => bench(&root),
        Some("sim") => sim(&root, &args[1..]),
        Some("help") | None => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => bail!("unknown command `{other}`\n\n{USAGE}"),
    }
}

fn workspace_root() -> PathBuf {
    // `cargo run` names the manifest's folder at run time. The path compiled in is only the
    // fallback: with a target folder shared between checkouts (as CI keeps one), the binary
    // cargo runs may have been built from another checkout's copy of these same sources.
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn build(root: &Path) -> Result<()> {
    let dist = dist::build(root)?;
    cargo(root, &["build", "--release", "-p", "pronto-server"])?;
    dist.print_sizes();
    Ok(())
}

fn run(root: &Path, extra: &[String]) -> Result<()> {
    build(root)?;
    let mut args = vec![
        "run",
        "--quiet",
        "--release",
        "-p",
        "pronto-server",
        "--",
        "--demo",
    ];
    args.extend(extra.iter().map(String::as_str));
    cargo(root, &args)
}

/// The discrete-event simulator of `crates/sim`, in release (it runs millions of visitors).
fn sim(root: &Path, extra: &[String]) -> Result<()> {
    let mut args = vec!["run", "--quiet", "--release", "-p", "pronto-sim", "--"];
    let names_files = extra.iter().any(|arg| !arg.starts_with("--"));
    if !names_files && !extra.iter().any(|arg| arg == "--bench") {
        args.push("scenarios");
    }
    args.extend(extra.iter().map(String::as_str));
    cargo(root, &args)
}

/// The load benchmark (see `bench.rs`), then what tests run briefly, at full length: the
/// fuzzer for a fixed time, and a visitor and an agent sending 500 messages each through the
/// fault-injecting proxy.
fn bench(root: &Path) -> Result<()> {
    // How long a visitor waits from pressing the launcher to typing, in headless Chromium
    // (an ignored browser test; it writes its medians for the report below).
    let timing = wasm::target_dir(root)?.join("widget-timing.json");
    let _ = std::fs::remove_file(&timing);
    test(
        root,
        &[
            "-p".into(),
            "pronto-e2e".into(),
            "--test".into(),
            "browser".into(),
            "--".into(),
            "--ignored".into(),
            "--nocapture".into(),
            "launcher_press_to_ready".into(),
        ],
        &[(
            "PRONTO_TIMING_OUT",
            timing.to_str().context("a UTF-8 target path")?,
        )],
    )?;
    let timing: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&timing).context("reading the launcher timing")?,
    )?;
    // A failed load scenario is reported after the other runs, which do not depend on it.
    let load_ran = bench::load(root, &timing)?;
    let fuzz = Command::new(cargo_bin())
        .args([
            "test",
            "--release",
            "-p",
            "pronto-protocol",
            "--test",
            "decoder_fuzz",
        ])
        .args(["--", "--nocapture"])
        .current_dir(root)
        .env("PRONTO_FUZZ_SECONDS", "60")
        .status()
        .context("running the decoder fuzzer")?;
    if !fuzz.success() {
        bail!("the decoder fuzzer found a failure");
    }
    test(
        root,
        &[
            "-p".into(),
            "pronto-e2e".into(),
            "--test".into(),
            "chaos".into(),
            "--".into(),
            "--nocapture".into(),
        ],
        &[("PRONTO_CHAOS_MESSAGES", "500")],
    )?;
    if !load_ran {
        bail!("some load scenarios failed; see BENCHMARKS.md");
    }
    Ok(())
}

fn test(root: &Path, extra: &[String], env: &[(&str, &str)]) -> Result<()> {
    let chrome = browser::ensure_installed()?;
    let axe = browser::ensure_axe(&wasm::target_dir(root)?.join("axe-core"))?;
    let dist = dist::build(root)?;
    dist.print_sizes();
    // The fault-injection tests kill the server with SIGKILL, so they run it as a process.
    cargo(
        root,
        &[
            "build",
            "--quiet",
            "-p",
            "pronto-server",
            "--bin",
            "pronto-server",
        ],
    )?;
    let server_bin = wasm::target_dir(root)?.join("debug").join("pronto-server");
    // The widget's and console's unit tests (their state logic) run natively here; the apps
    // themselves are tested in the browser by the end-to-end tests. xtask has no tests, and
    // testing it would rebuild its heavy dependencies with the workspace's features.
    let whole_suite = !extra.iter().any(|arg| arg == "-p");
    let mut args = vec!["test"];
    if whole_suite {
        args.extend(["--workspace", "--exclude", "xtask"]);
    }
    args.extend(extra.iter().map(String::as_str));
    let cargo_test = |args: &[&str], env: &[(&str, &str)]| -> Result<()> {
        let status = Command::new(cargo_bin())
            .args(args)
            .current_dir(root)
            .env("PRONTO_DIST", &dist.dir)
            .env("PRONTO_CHROMIUM", &chrome.chromium)
            .env("PRONTO_CHROMEDRIVER", &chrome.chromedriver)
            .env("PRONTO_SERVER_BIN", &server_bin)
            .env("PRONTO_AXE", &axe)
            .envs(env.iter().copied())
            .status()
            .context("running cargo test")?;
        if !status.success() {
            bail!("tests failed");
        }
        Ok(())
    };
    cargo_test(&args, env)?;
    if whole_suite {
        // The same server and end-to-end suites again on PostgreSQL, with events through
        // Redis: the machine's own, at their standard ports (see `pronto_testkit::Scratch`).
        println!("\n== the server and end-to-end suites on PostgreSQL and Redis ==");
        cargo_test(
            &["test", "-p", "pronto-server", "-p", "pronto-e2e"],
            &[("PRONTO_TEST_BACKEND", "postgres")],
        )?;
    }
    Ok(())
}

pub fn cargo_bin() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Runs cargo in the workspace and fails when it does.
pub fn cargo(root: &Path, args: &[&str]) -> Result<()> {
    let status = Command::new(cargo_bin())
        .args(args)
        .current_dir(root)
        .status()
        .with_context(|| format!("running cargo {}", args.join(" ")))?;
    if !status.success() {
        bail!("cargo {} failed", args.join(" "));
    }
    Ok(())
}
