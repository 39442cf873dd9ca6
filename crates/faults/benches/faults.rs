//! `list` through `FaultyRepository` over the fake against the bare fake, measured in
//! the same run (the ratio is what counts): with no rule armed the decorator should
//! cost nothing measurable (target: at least 0.9x the bare fake's throughput), and
//! with one rule armed that does not match, little.
//!
//! `cargo bench -p collab-faults --bench faults`

use std::hint::black_box;

use collab_core::{AccessConfigRepository, DatasetId, ShareRequest};
use collab_fake::InMemoryStore;
use collab_faults::{FaultAction, FaultRule, Faults, FaultyRepository, Operation};
use criterion::{Criterion, criterion_group, criterion_main};

fn list(c: &mut Criterion) {
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
    runtime
        .block_on(bare.create_or_update(&dataset, &request))
        .expect("the fake writes");

    let unarmed = FaultyRepository::new(store.session("alice"), Faults::new()).with_user("alice");
    let armed_faults = Faults::new();
    armed_faults
        .arm(FaultRule::new(Operation::List, FaultAction::status(503)).on_dataset(elsewhere));
    let armed =
        FaultyRepository::new(store.session("alice"), armed_faults.clone()).with_user("alice");

    let mut group = c.benchmark_group("list");
    group.bench_function("bare_fake", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(bare.list(black_box(&dataset)).await) });
    });
    group.bench_function("faulty_no_rule", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(unarmed.list(black_box(&dataset)).await) });
    });
    group.bench_function("faulty_one_rule_elsewhere", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(armed.list(black_box(&dataset)).await) });
    });
    group.finish();

    let rules = armed_faults.rules();
    assert_eq!(
        (rules[0].matched, rules[0].fired),
        (0, 0),
        "the rule never matched"
    );
}

criterion_group!(benches, list);
criterion_main!(benches);
