//! Cache coherence across replicas: a write through any replica is seen by a list that
//! starts after it on every other; and the port's conformance suite and model test
//! over the Redis-backed cache.

use std::sync::Arc;

use collab_cache::{CacheConfig, CachedRepository};
use collab_core::coordination::DatasetGenerations;
use collab_core::{AccessConfigRepository, ShareRequest};
use collab_fake::Session;
use collab_redis::RedisCoordinator;
use collab_testkit::fake::fake_fixture;
use collab_testkit::{Fixture, check_against_model, run_conformance};

use crate::support::{Replica, dataset, redis, store};

fn request(users: &[&str]) -> ShareRequest {
    ShareRequest::write(users, ["acme"]).unwrap()
}

#[tokio::test]
async fn a_write_through_one_replica_is_seen_at_once_by_the_others() {
    let (_server, config) = redis();
    let store = store();
    let (a, b) = (
        Replica::new(&store, config.clone()),
        Replica::new(&store, config),
    );
    let plain = CachedRepository::new(store.session("alice"), CacheConfig::default());

    a.cache()
        .create_or_update(&dataset(), &request(&["ann@x.io"]))
        .await
        .unwrap();
    assert_eq!(b.users().await, ["ann@x.io"]); // b caches this
    assert_eq!(plain.list(&dataset()).await.unwrap()[0].users, ["ann@x.io"]);
    assert_eq!(b.users().await, ["ann@x.io"]);
    assert_eq!(
        b.cache().stats().hits,
        1,
        "b answers from memory while nothing changes"
    );

    a.cache()
        .create_or_update(&dataset(), &request(&["bob@x.io"]))
        .await
        .unwrap();
    assert_eq!(
        b.users().await,
        ["bob@x.io"],
        "b's cached list retired by a's write"
    );
    assert_eq!(
        plain.list(&dataset()).await.unwrap()[0].users,
        ["ann@x.io"],
        "the control: a cache without coherence still answers the old list"
    );
}

#[tokio::test]
async fn a_generation_is_kept_until_a_write_replaces_it() {
    let (_server, config) = redis();
    let redis = config.build().unwrap();
    let first = redis.current(&dataset()).await.unwrap();
    assert_eq!(redis.current(&dataset()).await.unwrap(), first);
    redis.advance(&dataset()).await.unwrap();
    assert_ne!(redis.current(&dataset()).await.unwrap(), first);
}

/// Each caller's session behind its own cache kept coherent through Redis.
fn coherent_fixture(redis: &Arc<RedisCoordinator>) -> Fixture<CachedRepository<Session>> {
    fake_fixture().map(|session| {
        CachedRepository::new(session, CacheConfig::default()).with_coherence(Arc::clone(redis))
    })
}

#[tokio::test]
async fn the_coherent_cache_passes_the_conformance_suite() {
    let (_server, config) = redis();
    let redis = Arc::new(config.build().unwrap());
    let fixture = coherent_fixture(&redis);
    run_conformance(&fixture).await;
    let stats = fixture.owner.stats();
    assert!(
        stats.hits > 0,
        "answered from memory at least once: {stats:?}"
    );
    assert_eq!(stats.uncached_reads, 0, "{stats:?}");
}

#[test]
fn the_coherent_cache_agrees_with_the_model() {
    let (_server, config) = redis();
    check_against_model(16, move || {
        let config = config.clone();
        async move {
            let redis = Arc::new(config.build().unwrap());
            coherent_fixture(&redis)
        }
    });
}

/// Issue #30: a change made elsewhere (beneath the cache and Redis: Lightly's web app)
/// within the time to live is kept by a grant through the coherent cache, and a plan
/// made before it fails with `Conflict`.
#[tokio::test]
async fn a_change_made_elsewhere_is_not_lost_through_the_coherent_cache() {
    let (_server, config) = redis();
    let redis = Arc::new(config.build().unwrap());
    let fixture = coherent_fixture(&redis);
    assert!(
        fixture.elsewhere.is_some(),
        "the check needs a path beneath the cache"
    );
    collab_testkit::conformance::no_change_made_elsewhere_is_lost(&fixture).await;
    assert!(
        fixture.owner.stats().fresh_reads > 0,
        "{:?}",
        fixture.owner.stats()
    );
}
