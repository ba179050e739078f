//! Runs the scenarios and prints their tables, plain or Markdown, then a summary of the bar.

use std::time::Instant;

use crate::predictor;
use crate::queue;
use crate::scenario::Scenario;
use crate::score::{Bar, Outcome, Row};

/// Runs every scenario, prints its table and the summary; true if every scenario met the bar.
pub fn run_all(scenarios: &[Scenario], markdown: bool) -> bool {
    let mut summary = Vec::new();
    for s in scenarios {
        let started = Instant::now();
        let outcome = queue::run(s, predictor::all());
        let bar = Bar::check(&outcome.rows, s.oracle_within);
        print_scenario(s, &outcome, &bar, started.elapsed().as_secs_f64(), markdown);
        summary.push((s.name.clone(), outcome.rows, bar));
    }
    print_summary(&summary, markdown);
    summary.iter().all(|(_, _, bar)| bar.passed())
}

fn rase(r: &Row) -> String {
    r.rase.map_or("—".into(), |x| format!("{x:.4}"))
}

fn coverage(r: &Row) -> String {
    r.coverage
        .map_or("—".into(), |c| format!("{:.1}%", 100.0 * c))
}

fn mark(ok: bool) -> &'static str {
    if ok { "✓" } else { "✗" }
}

fn verdict(bar: &Bar) -> String {
    let mut parts = vec![match bar.best_other {
        Some((name, x)) => format!(
            "{} lowest RASE (best other: {name} {x:.4})",
            mark(bar.lowest)
        ),
        None => format!("{} lowest RASE", mark(bar.lowest)),
    }];
    if let Some((excess, ok)) = bar.versus_oracle {
        parts.push(format!("{} vs oracle {:+.1}%", mark(ok), 100.0 * excess));
    }
    let c = bar
        .coverage
        .map_or("—".into(), |c| format!("{:.1}%", 100.0 * c));
    parts.push(format!(
        "{} range holds {c} (75–85%)",
        mark(bar.coverage_ok)
    ));
    parts.join(" · ")
}

fn print_scenario(s: &Scenario, o: &Outcome, bar: &Bar, seconds: f64, markdown: bool) {
    let counts = format!(
        "seed {}, {} h, {} arrivals, {} taken ({} at once), {} abandoned, {} scored (joined a full queue after the first {:.0}% of the run, then taken); {seconds:.1} s",
        s.seed,
        s.hours,
        o.arrivals,
        o.taken,
        o.taken_at_once,
        o.abandoned,
        o.scored,
        100.0 * s.warmup
    );
    if markdown {
        println!("### {}\n\n{counts}\n", s.name);
        println!("| predictor | RASE | in 80% range | scored | skipped (no estimate) |");
        println!("|---|---:|---:|---:|---:|");
        for r in &o.rows {
            println!(
                "| {} | {} | {} | {} | {} |",
                r.name,
                rase(r),
                coverage(r),
                r.scored,
                r.skipped
            );
        }
        println!("\nBar: {}\n", verdict(bar));
    } else {
        println!("== {} ==\n{counts}", s.name);
        println!(
            "  {:<14} {:>7} {:>13} {:>9} {:>8}",
            "predictor", "RASE", "in 80% range", "scored", "skipped"
        );
        for r in &o.rows {
            println!(
                "  {:<14} {:>7} {:>13} {:>9} {:>8}",
                r.name,
                rase(r),
                coverage(r),
                r.scored,
                r.skipped
            );
        }
        println!("  bar: {}\n", verdict(bar));
    }
}

fn print_summary(summary: &[(String, Vec<Row>, Bar)], markdown: bool) {
    let passed = summary.iter().filter(|(_, _, b)| b.passed()).count();
    if markdown {
        println!(
            "### Summary: {passed} of {} scenarios meet the bar\n",
            summary.len()
        );
        println!(
            "| scenario | pronto-eta RASE | best other | oracle RASE | vs oracle | in 80% range | bar |"
        );
        println!("|---|---:|---|---:|---:|---:|:---:|");
    } else {
        println!(
            "== Summary: {passed} of {} scenarios meet the bar ==",
            summary.len()
        );
    }
    for (name, rows, bar) in summary {
        let oracle = rows.iter().find(|r| r.oracle).map_or("—".into(), rase);
        let best = bar
            .best_other
            .map_or("—".into(), |(n, x)| format!("{n} {x:.4}"));
        let vs = bar
            .versus_oracle
            .map_or("—".into(), |(x, _)| format!("{:+.1}%", 100.0 * x));
        if markdown {
            println!(
                "| {name} | {} | {best} | {oracle} | {vs} | {} | {} |",
                rase(&rows[0]),
                coverage(&rows[0]),
                mark(bar.passed())
            );
        } else {
            println!(
                "  {} {name:<40} ours {} · best other {best} · oracle {oracle} ({vs}) · range {}",
                mark(bar.passed()),
                rase(&rows[0]),
                coverage(&rows[0])
            );
        }
    }
}
