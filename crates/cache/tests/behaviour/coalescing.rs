//! Concurrent misses on one dataset make one call to the inner repository.

use std::sync::Arc;

use collab_cache::{CacheConfig, CachedRepository};
use collab_core::{AccessConfigRepository, Error};

use crate::support::{Call, ControlledRepository, dataset, join, unavailable, wait_until};

const CALLERS: usize = 64;

/// Spawns `CALLERS` lists of dataset 1 while the inner `list` is held, and releases it
/// once every caller has missed, so that all of them are truly concurrent.
async fn stampede(
    inner: &ControlledRepository,
    cache: &Arc<CachedRepository<ControlledRepository>>,
) -> Vec<collab_core::Result<collab_core::AccessConfigList>> {
    let gate = inner.hold_next(Call::List);
    let tasks: Vec<_> = (0..CALLERS)
        .map(|_| {
            let cache = Arc::clone(cache);
            tokio::spawn(async move { cache.list(&dataset(1)).await })
        })
        .collect();
    gate.entered().await;
    wait_until("every caller has missed", || {
        cache.stats().misses == CALLERS as u64
    })
    .await;
    gate.release();
    let mut outcomes = Vec::with_capacity(CALLERS);
    for task in tasks {
        outcomes.push(join(task).await);
    }
    outcomes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_misses_on_one_dataset_make_one_inner_call() {
    let inner = ControlledRepository::new();
    let cache = Arc::new(CachedRepository::new(inner.clone(), CacheConfig::default()));

    let lists: Vec<_> = stampede(&inner, &cache)
        .await
        .into_iter()
        .map(|outcome| outcome.expect("every caller gets the list"))
        .collect();

    assert_eq!(inner.list_calls(), 1);
    assert!(
        lists.iter().all(|list| Arc::ptr_eq(list, &lists[0])),
        "every caller gets the one loaded list"
    );
    let stats = cache.stats();
    assert_eq!(stats.misses, CALLERS as u64);
    assert_eq!(stats.loads, 1);
    assert_eq!(stats.coalesced_waits, CALLERS as u64 - 1);
    assert_eq!(stats.hits, 0);
}

// One thread: a caller counted as a miss there has run on, without yielding, until it
// waits on the load, so every caller is waiting when the load fails. (With several
// threads a caller could still be on its way when the failed load ends; it would then,
// rightly, start a new load, errors not being cached.)
#[tokio::test(flavor = "current_thread")]
async fn every_waiter_gets_the_error_of_the_one_failed_load() {
    let inner = ControlledRepository::new();
    inner.fail_next(Call::List, unavailable("backend down"));
    let cache = Arc::new(CachedRepository::new(inner.clone(), CacheConfig::default()));

    let outcomes = stampede(&inner, &cache).await;

    assert_eq!(inner.list_calls(), 1);
    for outcome in outcomes {
        match outcome {
            Err(Error::Unavailable { message, .. }) => assert_eq!(message, "backend down"),
            other => panic!("expected the load's Unavailable error, got {other:?}"),
        }
    }
    // The error was not cached: the next call loads again, and succeeds.
    cache.list(&dataset(1)).await.unwrap();
    assert_eq!(inner.list_calls(), 2);
    // A shared error is an answer: each waiter that got it counts a coalesced wait.
    let stats = cache.stats();
    assert_eq!(
        (stats.misses, stats.loads, stats.coalesced_waits),
        (CALLERS as u64 + 1, 2, CALLERS as u64 - 1)
    );
}
