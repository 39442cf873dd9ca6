//! Errors are handed to the callers that waited for them, never cached.

use collab_cache::{CacheConfig, CachedRepository};
use collab_core::{AccessConfigRepository, Error};

use crate::support::{Call, ControlledRepository, dataset, unavailable, version_of};

#[tokio::test]
async fn a_failed_load_is_not_cached() {
    let inner = ControlledRepository::new();
    inner.fail_next(Call::List, unavailable("flaky"));
    let cache = CachedRepository::new(inner.clone(), CacheConfig::default());

    match cache.list(&dataset(1)).await {
        Err(Error::Unavailable { message, .. }) => assert_eq!(message, "flaky"),
        other => panic!("expected the inner Unavailable error, got {other:?}"),
    }
    let list = cache
        .list(&dataset(1))
        .await
        .expect("the second call loads again");
    assert_eq!(version_of(&list), 0);
    cache.list(&dataset(1)).await.unwrap();

    assert_eq!(
        inner.list_calls(),
        2,
        "one failed load, one good load, one hit"
    );
    let stats = cache.stats();
    assert_eq!((stats.hits, stats.misses, stats.loads), (1, 2, 2));
}

#[tokio::test]
async fn an_error_of_every_kind_passes_through_unchanged() {
    let inner = ControlledRepository::new();
    inner.fail_next(
        Call::List,
        Error::Forbidden {
            message: "not the owner".to_owned(),
        },
    );
    let cache = CachedRepository::new(inner.clone(), CacheConfig::default());

    let error = cache.list(&dataset(1)).await.unwrap_err();
    assert!(matches!(&error, Error::Forbidden { message } if message == "not the owner"));
    assert_eq!(error.to_string(), "forbidden: not the owner");
}
