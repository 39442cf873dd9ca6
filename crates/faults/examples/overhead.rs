//! The decorator's cost on `list` with no rule armed (and with one armed rule that does
//! not match), as the ratio of its throughput to the bare fake's, in alternating
//! rounds of the same run so that a busy machine slows both alike.
//!
//! `cargo run --release -p collab-faults --example overhead -- [ROUNDS] [CALLS_PER_ROUND]`
//!
//! Prints each round's ratios and their medians (target: at least 0.9 with no rule).

use std::hint::black_box;
use std::time::{Duration, Instant};

use collab_core::{AccessConfigRepository, DatasetId, ShareRequest};
use collab_fake::InMemoryStore;
use collab_faults::{FaultAction, FaultRule, Faults, FaultyRepository, Operation};

async fn time_lists(
    repo: &impl AccessConfigRepository,
    dataset: &DatasetId,
    calls: u32,
) -> Duration {
    let started = Instant::now();
    for _ in 0..calls {
        black_box(repo.list(black_box(dataset)).await.expect("the fake lists"));
    }
    started.elapsed()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args
        .next()
        .map_or(11, |a| a.parse().expect("ROUNDS is a number"));
    let calls: u32 = args
        .next()
        .map_or(200_000, |a| a.parse().expect("CALLS is a number"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime");
    let dataset: DatasetId = "65f0a1b2c3d4e5f6ffffffff".parse().expect("a valid id");
    let elsewhere: DatasetId = "65f0a1b2c3d4e5f600000000".parse().expect("a valid id");
    let store = InMemoryStore::new();
    store.add_dataset(dataset, "alice");
    let request = ShareRequest::write(["ann@example.com", "bob@example.com"], ["acme"])
        .expect("a valid request");
    let bare = store.session("alice");
    let unarmed = FaultyRepository::new(store.session("alice"), Faults::new()).with_user("alice");
    let faults = Faults::new();
    faults.arm(FaultRule::new(Operation::List, FaultAction::status(503)).on_dataset(elsewhere));
    let armed = FaultyRepository::new(store.session("alice"), faults.clone()).with_user("alice");

    runtime.block_on(async {
        bare.create_or_update(&dataset, &request)
            .await
            .expect("the fake writes");
        // Warm-up.
        time_lists(&bare, &dataset, calls).await;
        time_lists(&unarmed, &dataset, calls).await;
        time_lists(&armed, &dataset, calls).await;

        let (mut no_rule, mut one_rule) = (Vec::new(), Vec::new());
        println!(
            "round  bare ns/call  no rule ns/call (ratio)  one rule elsewhere ns/call (ratio)"
        );
        for round in 0..rounds {
            let per_call = |d: Duration| d.as_secs_f64() * 1e9 / f64::from(calls);
            let b = per_call(time_lists(&bare, &dataset, calls).await);
            let u = per_call(time_lists(&unarmed, &dataset, calls).await);
            let a = per_call(time_lists(&armed, &dataset, calls).await);
            println!(
                "{round:5}  {b:12.1}  {u:15.1} ({:.3})  {a:26.1} ({:.3})",
                b / u,
                b / a
            );
            no_rule.push(b / u);
            one_rule.push(b / a);
        }
        println!(
            "median throughput vs the bare fake: no rule {:.3}x, one rule elsewhere {:.3}x",
            median(no_rule),
            median(one_rule)
        );
    });
    assert_eq!(faults.rules()[0].matched, 0, "the rule never matched");
}
