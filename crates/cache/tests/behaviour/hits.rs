//! A hit is answered from memory, as the same shared list.

use std::sync::Arc;

use collab_cache::{CacheConfig, CacheStats, CachedRepository};
use collab_core::AccessConfigRepository;

use crate::support::{ControlledRepository, dataset, version_of};

#[tokio::test]
async fn a_hit_hands_out_the_same_list_without_calling_the_inner_repository() {
    let inner = ControlledRepository::new();
    let cache = CachedRepository::new(inner.clone(), CacheConfig::default());

    let first = cache.list(&dataset(1)).await.unwrap();
    let second = cache.list(&dataset(1)).await.unwrap();

    assert_eq!(version_of(&first), 0);
    assert!(Arc::ptr_eq(&first, &second), "a hit must not copy the list");
    assert_eq!(inner.list_calls(), 1);
    let CacheStats {
        hits,
        misses,
        loads,
        coalesced_waits,
        invalidations,
        ..
    } = cache.stats();
    assert_eq!((hits, misses, loads), (1, 1, 1));
    assert_eq!((coalesced_waits, invalidations), (0, 0));
}

#[tokio::test]
async fn datasets_are_cached_separately() {
    let inner = ControlledRepository::new();
    let cache = CachedRepository::new(inner.clone(), CacheConfig::default());

    cache.list(&dataset(1)).await.unwrap();
    cache.list(&dataset(2)).await.unwrap();
    cache.list(&dataset(1)).await.unwrap();
    cache.list(&dataset(2)).await.unwrap();

    assert_eq!(inner.list_calls(), 2);
    assert_eq!((cache.stats().hits, cache.stats().misses), (2, 2));
}

#[tokio::test]
async fn accessors_reach_the_inner_repository() {
    let inner = ControlledRepository::new();
    let cache = CachedRepository::new(inner.clone(), CacheConfig::default());
    cache.list(&dataset(1)).await.unwrap();

    assert_eq!(cache.get_ref().list_calls(), 1);
    assert_eq!(cache.config(), &CacheConfig::default());
    let debug = format!("{cache:?}");
    assert!(debug.starts_with("CachedRepository"), "{debug}");
    assert!(debug.contains("misses: 1"), "{debug}");
    assert_eq!(cache.into_inner().list_calls(), 1);
}
