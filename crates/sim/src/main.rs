//! `pronto-sim`: runs the queue scenarios of `scenarios/*.toml` through a discrete-event
//! simulation, scores `pronto-eta` against published reply-time predictors, and prints one
//! table per scenario (`--markdown` for Markdown). `--bench` measures the estimator's cost
//! instead. Exits non-zero if a scenario cannot be read (and, with `--strict`, if a
//! scenario misses the bar).

mod bench;
mod predictor;
mod queue;
mod report;
mod rng;
mod scenario;
mod score;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: pronto-sim [--markdown] [--strict] SCENARIO.toml|DIR...\n       pronto-sim --bench [--markdown]";

fn main() -> ExitCode {
    let mut markdown = false;
    let mut strict = false;
    let mut bench = false;
    let mut paths = Vec::new();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--markdown" => markdown = true,
            "--strict" => strict = true,
            "--bench" => bench = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            flag if flag.starts_with("--") => {
                eprintln!("unknown option {flag}\n{USAGE}");
                return ExitCode::from(2);
            }
            path => paths.push(PathBuf::from(path)),
        }
    }
    if bench {
        bench::run(markdown);
        return ExitCode::SUCCESS;
    }
    if paths.is_empty() {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    let scenarios = match scenario::load(&paths) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("pronto-sim: cannot read scenarios: {e}");
            return ExitCode::FAILURE;
        }
    };
    let all_passed = report::run_all(&scenarios, markdown);
    if strict && !all_passed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
