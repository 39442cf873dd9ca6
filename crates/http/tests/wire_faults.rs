//! What each kind of fault rule does to `HttpRepository`, against an in-process
//! `collab-server` that answers the rule on the wire: which error the call returns,
//! how many attempts it made (the rule's `matched` count, from the control plane),
//! that it ends within its deadline, and that a cut or garbled answer is never taken
//! as a success. `docs/testing.md`'s table of client behaviours is written from these.

use std::time::Duration;

use collab_core::{AccessConfigRepository, DatasetId, Error, ShareRequest};
use collab_fake::InMemoryStore;
use collab_faults::FaultRule;
use collab_http::{HttpRepository, RetryPolicy};
use collab_server::{ServerConfig, ServerHandle, bind};
use serde_json::{Value, json};

const TOKEN: &str = "token-wire-faults-alice";
const ADMIN: &str = "admin-wire-faults";
const DATASET: &str = "0123456789abcdef01234567";
/// Every call's time budget: a hang ends within it.
const CALL_TIMEOUT: Duration = Duration::from_secs(2);

fn dataset() -> DatasetId {
    DATASET.parse().unwrap()
}

/// A server over a store where alice owns the dataset and shared it once, with `rule`
/// armed from the start.
async fn server_with(rule: Value) -> ServerHandle {
    let store = InMemoryStore::new();
    store.add_dataset(dataset(), "alice");
    store.add_user("ann@example.com");
    store.add_user("bob@example.com");
    let session = store.session("alice");
    session
        .create_or_update(
            &dataset(),
            &ShareRequest::write(["ann@example.com"], Vec::<String>::new()).unwrap(),
        )
        .await
        .unwrap();
    let rule = FaultRule::from_value(rule).expect("a valid rule");
    let config = ServerConfig::new(move |user: &str| store.session(user))
        .with_user("alice", TOKEN)
        .with_admin_token(ADMIN)
        .with_request_timeout(Duration::from_secs(10))
        .with_faults([rule]);
    bind("127.0.0.1:0".parse().unwrap(), config)
        .await
        .expect("bind")
        .spawn()
}

/// Three attempts at most, quickly, within [`CALL_TIMEOUT`].
fn repo(server: &ServerHandle) -> HttpRepository {
    HttpRepository::builder()
        .with_base_url(server.base_url())
        .with_api_token(TOKEN)
        .with_retry(
            RetryPolicy::new()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(5))
                .with_max_backoff(Duration::from_millis(50))
                .with_max_elapsed(CALL_TIMEOUT)
                .with_jitter(false),
        )
        .with_request_timeout(Duration::from_millis(700))
        .with_call_timeout(CALL_TIMEOUT)
        .build()
        .unwrap()
}

/// How many requests the server's one rule matched: the attempts the call made.
async fn attempts(server: &ServerHandle) -> u64 {
    let rules: Value = reqwest::Client::new()
        .get(format!("{}/_collab/faults", server.base_url()))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    rules[0]["matched"].as_u64().expect("a matched count")
}

/// Lists under `rule`: the outcome, the attempts made, and the time it took (bounded
/// well past the call's deadline, so that a hang fails the test instead of stalling it).
async fn list_under(rule: Value) -> (Result<usize, Error>, u64, Duration) {
    let shown = rule.to_string();
    let server = server_with(rule).await;
    let repo = repo(&server);
    let started = std::time::Instant::now();
    let outcome = tokio::time::timeout(CALL_TIMEOUT * 3, repo.list(&dataset()))
        .await
        .expect("the call ends within its deadline");
    let elapsed = started.elapsed();
    let attempts = attempts(&server).await;
    server.shutdown().await;
    // What the table of client behaviours in docs/testing.md is written from.
    println!("{shown}: {outcome:?} after {attempts} attempt(s) in {elapsed:?}");
    (outcome.map(|configs| configs.len()), attempts, elapsed)
}

