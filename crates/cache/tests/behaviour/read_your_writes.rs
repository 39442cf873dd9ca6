//! Once a write through the cache has returned, no later read answers the state from
//! before it, whatever loads were in flight and whatever the write's outcome.

use std::sync::Arc;

use collab_cache::{CacheConfig, CachedRepository};
use collab_core::{AccessConfigId, AccessConfigRepository, Error};

use crate::support::{
    Call, ControlledRepository, dataset, join, share_request, unavailable, version_of,
};

fn config_id() -> AccessConfigId {
    "0123456789abcdef01234567".parse().unwrap()
}

/// A cache over a fresh backend, with dataset 1's list (version 0) cached.
async fn primed() -> (
    ControlledRepository,
    Arc<CachedRepository<ControlledRepository>>,
) {
    let inner = ControlledRepository::new();
    let cache = Arc::new(CachedRepository::new(inner.clone(), CacheConfig::default()));
    assert_eq!(version_of(&cache.list(&dataset(1)).await.unwrap()), 0);
    assert_eq!(version_of(&cache.list(&dataset(1)).await.unwrap()), 0);
    assert_eq!(inner.list_calls(), 1, "the second list was a hit");
    (inner, cache)
}

#[tokio::test]
async fn every_write_retires_the_cached_list() {
    let (inner, cache) = primed().await;

    cache
        .create_or_update(&dataset(1), &share_request())
        .await
        .unwrap();
    assert_eq!(version_of(&cache.list(&dataset(1)).await.unwrap()), 1);

    cache.delete(&dataset(1), &config_id()).await.unwrap();
    assert_eq!(version_of(&cache.list(&dataset(1)).await.unwrap()), 2);

    assert_eq!(inner.write_calls(), 2);
    assert_eq!(inner.list_calls(), 3);
    assert_eq!(cache.stats().invalidations, 2);
}

#[tokio::test]
async fn a_write_that_failed_still_retires_the_cached_list() {
    let (inner, cache) = primed().await;
    inner.fail_next(
        Call::Write,
        Error::Forbidden {
            message: "not the owner".to_owned(),
        },
    );

    let error = cache
        .create_or_update(&dataset(1), &share_request())
        .await
        .unwrap_err();
    assert!(matches!(&error, Error::Forbidden { message } if message == "not the owner"));

    assert_eq!(version_of(&cache.list(&dataset(1)).await.unwrap()), 0);
    assert_eq!(
        inner.list_calls(),
        2,
        "the list after the failed write was a load"
    );
    assert_eq!(cache.stats().invalidations, 1);
}

#[tokio::test]
async fn a_write_with_an_unknown_outcome_is_seen_by_the_next_read() {
    let (inner, cache) = primed().await;
    inner.fail_next_write_after_applying(unavailable("timed out"));

    let error = cache.delete(&dataset(1), &config_id()).await.unwrap_err();
    assert!(matches!(&error, Error::Unavailable { message, .. } if message == "timed out"));

    // The backend did apply it: the read must show it.
    assert_eq!(version_of(&cache.list(&dataset(1)).await.unwrap()), 1);
}

#[tokio::test]
async fn a_cancelled_write_still_retires_the_cached_list() {
    let (inner, cache) = primed().await;
    let gate = inner.hold_next(Call::Write);
    let write = {
        let cache = Arc::clone(&cache);
        tokio::spawn(async move { cache.create_or_update(&dataset(1), &share_request()).await })
    };
    gate.entered().await;

    write.abort();
    let cancelled = write.await.unwrap_err();
    assert!(cancelled.is_cancelled());
    assert_eq!(
        inner.write_calls(),
        1,
        "the write had reached the inner repository"
    );

    cache.list(&dataset(1)).await.unwrap();
    assert_eq!(
        inner.list_calls(),
        2,
        "the list after the cancelled write was a load"
    );
    assert_eq!(cache.stats().invalidations, 1);
}

