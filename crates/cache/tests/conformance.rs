//! The port's conformance suite and the model-based test, run against the cache over
//! the in-memory fake: the cache must be exactly as correct as what it wraps.

use std::sync::Arc;
use std::time::Duration;

use collab_cache::{CacheConfig, CachedRepository};
use collab_core::AccessConfigRepository;
use collab_fake::Session;
use collab_testkit::fake::fake_fixture;
use collab_testkit::{Fixture, check_against_model, run_conformance};

/// Each caller's session behind its own cache, as an application would have it.
fn cached_fixture(config: &CacheConfig) -> Fixture<CachedRepository<Session>> {
    fake_fixture().map(|session| CachedRepository::new(session, config.clone()))
}

#[tokio::test]
async fn the_cache_over_the_fake_passes_the_conformance_suite() {
    let fixture = cached_fixture(&CacheConfig::default());
    run_conformance(&fixture).await;
    assert!(
        fixture.owner.stats().hits > 0,
        "the suite should have been answered from memory at least once"
    );
}

#[tokio::test]
async fn the_cache_behind_arc_dyn_passes_the_conformance_suite() {
    let fixture = cached_fixture(&CacheConfig::default())
        .map(|cache| Arc::new(cache) as Arc<dyn AccessConfigRepository>);
    run_conformance(&fixture).await;
}

#[tokio::test]
async fn the_fake_under_a_cache_that_keeps_nothing_passes_the_conformance_suite() {
    let config = CacheConfig::new().with_time_to_live(Duration::ZERO);
    run_conformance(&cached_fixture(&config)).await;
}

#[test]
fn the_cache_over_the_fake_agrees_with_the_model() {
    check_against_model(48, || async { cached_fixture(&CacheConfig::default()) });
}

/// Issue #30: a change made beneath the cache within its time to live is kept by a
/// grant through it, and a plan made before it fails with `Conflict`.
#[tokio::test]
async fn a_change_made_elsewhere_is_not_lost_through_the_cache() {
    let fixture = cached_fixture(&CacheConfig::default());
    assert!(
        fixture.elsewhere.is_some(),
        "the check needs a path beneath the cache"
    );
    collab_testkit::conformance::no_change_made_elsewhere_is_lost(&fixture).await;
    let stats = fixture.owner.stats();
    assert!(stats.fresh_reads > 0, "{stats:?}");
}