fn unavailable(outcome: &Result<usize, Error>) -> &str {
    match outcome {
        Err(Error::Unavailable { message, .. }) => message,
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn a_reset_is_unavailable_and_retried() {
    let (outcome, attempts, _) = list_under(json!({"operation": "list", "drop": "reset"})).await;
    unavailable(&outcome);
    assert_eq!(attempts, 3);
}

#[tokio::test]
async fn an_empty_close_is_unavailable_and_retried() {
    let (outcome, attempts, _) = list_under(json!({"operation": "list", "drop": "empty"})).await;
    unavailable(&outcome);
    assert_eq!(attempts, 3);
}

#[tokio::test]
async fn garbage_is_unavailable_and_retried_never_a_success() {
    let (outcome, attempts, _) =
        list_under(json!({"operation": "list", "drop": "garbage", "seed": 3})).await;
    unavailable(&outcome);
    assert_eq!(attempts, 3);
}

#[tokio::test]
async fn a_truncated_answer_is_unavailable_and_retried_never_a_success() {
    let (outcome, attempts, _) = list_under(json!({"operation": "list", "drop": "truncate"})).await;
    unavailable(&outcome);
    assert_eq!(attempts, 3);
}

#[tokio::test]
async fn a_hang_ends_within_the_calls_deadline_as_unavailable() {
    let (outcome, attempts, elapsed) =
        list_under(json!({"operation": "list", "drop": "hang"})).await;
    let message = unavailable(&outcome);
    assert!(message.contains("timed out"), "{message}");
    assert!(
        elapsed < CALL_TIMEOUT + Duration::from_millis(500),
        "{elapsed:?}"
    );
    assert!(attempts >= 1);
}

#[tokio::test]
async fn a_200_of_html_is_an_unexpected_response_not_retried() {
    let (outcome, attempts, _) = list_under(json!({"operation": "list", "status": 200,
        "body": "<html>Bad gateway</html>", "headers": {"content-type": "text/html"}}))
    .await;
    assert!(
        matches!(&outcome, Err(Error::UnexpectedResponse { status: Some(200), message }) if message.contains("<html>")),
        "{outcome:?}"
    );
    assert_eq!(attempts, 1);
}

#[tokio::test]
async fn a_503_without_retry_after_is_unavailable_and_retried() {
    let (outcome, attempts, _) = list_under(json!({"operation": "list", "status": 503})).await;
    unavailable(&outcome);
    assert_eq!(attempts, 3);
}

#[tokio::test]
async fn a_dribbled_answer_within_the_deadline_is_read_whole() {
    let (outcome, attempts, elapsed) =
        list_under(json!({"operation": "list", "dribble": {"chunks": 5, "overMs": 400}})).await;
    assert_eq!(outcome.expect("the list"), 1);
    assert_eq!(attempts, 1);
    assert!(elapsed >= Duration::from_millis(400), "{elapsed:?}");
}

#[tokio::test]
async fn a_dribble_slower_than_the_request_timeout_is_unavailable() {
    let (outcome, _, elapsed) =
        list_under(json!({"operation": "list", "dribble": {"chunks": 5, "overMs": 60000}})).await;
    unavailable(&outcome);
    assert!(
        elapsed < CALL_TIMEOUT + Duration::from_millis(500),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn a_drawn_delay_within_the_deadline_still_succeeds() {
    let (outcome, attempts, elapsed) =
        list_under(json!({"operation": "list", "delay": {"uniform": [100, 300]}, "seed": 1})).await;
    assert_eq!(outcome.expect("the list"), 1);
    assert_eq!(attempts, 1);
    assert!(elapsed >= Duration::from_millis(100), "{elapsed:?}");
}

#[tokio::test]
async fn a_failed_version_route_does_not_touch_the_repository() {
    // collab-http calls no version route: a rule on them matches none of its calls.
    let (outcome, attempts, _) = list_under(json!({"path": "/v1/versions/*", "status": 500})).await;
    assert_eq!(outcome.expect("the list"), 1);
    assert_eq!(attempts, 0);
}

#[tokio::test]
async fn a_grant_whose_answer_was_cut_is_retried_and_made_once() {
    let server =
        server_with(json!({"operation": "createOrUpdate", "drop": "truncate", "times": 1})).await;
    let request = ShareRequest::write(["bob@example.com"], Vec::<String>::new()).unwrap();
    let outcome = repo(&server).create_or_update(&dataset(), &request).await;
    // The cut answer came after the grant was made; createOrUpdate is idempotent, so
    // collab-http retried it, and the second answer is whole.
    let id = outcome.expect("the retried grant");
    assert_eq!(attempts(&server).await, 2);
    let listed = repo(&server).list(&dataset()).await.expect("the list");
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(
        (listed[0].id, &listed[0].users[..]),
        (id, &["bob@example.com".to_owned()][..])
    );
    server.shutdown().await;
}
