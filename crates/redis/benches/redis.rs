//! What fleet coordination costs, against baselines measured in the same run on the
//! same redis-server (started by the bench, loopback, no persistence):
//!
//! - `hit`: a cache hit through the Redis coherence check (`CachedRepository::list`
//!   with `with_coherence`) against a bare `GET` on the same Redis connection;
//! - `grant`: one grant and one revoke (both write) through `SharingService` over the
//!   in-memory fake, without the fleet lock, with it, and with it plus the coherent
//!   cache (the whole fleet stack).
//!
//! `cargo bench -p collab-redis --bench redis`

use std::hint::black_box;
use std::sync::Arc;

use collab_cache::{CacheConfig, CachedRepository};
use collab_core::coordination::{DatasetGenerations, InProcessLocks};
use collab_core::{AccessConfigRepository, DatasetId, ShareRequest, SharingService};
use collab_fake::InMemoryStore;
use collab_redis::testing::RedisServer;
use criterion::{Criterion, criterion_group, criterion_main};

fn dataset() -> DatasetId {
    "65f0a1b2c3d4e5f6ffffffff".parse().expect("a valid id")
}

/// A store where alice owns the dataset, shared with 50 users.
fn store() -> InMemoryStore {
    let store = InMemoryStore::new();
    store.add_dataset(dataset(), "alice");
    let users: Vec<String> = (0..50).map(|n| format!("user{n}@example.com")).collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    runtime
        .block_on(store.session("alice").create_or_update(
            &dataset(),
            &ShareRequest::write(&users, ["acme"]).expect("a valid request"),
        ))
        .expect("the store takes it");
    store
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn hit(c: &mut Criterion) {
    let server = RedisServer::start();
    let runtime = runtime();
    let redis =
        runtime.block_on(async { Arc::new(server.config().build().expect("a coordinator")) });
    let cached = CachedRepository::new(store().session("alice"), CacheConfig::default())
        .with_coherence(Arc::clone(&redis));
    runtime.block_on(async {
        cached.list(&dataset()).await.expect("the first list loads");
        redis.current(&dataset()).await.expect("Redis answers");
    });
    let key = format!("{}gen:{}", redis.config().key_prefix, dataset());
    let connection = redis.connection();

    let mut group = c.benchmark_group("hit");
    group.bench_function("bare_redis_get", |b| {
        b.to_async(&runtime).iter(|| {
            let mut connection = connection.clone();
            let key = &key;
            async move {
                let value: Option<u64> = redis::cmd("GET")
                    .arg(key)
                    .query_async(&mut connection)
                    .await
                    .expect("GET answers");
                black_box(value)
            }
        })
    });
    group.bench_function("coherent_cache_list", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(cached.list(black_box(&dataset())).await) })
    });
    group.finish();
    let stats = cached.stats();
    assert_eq!(stats.loads, 1, "every measured list was a hit: {stats:?}");
}

/// One grant and one revoke of the same user: two read-modify-writes that both write.
fn grant_and_revoke<R: AccessConfigRepository>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    runtime: &tokio::runtime::Runtime,
    name: &str,
    sharing: &SharingService<R>,
) {
    group.bench_function(name, |b| {
        b.to_async(runtime).iter(|| async {
            let user = ["bench@example.com"];
            sharing.grant(&dataset(), user).await.expect("grant");
            sharing.revoke(&dataset(), user).await.expect("revoke")
        })
    });
}

fn grant(c: &mut Criterion) {
    let server = RedisServer::start();
    let runtime = runtime();
    let redis =
        runtime.block_on(async { Arc::new(server.config().build().expect("a coordinator")) });
    let store = store();
    let without_lock =
        SharingService::new(store.session("alice")).with_local_locks(InProcessLocks::new());
    let with_lock = SharingService::new(store.session("alice"))
        .with_local_locks(InProcessLocks::new())
        .with_fleet_locks(Arc::clone(&redis));
    let fleet_stack = SharingService::new(
        CachedRepository::new(store.session("alice"), CacheConfig::default())
            .with_coherence(Arc::clone(&redis)),
    )
    .with_local_locks(InProcessLocks::new())
    .with_fleet_locks(redis);

    let mut group = c.benchmark_group("grant_and_revoke");
    grant_and_revoke(&mut group, &runtime, "without_fleet_lock", &without_lock);
    grant_and_revoke(&mut group, &runtime, "with_fleet_lock", &with_lock);
    grant_and_revoke(
        &mut group,
        &runtime,
        "with_fleet_lock_and_coherent_cache",
        &fleet_stack,
    );
    group.finish();
}

criterion_group!(benches, hit, grant);
criterion_main!(benches);
