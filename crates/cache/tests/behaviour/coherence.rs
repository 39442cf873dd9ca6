//! Coherence across caches through shared generations (the core's in-process ones
//! here; collab-redis runs the same over Redis): a write through one cache retires the
//! others' lists; generations that cannot be read make reads uncached; a write whose
//! generation cannot be replaced first is not sent.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use async_trait::async_trait;
use collab_cache::{CacheConfig, CachedRepository};
use collab_core::coordination::{
    CoordinationError, DatasetGenerations, Generation, InProcessGenerations,
};
use collab_core::{AccessConfigRepository, DatasetId, Error};

use crate::support::{ControlledRepository, dataset, share_request, version_of};

/// Shared generations that can be made unreachable, or fail one chosen `advance`.
#[derive(Debug, Default)]
struct FlakyGenerations {
    inner: InProcessGenerations,
    down: AtomicBool,
    advances: AtomicUsize,
    /// The 1-based number of the `advance` that fails (0: none).
    failing_advance: AtomicUsize,
}

impl FlakyGenerations {
    fn unreachable() -> CoordinationError {
        CoordinationError::Unreachable {
            message: "generations down".to_owned(),
            source: None,
        }
    }
}

#[async_trait]
impl DatasetGenerations for FlakyGenerations {
    async fn current(&self, dataset: &DatasetId) -> Result<Generation, CoordinationError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(Self::unreachable());
        }
        self.inner.current(dataset).await
    }

    async fn advance(&self, dataset: &DatasetId) -> Result<(), CoordinationError> {
        let number = self.advances.fetch_add(1, Ordering::SeqCst) + 1;
        if self.down.load(Ordering::SeqCst) || self.failing_advance.load(Ordering::SeqCst) == number
        {
            return Err(Self::unreachable());
        }
        self.inner.advance(dataset).await
    }
}

#[tokio::test]
async fn a_write_through_one_cache_retires_the_lists_of_the_others() {
    let inner = ControlledRepository::new();
    let generations = Arc::new(InProcessGenerations::new());
    let coherent = |inner: &ControlledRepository| {
        CachedRepository::new(inner.clone(), CacheConfig::default())
            .with_coherence(Arc::clone(&generations))
    };
    let (a, b) = (coherent(&inner), coherent(&inner));
    let plain = CachedRepository::new(inner.clone(), CacheConfig::default());

    assert_eq!(version_of(&b.list(&dataset(1)).await.unwrap()), 0);
    assert_eq!(version_of(&plain.list(&dataset(1)).await.unwrap()), 0);
    assert_eq!(version_of(&b.list(&dataset(1)).await.unwrap()), 0);
    assert_eq!(
        b.stats().hits,
        1,
        "b answers from memory while nothing changes"
    );

    a.create_or_update(&dataset(1), &share_request())
        .await
        .unwrap();
    assert_eq!(version_of(&b.list(&dataset(1)).await.unwrap()), 1);
    assert_eq!(
        version_of(&plain.list(&dataset(1)).await.unwrap()),
        0,
        "the control: a cache without coherence still answers its old list"
    );
}

#[tokio::test]
async fn unreachable_generations_make_reads_uncached_and_writes_refused() {
    let inner = ControlledRepository::new();
    let generations = Arc::new(FlakyGenerations::default());
    let cache = CachedRepository::new(inner.clone(), CacheConfig::default())
        .with_coherence(Arc::clone(&generations));
    cache.list(&dataset(1)).await.unwrap();
    generations.down.store(true, Ordering::SeqCst);

    for _ in 0..2 {
        assert_eq!(version_of(&cache.list(&dataset(1)).await.unwrap()), 0);
    }
    assert_eq!(
        inner.list_calls(),
        3,
        "no list answered from memory meanwhile"
    );
    let stats = cache.stats();
    assert_eq!(
        (stats.uncached_reads, stats.hits, stats.loads),
        (2, 0, 3),
        "{stats:?}"
    );

    let error = cache
        .create_or_update(&dataset(1), &share_request())
        .await
        .expect_err("a write the other caches cannot learn of is not sent");
    let Error::Unavailable {
        message,
        source: Some(source),
    } = &error
    else {
        panic!("{error:?}");
    };
    assert!(message.contains("nothing was written"), "{message}");
    assert!(
        source.downcast_ref::<CoordinationError>().is_some(),
        "{error:?}"
    );
    assert_eq!(inner.write_calls(), 0);
    assert_eq!(cache.stats().coherence_failures, 1);

    generations.down.store(false, Ordering::SeqCst);
    cache.list(&dataset(1)).await.unwrap();
    cache.list(&dataset(1)).await.unwrap();
    assert_eq!(
        cache.stats().hits,
        1,
        "answered from memory again once reachable"
    );
}

#[tokio::test]
async fn a_failure_to_retire_after_the_write_is_counted_and_the_write_returned() {
    let inner = ControlledRepository::new();
    let generations = Arc::new(FlakyGenerations::default());
    generations.failing_advance.store(2, Ordering::SeqCst); // the one after the write
    let cache = CachedRepository::new(inner.clone(), CacheConfig::default())
        .with_coherence(Arc::clone(&generations));

    cache
        .create_or_update(&dataset(1), &share_request())
        .await
        .unwrap();
    assert_eq!(inner.version(), 1, "the write happened");
    assert_eq!(cache.stats().coherence_failures, 1);
    assert_eq!(
        version_of(&cache.list(&dataset(1)).await.unwrap()),
        1,
        "this cache still reads its own write"
    );
}
