//! A `503` with `Retry-After` is honoured like a `429`: the retry waits at least that
//! long, and a wait longer than the policy allows ends the retries at once.

use std::time::Duration;

use collab_core::{AccessConfigRepository, DatasetId, Error, wire};
use collab_http::{HttpRepository, RetryPolicy};
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn dataset() -> DatasetId {
    "0123456789abcdef01234567".parse().expect("id")
}

fn repo(server: &MockServer) -> HttpRepository {
    HttpRepository::builder()
        .with_base_url(server.uri())
        .with_api_token("tok-503-retry")
        .with_retry(
            RetryPolicy::new()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(5))
                .with_max_backoff(Duration::from_millis(1500))
                .with_max_elapsed(Duration::from_secs(10))
                .with_jitter(false),
        )
        .with_request_timeout(Duration::from_secs(5))
        .build()
        .expect("repository")
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.expect("recorded").len()
}

#[tokio::test]
async fn a_503_waits_for_its_retry_after_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .with_priority(2)
        .mount(&server)
        .await;

    let started = std::time::Instant::now();
    repo(&server)
        .list(&dataset())
        .await
        .expect("the retry succeeds");

    // Only a lower bound: the backoff alone (5 ms) would be far shorter.
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn a_503_asking_for_more_than_the_max_backoff_is_handed_back_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "60"))
        .mount(&server)
        .await;

    let error = repo(&server).list(&dataset()).await.unwrap_err();

    let Error::Unavailable {
        source: Some(source),
        ..
    } = &error
    else {
        panic!("not an unavailable error with a source: {error:?}");
    };
    assert_eq!(
        source.downcast_ref::<wire::RetryAfter>(),
        Some(&wire::RetryAfter(Duration::from_secs(60))),
        "{error:?}"
    );
    assert_eq!(
        requests(&server).await,
        1,
        "no retry: it would only be refused"
    );
}

#[tokio::test]
async fn a_retry_after_given_as_an_http_date_is_honoured_like_seconds() {
    let server = MockServer::start().await;
    let in_a_minute =
        httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(60));
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", in_a_minute.as_str()))
        .mount(&server)
        .await;

    let error = repo(&server).list(&dataset()).await.unwrap_err();

    // About 60 s from the date (the date has whole seconds; the window is wide on
    // purpose): far beyond this policy's 1.5 s max backoff, so handed back at once.
    let Error::RateLimited {
        retry_after: Some(wait),
        ..
    } = error
    else {
        panic!("not rate limited with a wait: {error:?}");
    };
    assert!(
        wait > Duration::from_secs(30) && wait <= Duration::from_secs(60),
        "{wait:?}"
    );
    assert_eq!(
        requests(&server).await,
        1,
        "no retry: it would only be refused"
    );
}
