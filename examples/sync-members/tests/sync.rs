//! The service's tests: over the fake (with the cache, as in production), over the
//! fault decorator, and over the in-process server through the real HTTP client.

use collab::cache::{CacheConfig, CachedRepository};
use collab::core::{AccessConfigRepository, DatasetId, Error, ShareRequest};
use collab::fake::InMemoryStore;
use collab::http::{HttpRepository, RetryPolicy};
use collab::testing::{FaultRule, Faults, FaultyRepository, RequestFilter, TestServer};
use sync_members::{MemberSync, SyncReport};

fn dataset() -> DatasetId {
    "5f0e4a6b2c1d3e4f5a6b7c8d".parse().unwrap()
}

fn store() -> InMemoryStore {
    let store = InMemoryStore::new();
    store.add_dataset(dataset(), "alice");
    store
}

/// The stored `WRITE` config's users and teams.
async fn stored(store: &InMemoryStore) -> (Vec<String>, Vec<String>) {
    let configs = store.session("alice").list(&dataset()).await.unwrap();
    assert_eq!(configs.len(), 1, "{configs:?}");
    (configs[0].users.clone(), configs[0].teams.clone())
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn members_are_added_and_removed_and_a_second_sync_writes_nothing() {
    let store = store();
    let sync = MemberSync::new(CachedRepository::new(
        store.session("alice"),
        CacheConfig::default(),
    ));

    let first = sync
        .sync(&dataset(), ["ann@example.com", "bob@example.com"])
        .await
        .unwrap();
    assert_eq!(
        first.added,
        strings(&["ann@example.com", "bob@example.com"])
    );
    let second = sync
        .sync(&dataset(), ["bob@example.com", "cy@example.com"])
        .await
        .unwrap();
    assert_eq!(
        second,
        SyncReport {
            added: strings(&["cy@example.com"]),
            removed: strings(&["ann@example.com"]),
        }
    );
    assert_eq!(
        stored(&store).await.0,
        strings(&["bob@example.com", "cy@example.com"])
    );
    let again = sync
        .sync(&dataset(), ["BOB@example.com", "cy@example.com"])
        .await
        .unwrap();
    assert!(again.is_noop(), "{again:?}");
}

/// Issue #30's reproduction, as the service met it: a team added elsewhere within the
/// cache's time to live must survive the next sync.
#[tokio::test]
async fn a_team_added_elsewhere_between_two_syncs_through_the_cache_is_kept() {
    let store = store();
    let sync = MemberSync::new(CachedRepository::new(
        store.session("alice"),
        CacheConfig::default(),
    ));
    sync.sync(&dataset(), ["ann@example.com"]).await.unwrap();
    // Read through the cache, as the service's own pages would: now cached.
    assert_eq!(
        sync.sharing().shared_users(&dataset()).await.unwrap(),
        ["ann@example.com"]
    );

    // Elsewhere (the web app): a team is added.
    store
        .session("alice")
        .create_or_update(
            &dataset(),
            &ShareRequest::write(["ann@example.com"], ["globex"]).unwrap(),
        )
        .await
        .unwrap();

    sync.sync(&dataset(), ["ann@example.com", "bob@example.com"])
        .await
        .unwrap();
    assert_eq!(
        stored(&store).await,
        (
            strings(&["ann@example.com", "bob@example.com"]),
            strings(&["globex"])
        ),
        "the team added elsewhere is kept"
    );
}

#[tokio::test]
async fn a_failed_write_is_reported_and_the_next_sync_completes() {
    let store = store();
    let faults = Faults::new();
    let repo = FaultyRepository::new(store.session("alice"), faults.clone()).with_user("alice");
    let sync = MemberSync::new(CachedRepository::new(repo, CacheConfig::default()));
    faults.arm(
        FaultRule::from_json(r#"{"operation": "createOrUpdate", "status": 503, "times": 1}"#)
            .unwrap(),
    );

    let failed = sync
        .sync(&dataset(), ["ann@example.com"])
        .await
        .unwrap_err();
    assert!(matches!(failed, Error::Unavailable { .. }), "{failed:?}");
    assert!(
        store
            .session("alice")
            .list(&dataset())
            .await
            .unwrap()
            .is_empty(),
        "nothing written"
    );

    let report = sync.sync(&dataset(), ["ann@example.com"]).await.unwrap();
    assert_eq!(report.added, strings(&["ann@example.com"]));
    assert_eq!(stored(&store).await.0, strings(&["ann@example.com"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn over_the_in_process_server_through_the_http_client() {
    let server = TestServer::start().await.unwrap();
    let http = HttpRepository::builder()
        .with_base_url(server.url())
        .with_api_token(server.token().to_owned())
        .with_retry(RetryPolicy::none())
        .build()
        .unwrap();
    let sync = MemberSync::new(CachedRepository::new(http, CacheConfig::default()));
    let dataset = server.dataset();

    sync.sync(&dataset, ["ann@example.com"]).await.unwrap();
    // A team added elsewhere: straight into the server's store, beneath the client's cache.
    server
        .store()
        .session(server.user())
        .create_or_update(
            &dataset,
            &ShareRequest::write(["ann@example.com"], ["globex"]).unwrap(),
        )
        .await
        .unwrap();
    sync.sync(&dataset, ["ann@example.com", "bob@example.com"])
        .await
        .unwrap();

    let configs = server
        .store()
        .session(server.user())
        .list(&dataset)
        .await
        .unwrap();
    assert_eq!(
        configs[0].users,
        strings(&["ann@example.com", "bob@example.com"])
    );
    assert_eq!(configs[0].teams, strings(&["globex"]), "kept");
    let posts = server
        .control()
        .requests(&RequestFilter::new().method("POST"))
        .await
        .unwrap();
    assert_eq!(posts.len(), 2, "one write per sync that changed something");

    // Nothing to change: no write reaches the server.
    sync.sync(&dataset, ["ann@example.com", "bob@example.com"])
        .await
        .unwrap();
    let posts = server
        .control()
        .requests(&RequestFilter::new().method("POST"))
        .await
        .unwrap();
    assert_eq!(posts.len(), 2);
    server.shutdown().await;
}

/// Paused time (tokio's `test-util`): a slow API is bounded by the caller's deadline
/// at once in real time, then an outage is reported, then the sync completes.
#[tokio::test(start_paused = true)]
async fn a_slow_api_then_an_outage_in_paused_time() {
    let store = store();
    let faults = Faults::new();
    let repo = FaultyRepository::new(store.session("alice"), faults.clone()).with_user("alice");
    let sync = MemberSync::new(repo);

    faults.arm(
        FaultRule::from_json(r#"{"operation": "list", "delayMs": 30000, "times": 1}"#).unwrap(),
    );
    let started = tokio::time::Instant::now();
    let slow = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        sync.sync(&dataset(), ["ann@example.com"]),
    )
    .await;
    assert!(slow.is_err(), "gave up at the deadline: {slow:?}");
    assert_eq!(started.elapsed(), std::time::Duration::from_secs(10));

    faults
        .arm(FaultRule::from_json(r#"{"operation": "list", "status": 503, "times": 1}"#).unwrap());
    let down = sync
        .sync(&dataset(), ["ann@example.com"])
        .await
        .unwrap_err();
    assert!(matches!(down, Error::Unavailable { .. }), "{down:?}");

    let report = sync.sync(&dataset(), ["ann@example.com"]).await.unwrap();
    assert_eq!(report.added, strings(&["ann@example.com"]));
}
