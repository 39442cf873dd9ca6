//! The production stack, offline: the cache over the HTTP adapter, talking to the
//! server over the fake on loopback, runs the whole conformance suite and the model
//! test; a write through the stack is visible to the next read at once; and a change
//! made elsewhere (another client of the server, beneath the cache) within the cache's
//! time to live is not lost by a grant through the stack (issue #30).

use collab::cache::{CacheConfig, CachedRepository};
use collab::core::{AccessConfigRepository, ShareRequest};
use collab::http::{HttpRepository, RetryPolicy};
use collab::server::{ServerConfig, ServerHandle};
use collab_testkit::fake::populated_store;
use collab_testkit::{Fixture, OWNER, STRANGER, check_against_model, run_conformance};

type Stack = CachedRepository<HttpRepository>;

/// A server over a fresh fake, and a fixture of cached HTTP clients to it.
async fn stack() -> (Fixture<Stack>, ServerHandle) {
    let store = populated_store();
    let config = ServerConfig::new(move |user: &str| store.session(user))
        .with_user(OWNER, "token-a")
        .with_user(STRANGER, "token-b");
    let server = collab::server::bind("127.0.0.1:0".parse().unwrap(), config)
        .await
        .unwrap()
        .spawn();
    let client = |token: &str| {
        let http = HttpRepository::builder()
            .with_base_url(server.base_url())
            .with_api_token(token.to_owned())
            .with_retry(RetryPolicy::none())
            .build()
            .unwrap();
        CachedRepository::new(http, CacheConfig::default())
    };
    // The owner elsewhere: another client of the same server, with no cache.
    let elsewhere = HttpRepository::builder()
        .with_base_url(server.base_url())
        .with_api_token("token-a")
        .with_retry(RetryPolicy::none())
        .build()
        .unwrap();
    let fixture = Fixture::standard(
        client("token-a"),
        client("token-b"),
        client("no-such-token"),
    )
    .with_elsewhere(elsewhere);
    (fixture, server)
}

#[tokio::test(flavor = "multi_thread")]
async fn cache_over_http_over_server_conforms() {
    let (fixture, server) = stack().await;
    run_conformance(&fixture).await;
    server.shutdown().await;
}

#[test]
fn cache_over_http_over_server_agrees_with_the_model() {
    // Each case gets a fresh server; the handles live until the test ends (dropping one
    // stops its server).
    let servers = std::sync::Mutex::new(Vec::new());
    check_against_model(24, || async {
        let (fixture, server) = stack().await;
        servers.lock().unwrap().push(server);
        fixture
    });
}

#[tokio::test(flavor = "multi_thread")]
async fn a_write_through_the_stack_is_read_back_at_once() {
    let (fixture, server) = stack().await;
    let repo = &fixture.owner;
    let first = ShareRequest::write(["ann@example.com"], [""; 0]).unwrap();
    repo.create_or_update(&fixture.dataset, &first)
        .await
        .unwrap();
    assert_eq!(
        repo.list(&fixture.dataset).await.unwrap()[0].users,
        ["ann@example.com"]
    );
    assert_eq!(
        repo.list(&fixture.dataset).await.unwrap()[0].users,
        ["ann@example.com"]
    );
    let hits_before = repo.stats().hits;
    assert!(
        hits_before >= 1,
        "the second read was a hit: {:?}",
        repo.stats()
    );

    let second = ShareRequest::write(["bob@example.com"], [""; 0]).unwrap();
    repo.create_or_update(&fixture.dataset, &second)
        .await
        .unwrap();
    assert_eq!(
        repo.list(&fixture.dataset).await.unwrap()[0].users,
        ["bob@example.com"],
        "never stale after a write"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_made_elsewhere_is_not_lost_through_the_production_stack() {
    let (fixture, server) = stack().await;
    collab_testkit::conformance::no_change_made_elsewhere_is_lost(&fixture).await;
    assert!(
        fixture.owner.stats().fresh_reads > 0,
        "{:?}",
        fixture.owner.stats()
    );
    server.shutdown().await;
}
