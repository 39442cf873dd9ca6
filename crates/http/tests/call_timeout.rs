//! The overall deadline of a call (`with_call_timeout`, `with_deadline`): it ends the
//! retries and cuts the attempt that runs into it, whatever the retry policy allows.
//!
//! No assertion depends on the machine being fast: counts are bounded by what the
//! budget allows (an upper bound that holds however slow the machine), and a lower
//! bound leaves a margin of seconds for attempts that take milliseconds. The timeouts
//! an error names are computed, not measured. (Paused time cannot be used: the
//! answers come over real sockets from wiremock's own thread.)

use std::time::Duration;

use collab_core::{AccessConfigRepository, DatasetId, Error};
use collab_http::{HttpRepository, HttpRepositoryBuilder, RetryPolicy};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn dataset() -> DatasetId {
    "0123456789abcdef01234567".parse().unwrap()
}

/// A policy that alone would keep retrying for a minute.
fn patient() -> RetryPolicy {
    RetryPolicy::new()
        .with_max_attempts(50)
        .with_initial_backoff(Duration::from_secs(1))
        .with_max_backoff(Duration::from_secs(1))
        .with_max_elapsed(Duration::from_secs(60))
        .with_jitter(false)
}

fn builder(server: &MockServer) -> HttpRepositoryBuilder {
    HttpRepository::builder()
        .with_base_url(server.uri())
        .with_api_token("tok-deadline")
        .with_retry(patient())
        .with_request_timeout(Duration::from_secs(30))
}

/// The attempt timeout an `Unavailable` names, in ms ("timed out after N ms").
fn timed_out_after(error: &Error) -> u128 {
    let Error::Unavailable { message, .. } = error else {
        panic!("expected Unavailable, got {error:?}");
    };
    let (_, rest) = message
        .split_once("timed out after ")
        .unwrap_or_else(|| panic!("not a timeout: {message}"));
    rest.trim_end_matches(" ms").parse().unwrap()
}

#[tokio::test]
async fn the_call_timeout_ends_the_retries() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let repo = builder(&server)
        .with_call_timeout(Duration::from_millis(3_500))
        .build()
        .unwrap();
    let error = repo.list(&dataset()).await.unwrap_err();
    assert!(matches!(error, Error::Unavailable { .. }), "{error:?}");
    let requests = server.received_requests().await.unwrap().len();
    // The policy alone allows 50. Waits of 1 s fit at most 4 attempts (0, 1, 2, 3 s)
    // in 3.5 s however fast the machine; at least 2 unless an attempt took over 2.5 s.
    assert!((2..=4).contains(&requests), "{requests} requests");
}

#[tokio::test]
async fn the_call_timeout_cuts_a_hung_attempt() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(20)))
        .mount(&server)
        .await;
    let repo = builder(&server)
        .with_call_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let error = repo.list(&dataset()).await.unwrap_err();
    let cut_to = timed_out_after(&error);
    assert!(
        cut_to <= 200,
        "the 30 s request timeout was cut to {cut_to} ms"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_shared_deadline_bounds_every_call() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(20)))
        .mount(&server)
        .await;
    let deadline = std::time::Instant::now() + Duration::from_millis(200);
    let repo = builder(&server).with_deadline(deadline).build().unwrap();
    let first = repo.list(&dataset()).await.unwrap_err();
    assert!(timed_out_after(&first) <= 200, "{first}");
    // The deadline has passed: a second call gets only a token attempt (10 ms).
    let second = repo.list(&dataset()).await.unwrap_err();
    assert_eq!(timed_out_after(&second), 10, "{second}");
}
