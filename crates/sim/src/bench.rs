//! `--bench`: what one event and one estimate cost the estimator, with 10 and with 10,000
//! visitors waiting, to show the cost does not grow with the queue.

use std::hint::black_box;
use std::time::Instant;

use pronto_eta::Estimator;

const CYCLES: u64 = 300_000;
const RUNS: usize = 5;

/// Per-second rates, median of several runs: (events/s, estimates/s).
fn measure(queue_length: u64) -> (f64, f64) {
    let mut events = Vec::new();
    let mut estimates = Vec::new();
    for _ in 0..RUNS {
        let mut eta = Estimator::default();
        eta.slots_changed(0, 4);
        let mut now = 0u64;
        // Four chats running and `queue_length` visitors waiting.
        for id in 0..4 {
            eta.visitor_joined(now, id);
            eta.visitor_taken(now, id);
        }
        for id in 4..4 + queue_length {
            eta.visitor_joined(now, id);
        }
        let (mut head, mut tail) = (4, 4 + queue_length);
        // Each cycle: a chat ends, the head is taken, a newcomer joins, and every fifth
        // cycle the newest waiting visitor gives up and is replaced — the queue length stays.
        let start = Instant::now();
        for cycle in 0..CYCLES {
            now += 1_000 + cycle % 7 * 500;
            eta.conversation_finished(now);
            eta.visitor_taken(now, head);
            head += 1;
            eta.visitor_joined(now, tail);
            tail += 1;
            if cycle % 5 == 0 {
                eta.visitor_left(now, tail - 1);
                eta.visitor_joined(now, tail);
                tail += 1;
            }
        }
        let n_events = CYCLES * 3 + CYCLES.div_ceil(5) * 2;
        events.push(n_events as f64 / start.elapsed().as_secs_f64());
        black_box(&eta);

        let start = Instant::now();
        for i in 0..CYCLES {
            let position = 1 + i % queue_length;
            black_box(eta.estimate(now, black_box(position)));
        }
        estimates.push(CYCLES as f64 / start.elapsed().as_secs_f64());
    }
    (median(events), median(estimates))
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

pub fn run(markdown: bool) {
    let rows: Vec<(u64, f64, f64)> = [10, 10_000]
        .iter()
        .map(|&q| {
            let (e, s) = measure(q);
            (q, e, s)
        })
        .collect();
    println!(
        "Estimator cost, median of {RUNS} runs of {CYCLES} cycles (events: finish, take, join, some leaves; estimates at positions 1..=queue length)\n"
    );
    if markdown {
        println!("| visitors waiting | events/s | estimates/s | ns/event | ns/estimate |");
        println!("|---:|---:|---:|---:|---:|");
        for (q, e, s) in &rows {
            println!(
                "| {q} | {:.0} | {:.0} | {:.0} | {:.0} |",
                e,
                s,
                1e9 / e,
                1e9 / s
            );
        }
    } else {
        println!(
            "{:>16}  {:>12}  {:>12}  {:>9}  {:>11}",
            "visitors waiting", "events/s", "estimates/s", "ns/event", "ns/estimate"
        );
        for (q, e, s) in &rows {
            println!(
                "{q:>16}  {e:>12.0}  {s:>12.0}  {:>9.0}  {:>11.0}",
                1e9 / e,
                1e9 / s
            );
        }
    }
}
