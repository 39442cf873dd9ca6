//! A cache hit on `CachedRepository::list` against a bare moka lookup of the same
//! shared list, measured in the same run (the ratio is what counts).
//!
//! `cargo bench -p collab-cache --bench cache`
//!
//! The stampede (1000 concurrent misses on one dataset) is `examples/stampede.rs`.

use std::hint::black_box;
use std::sync::Arc;

use async_trait::async_trait;
use collab_cache::{CacheConfig, CachedRepository};
use collab_core::{
    AccessConfig, AccessConfigId, AccessConfigList, AccessConfigRepository, DatasetId, Error,
    Result, ShareRequest, SharedAccessType, Timestamp,
};
use criterion::{Criterion, criterion_group, criterion_main};
use moka::future::Cache;

/// An inner repository that always answers the same list (hits never reach it).
struct StaticRepository {
    configs: AccessConfigList,
}

#[async_trait]
impl AccessConfigRepository for StaticRepository {
    async fn create_or_update(&self, _: &DatasetId, _: &ShareRequest) -> Result<AccessConfigId> {
        Err(Error::InvalidRequest {
            message: "read-only benchmark backend".to_owned(),
        })
    }

    async fn delete(&self, _: &DatasetId, _: &AccessConfigId) -> Result<()> {
        Err(Error::InvalidRequest {
            message: "read-only benchmark backend".to_owned(),
        })
    }

    async fn list(&self, _: &DatasetId) -> Result<AccessConfigList> {
        Ok(Arc::clone(&self.configs))
    }
}

/// A realistic list: one WRITE config shared with 50 users and 2 teams.
fn sample_list() -> AccessConfigList {
    let config = AccessConfig {
        id: "65f0a1b2c3d4e5f601234567".parse().expect("a valid id"),
        owner: "alice".to_owned(),
        access_type: SharedAccessType::Write,
        users: (0..50).map(|n| format!("user{n}@example.com")).collect(),
        teams: vec!["acme".to_owned(), "lightly".to_owned()],
        created_at: Timestamp::from_millis(1_700_000_000_000),
        last_modified_at: Timestamp::from_millis(1_700_000_100_000),
    };
    vec![config].into()
}

fn hit(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let dataset: DatasetId = "65f0a1b2c3d4e5f6ffffffff".parse().expect("a valid id");
    let configs = sample_list();

    let bare: Cache<DatasetId, AccessConfigList> = Cache::builder()
        .max_capacity(CacheConfig::DEFAULT_MAX_DATASETS)
        .time_to_live(CacheConfig::DEFAULT_TIME_TO_LIVE)
        .build();
    runtime.block_on(bare.insert(dataset, Arc::clone(&configs)));

    let inner = StaticRepository { configs };
    let cached = CachedRepository::new(inner, CacheConfig::default());
    runtime
        .block_on(cached.list(&dataset))
        .expect("the first list loads");

    let mut group = c.benchmark_group("hit");
    group.bench_function("bare_moka_get", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(bare.get(black_box(&dataset)).await) });
    });
    group.bench_function("cached_repository_list", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(cached.list(black_box(&dataset)).await) });
    });
    group.finish();

    let stats = cached.stats();
    assert_eq!(stats.loads, 1, "every measured call must have been a hit");
}

criterion_group!(benches, hit);
criterion_main!(benches);