/// The limit of what a cache can know: a cancelled write's request may still land at
/// the service afterwards. A list loaded in between keeps the old state until the
/// application calls `invalidate` (or the time to live runs out).
#[tokio::test]
async fn a_cancelled_write_that_lands_later_is_seen_after_invalidate() {
    let (inner, cache) = primed().await;
    let gate = inner.hold_next(Call::Write);
    let write = {
        let cache = Arc::clone(&cache);
        tokio::spawn(async move { cache.delete(&dataset(1), &config_id()).await })
    };
    gate.entered().await;
    write.abort();
    assert!(write.await.unwrap_err().is_cancelled());

    // Loaded after the cancellation, before the write lands: the old state.
    assert_eq!(version_of(&cache.list(&dataset(1)).await.unwrap()), 0);
    // The request that was on the wire lands at the service now.
    inner.delete(&dataset(1), &config_id()).await.unwrap();
    assert_eq!(inner.version(), 1);
    assert_eq!(
        version_of(&cache.list(&dataset(1)).await.unwrap()),
        0,
        "the cache cannot know the write landed"
    );

    cache.invalidate(&dataset(1)).await;
    assert_eq!(version_of(&cache.list(&dataset(1)).await.unwrap()), 1);
    assert_eq!(
        cache.stats().invalidations,
        2,
        "the drop guard, then invalidate"
    );
}

/// Reader A's load begins before the write and is held inside the inner repository;
/// the write returns; reader B must see the write (and not join A's load); then A's
/// pre-write answer arrives, and reader C must not get it either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_begun_before_a_write_answers_no_reader_that_starts_after_it() {
    let inner = ControlledRepository::new();
    let cache = Arc::new(CachedRepository::new(inner.clone(), CacheConfig::default()));
    let gate = inner.hold_next(Call::List);
    let reader_a = {
        let cache = Arc::clone(&cache);
        tokio::spawn(async move { cache.list(&dataset(1)).await })
    };
    gate.entered().await;

    cache
        .create_or_update(&dataset(1), &share_request())
        .await
        .unwrap();
    let reader_b = cache.list(&dataset(1)).await.unwrap();
    assert_eq!(
        version_of(&reader_b),
        1,
        "B started after the write returned"
    );

    gate.release();
    let reader_a = join(reader_a).await.unwrap();
    assert_eq!(
        version_of(&reader_a),
        0,
        "A was concurrent with the write, and its load began before it"
    );

    let reader_c = cache.list(&dataset(1)).await.unwrap();
    assert_eq!(
        version_of(&reader_c),
        1,
        "C must not get A's pre-write answer"
    );
    assert!(Arc::ptr_eq(&reader_b, &reader_c), "C is a hit on B's load");
    assert_eq!(inner.list_calls(), 2);
}

/// As above, but A's pre-write answer arrives before any reader comes after the write:
/// it must not be stored where that reader looks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_begun_before_a_write_and_ended_after_it_is_not_served_later() {
    let inner = ControlledRepository::new();
    let cache = Arc::new(CachedRepository::new(inner.clone(), CacheConfig::default()));
    let gate = inner.hold_next(Call::List);
    let reader_a = {
        let cache = Arc::clone(&cache);
        tokio::spawn(async move { cache.list(&dataset(1)).await })
    };
    gate.entered().await;

    cache.delete(&dataset(1), &config_id()).await.unwrap();
    gate.release();
    assert_eq!(version_of(&join(reader_a).await.unwrap()), 0);

    let reader_b = cache.list(&dataset(1)).await.unwrap();
    assert_eq!(
        version_of(&reader_b),
        1,
        "B started after the write returned"
    );
    assert_eq!(inner.list_calls(), 2);
}

#[tokio::test]
async fn a_change_made_elsewhere_is_seen_after_invalidate() {
    let (inner, cache) = primed().await;

    // A write that bypasses the cache is not seen until the time to live runs out...
    inner
        .create_or_update(&dataset(1), &share_request())
        .await
        .unwrap();
    assert_eq!(version_of(&cache.list(&dataset(1)).await.unwrap()), 0);

    // ...or the application says the dataset changed.
    cache.invalidate(&dataset(1)).await;
    assert_eq!(version_of(&cache.list(&dataset(1)).await.unwrap()), 1);
    assert_eq!(cache.stats().invalidations, 1);
}
