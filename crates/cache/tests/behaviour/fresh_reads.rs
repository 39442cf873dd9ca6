//! `list_fresh` goes to the inner repository whatever the cache holds, and its answer
//! becomes the entry the next `list` hits.

use std::sync::Arc;

use collab_cache::{CacheConfig, CachedRepository};
use collab_core::{AccessConfigRepository, DatasetId, ShareRequest};
use collab_fake::InMemoryStore;

fn dataset() -> DatasetId {
    "0123456789abcdef01234567".parse().unwrap()
}

#[tokio::test]
async fn a_fresh_read_skips_the_entry_and_refreshes_it() {
    let store = InMemoryStore::new();
    store.add_dataset(dataset(), "alice");
    let cache = CachedRepository::new(store.session("alice"), CacheConfig::default());
    let ann = ShareRequest::users_only(["ann@example.com"]).unwrap();
    cache.create_or_update(&dataset(), &ann).await.unwrap();
    assert_eq!(cache.list(&dataset()).await.unwrap()[0].teams, [""; 0]);

    // Changed beneath the cache: `list` still answers the entry, `list_fresh` does not.
    let globex = ShareRequest::write(["ann@example.com"], ["globex"]).unwrap();
    store
        .session("alice")
        .create_or_update(&dataset(), &globex)
        .await
        .unwrap();
    assert_eq!(
        cache.list(&dataset()).await.unwrap()[0].teams,
        [""; 0],
        "a hit, within the time to live"
    );
    let fresh = cache.list_fresh(&dataset()).await.unwrap();
    assert_eq!(fresh[0].teams, ["globex"]);

    let before = cache.stats();
    let next = cache.list(&dataset()).await.unwrap();
    assert!(
        Arc::ptr_eq(&fresh, &next),
        "the fresh answer is the new entry"
    );
    let after = cache.stats();
    assert_eq!(
        (after.hits - before.hits, after.loads - before.loads),
        (1, 0)
    );
    assert_eq!(after.fresh_reads, 1);
}

#[tokio::test]
async fn a_fresh_read_of_an_unknown_dataset_is_its_error_and_is_not_cached() {
    let store = InMemoryStore::new();
    store.add_user("alice");
    let cache = CachedRepository::new(store.session("alice"), CacheConfig::default());
    let error = cache.list_fresh(&dataset()).await.unwrap_err();
    assert!(
        matches!(error, collab_core::Error::DatasetNotFound { dataset: d, .. } if d == dataset()),
        "{error:?}"
    );
    store.add_dataset(dataset(), "alice");
    assert!(
        cache.list(&dataset()).await.unwrap().is_empty(),
        "the error was not cached"
    );
}
