//! The decorator's cost on `list` with no rule armed (and with one armed rule that does
//! not match), as the ratio of its throughput to the bare fake's, in alternating
//! rounds of the same run so that a busy machine slows all three alike.
//!
//! `cargo run --release -p collab-faults --example overhead -- [ROUNDS] [CALLS_PER_ROUND]`
//!
//! Prints each round's ratios, their medians, and the best round of each stack against
//! the bare fake's best (target: at least 0.9 with no rule). Rounds are short so that,
//! on a loaded machine, some run undisturbed: the best rounds are then the steadiest
//! figure.

use std::hint::black_box;
use std::time::{Duration, Instant};

use collab_core::{AccessConfigRepository, DatasetId};

#[path = "../benches/support/mod.rs"]
mod support;

async fn time_lists(repo: &dyn AccessConfigRepository, dataset: &DatasetId, calls: u32) -> f64 {
    let started = Instant::now();
    for _ in 0..calls {
        black_box(repo.list(black_box(dataset)).await.expect("the fake lists"));
    }
    nanos_per_call(started.elapsed(), calls)
}

fn nanos_per_call(elapsed: Duration, calls: u32) -> f64 {
    elapsed.as_secs_f64() * 1e9 / f64::from(calls)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args
        .next()
        .map_or(101, |a| a.parse().expect("ROUNDS is a number"));
    let calls: u32 = args
        .next()
        .map_or(20_000, |a| a.parse().expect("CALLS is a number"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime");
    let stacks = support::Stacks::new(&runtime);
    let dataset = stacks.dataset;

    runtime.block_on(async {
        // Warm-up.
        time_lists(&stacks.bare, &dataset, calls).await;
        time_lists(&stacks.no_rule, &dataset, calls).await;
        time_lists(&stacks.one_rule_elsewhere, &dataset, calls).await;

        let (mut no_rule, mut one_rule) = (Vec::new(), Vec::new());
        let mut best = [f64::INFINITY; 3];
        println!(
            "round  bare ns/call  no rule ns/call (ratio)  one rule elsewhere ns/call (ratio)"
        );
        for round in 0..rounds {
            let bare = time_lists(&stacks.bare, &dataset, calls).await;
            let unarmed = time_lists(&stacks.no_rule, &dataset, calls).await;
            let armed = time_lists(&stacks.one_rule_elsewhere, &dataset, calls).await;
            println!(
                "{round:5}  {bare:12.1}  {unarmed:15.1} ({:.3})  {armed:26.1} ({:.3})",
                bare / unarmed,
                bare / armed
            );
            for (best, now) in best.iter_mut().zip([bare, unarmed, armed]) {
                *best = best.min(now);
            }
            no_rule.push(bare / unarmed);
            one_rule.push(bare / armed);
        }
        println!(
            "median throughput vs the bare fake: no rule {:.3}x, one rule elsewhere {:.3}x",
            median(no_rule),
            median(one_rule)
        );
        println!(
            "best round vs the bare fake's best ({:.1} ns/call): no rule {:.3}x ({:.1} ns), one rule elsewhere {:.3}x ({:.1} ns)",
            best[0],
            best[0] / best[1],
            best[1],
            best[0] / best[2],
            best[2]
        );
    });
    stacks.assert_the_rule_never_matched();
}
