//! `list` through `FaultyRepository` over the fake against the bare fake, measured in
//! the same run (the ratio is what counts): with no rule armed the decorator should
//! cost nothing measurable (target: at least 0.9x the bare fake's throughput), and
//! with one rule armed that does not match, little. On a busy machine the alternating
//! rounds of `examples/overhead.rs` give steadier ratios.
//!
//! `cargo bench -p collab-faults --bench faults`

use std::hint::black_box;

use collab_core::AccessConfigRepository;
use criterion::{Criterion, criterion_group, criterion_main};

mod support;

fn list(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime");
    let stacks = support::Stacks::new(&runtime);
    let dataset = stacks.dataset;

    let mut group = c.benchmark_group("list");
    let repos: [(&str, &dyn AccessConfigRepository); 3] = [
        ("bare_fake", &stacks.bare),
        ("faulty_no_rule", &stacks.no_rule),
        ("faulty_one_rule_elsewhere", &stacks.one_rule_elsewhere),
    ];
    for (name, repo) in repos {
        group.bench_function(name, |b| {
            b.to_async(&runtime)
                .iter(|| async { black_box(repo.list(black_box(&dataset)).await) });
        });
    }
    group.finish();
    stacks.assert_the_rule_never_matched();
}

criterion_group!(benches, list);
criterion_main!(benches);
