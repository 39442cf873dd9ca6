//! The time to live (checked on tokio's clock, so paused time drives it) and the bound
//! on entries.

use std::sync::Arc;
use std::time::Duration;

use collab_cache::{CacheConfig, CachedRepository};
use collab_core::AccessConfigRepository;

use crate::support::{Call, ControlledRepository, dataset, join, version_of, wait_until};

const TIME_TO_LIVE: Duration = Duration::from_secs(30);

#[tokio::test(start_paused = true)]
async fn a_list_is_answered_from_memory_until_its_time_to_live_runs_out() {
    let inner = ControlledRepository::new();
    let config = CacheConfig::new().with_time_to_live(TIME_TO_LIVE);
    let cache = CachedRepository::new(inner.clone(), config);

    let loaded = cache.list(&dataset(1)).await.unwrap();
    tokio::time::advance(TIME_TO_LIVE - Duration::from_millis(1)).await;
    let hit = cache.list(&dataset(1)).await.unwrap();
    assert!(Arc::ptr_eq(&loaded, &hit), "still within the time to live");
    assert_eq!(inner.list_calls(), 1);

    tokio::time::advance(Duration::from_millis(1)).await;
    let reloaded = cache.list(&dataset(1)).await.unwrap();
    assert!(!Arc::ptr_eq(&loaded, &reloaded), "expired: loaded again");
    assert_eq!(inner.list_calls(), 2);
    let stats = cache.stats();
    assert_eq!((stats.hits, stats.misses, stats.loads), (1, 2, 2));
}

/// A caller that joined a load slower than the time to live does not take its answer,
/// older than the time to live by then: it loads again.
#[tokio::test(start_paused = true)]
async fn a_joined_load_that_outlived_the_time_to_live_is_not_answered() {
    let inner = ControlledRepository::new();
    let config = CacheConfig::new().with_time_to_live(Duration::from_secs(1));
    let cache = Arc::new(CachedRepository::new(inner.clone(), config));
    let gate = inner.hold_next(Call::List);
    let spawn_reader = || {
        let cache = Arc::clone(&cache);
        tokio::spawn(async move { cache.list(&dataset(1)).await })
    };
    let loader = spawn_reader();
    gate.entered().await;
    let joiner = spawn_reader();
    wait_until("both readers have missed", || cache.stats().misses == 2).await;

    tokio::time::advance(Duration::from_secs(2)).await;
    gate.release();
    let loaded = join(loader).await.unwrap();
    let joined = join(joiner).await.unwrap();

    assert_eq!(version_of(&loaded), 0);
    assert!(
        !Arc::ptr_eq(&loaded, &joined),
        "the joiner loaded a fresh list"
    );
    assert_eq!(inner.list_calls(), 2);
    // The joiner's stale answer was dropped, not used: its miss counts as its load.
    let stats = cache.stats();
    assert_eq!(
        (stats.misses, stats.loads, stats.coalesced_waits),
        (2, 2, 0)
    );
}

/// A list that has outlived the time to live by tokio's clock is still held by moka
/// (whose clock is not paused); the miss that finds it drops it and loads, and counts
/// as a load only, not also as a coalesced wait: nothing was shared.
#[tokio::test(start_paused = true)]
async fn a_miss_on_an_expired_list_counts_one_load_and_no_coalesced_wait() {
    let inner = ControlledRepository::new();
    let config = CacheConfig::new().with_time_to_live(TIME_TO_LIVE);
    let cache = CachedRepository::new(inner.clone(), config);

    cache.list(&dataset(1)).await.unwrap();
    tokio::time::advance(TIME_TO_LIVE + Duration::from_secs(1)).await;
    cache.list(&dataset(1)).await.unwrap();

    assert_eq!(inner.list_calls(), 2);
    let stats = cache.stats();
    assert_eq!(
        (stats.hits, stats.misses, stats.loads, stats.coalesced_waits),
        (0, 2, 2, 0)
    );
    assert_eq!(stats.misses, stats.loads + stats.coalesced_waits);
}

#[tokio::test]
async fn a_zero_time_to_live_sends_every_call_to_the_inner_repository() {
    let inner = ControlledRepository::new();
    let config = CacheConfig::new().with_time_to_live(Duration::ZERO);
    let cache = CachedRepository::new(inner.clone(), config);

    for _ in 0..3 {
        cache.list(&dataset(1)).await.unwrap();
    }

    assert_eq!(inner.list_calls(), 3);
    let stats = cache.stats();
    assert_eq!((stats.hits, stats.misses, stats.loads), (0, 3, 3));
}

#[tokio::test]
async fn no_more_datasets_are_kept_than_the_bound() {
    const BOUND: u64 = 8;
    let inner = ControlledRepository::new();
    let cache = CachedRepository::new(inner.clone(), CacheConfig::new().with_max_datasets(BOUND));

    for n in 0..64 {
        cache.list(&dataset(n)).await.unwrap();
    }
    cache.run_pending_tasks().await;

    assert_eq!(inner.list_calls(), 64);
    let kept = cache.entry_count();
    assert!(kept <= BOUND, "{kept} lists kept, bound {BOUND}");
    assert!(kept > 0, "the cache keeps some lists");
}

#[tokio::test]
async fn a_bound_of_zero_datasets_keeps_none() {
    let inner = ControlledRepository::new();
    let cache = CachedRepository::new(inner.clone(), CacheConfig::new().with_max_datasets(0));

    for _ in 0..3 {
        cache.list(&dataset(1)).await.unwrap();
        cache.run_pending_tasks().await;
    }

    assert_eq!(
        inner.list_calls(),
        3,
        "every call went to the inner repository"
    );
    assert_eq!(cache.entry_count(), 0);
}
