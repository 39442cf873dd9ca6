//! Cost of a fake operation as the number of datasets grows: it should stay flat.
//!
//! `cargo bench -p collab-fake --bench fake`

use collab_core::{AccessConfigRepository, DatasetId, ObjectId, ShareRequest};
use collab_fake::InMemoryStore;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

fn dataset(n: u64) -> DatasetId {
    let mut bytes = [0u8; 12];
    bytes[4..].copy_from_slice(&n.to_be_bytes());
    DatasetId::new(ObjectId::from_bytes(bytes))
}

fn per_dataset_count(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let request = ShareRequest::write(["ann@example.com", "bob@example.com"], ["acme"]).unwrap();
    let mut group = c.benchmark_group("fake");
    for datasets in [10u64, 1_000, 100_000] {
        let store = InMemoryStore::new();
        for n in 0..datasets {
            store.add_dataset(dataset(n), "alice");
        }
        let alice = store.session("alice");
        let target = dataset(datasets / 2);
        runtime
            .block_on(alice.create_or_update(&target, &request))
            .unwrap();
        group.bench_with_input(BenchmarkId::new("list", datasets), &target, |b, target| {
            b.to_async(&runtime).iter(|| alice.list(target));
        });
        group.bench_with_input(
            BenchmarkId::new("create_or_update", datasets),
            &target,
            |b, target| {
                b.to_async(&runtime)
                    .iter(|| alice.create_or_update(target, &request));
            },
        );
    }
    group.finish();
}

criterion_group!(benches, per_dataset_count);
criterion_main!(benches);
