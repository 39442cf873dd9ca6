//! The clones of one repository share a retry budget: a service that is down is not
//! hammered by a fleet of callers each retrying on its own.
//!
//! The measure of issue 18: a service down for 1 000 calls from 8 clones, each call
//! allowed 3 attempts, sees 1 100 attempts with the default budget (1 000 first
//! attempts and the 100 retries that 500 tokens at 5 a retry pay for), against 3 000
//! without a budget. `docs/benchmarks.md` quotes these figures.

use std::time::Duration;

use collab_core::{AccessConfigRepository, DatasetId, Error};
use collab_http::{HttpRepository, RetryBudget, RetryPolicy};
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const CALLS: usize = 1_000;
const CLONES: usize = 8;
const ATTEMPTS_PER_CALL: u32 = 3;

fn dataset() -> DatasetId {
    "0123456789abcdef01234567".parse().expect("id")
}

async fn down() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({
            "code": "SERVICE_UNAVAILABLE", "error": "down", "requestId": "req-down-1"
        })))
        .mount(&server)
        .await;
    server
}

fn repo(server: &MockServer, budget: RetryBudget) -> HttpRepository {
    HttpRepository::builder()
        .with_base_url(server.uri())
        .with_api_token("tok-budget")
        .with_retry(
            RetryPolicy::new()
                .with_max_attempts(ATTEMPTS_PER_CALL)
                .with_initial_backoff(Duration::ZERO)
                .with_max_backoff(Duration::ZERO)
                .with_max_elapsed(Duration::from_secs(600))
                .with_jitter(false),
        )
        .with_request_timeout(Duration::from_secs(60))
        .with_retry_budget(budget)
        .build()
        .expect("repository")
}

/// Makes `CALLS` failing calls from `CLONES` clones at once; returns the attempts the
/// service saw and the calls' errors.
async fn fleet_against_a_dead_service(budget: RetryBudget) -> (usize, Vec<Error>) {
    let server = down().await;
    let repo = repo(&server, budget);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..CLONES {
        let clone = repo.clone();
        tasks.spawn(async move {
            let mut errors = Vec::new();
            for _ in 0..CALLS / CLONES {
                errors.push(
                    clone
                        .list(&dataset())
                        .await
                        .expect_err("the service is down"),
                );
            }
            errors
        });
    }
    let mut errors = Vec::new();
    while let Some(done) = tasks.join_next().await {
        errors.extend(done.expect("task"));
    }
    let attempts = server.received_requests().await.expect("recorded").len();
    (attempts, errors)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_default_budget_a_dead_service_sees_1100_attempts_not_3000() {
    let (attempts, errors) = fleet_against_a_dead_service(RetryBudget::new()).await;
    assert_eq!(errors.len(), CALLS);
    assert_eq!(
        attempts,
        CALLS + 100,
        "500 tokens / 5 per retry = 100 retries"
    );

    let refused: Vec<_> = errors
        .iter()
        .filter(|error| error.to_string().contains("retry budget"))
        .collect();
    assert!(!refused.is_empty());
    for error in refused {
        assert!(
            matches!(error, Error::Unavailable { .. }),
            "still an outage: {error:?}"
        );
        assert!(
            error.to_string().contains(
                "not retried: the retry budget shared by this repository's clones is spent"
            ),
            "{error}"
        );
        assert_eq!(error.request_id(), Some("req-down-1"), "{error}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_budget_every_call_makes_all_its_attempts() {
    let (attempts, errors) = fleet_against_a_dead_service(RetryBudget::unlimited()).await;
    assert_eq!(errors.len(), CALLS);
    assert_eq!(attempts, CALLS * ATTEMPTS_PER_CALL as usize);
    assert!(
        errors
            .iter()
            .all(|error| !error.to_string().contains("retry budget"))
    );
}

#[tokio::test]
async fn successes_refill_the_budget() {
    let server = MockServer::start().await;
    // 10 failing answers, then success for good.
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(10)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .with_priority(2)
        .mount(&server)
        .await;
    // A budget of one retry: spent by the first call, earned back by 5 successes.
    let repo = repo(
        &server,
        RetryBudget::new().with_capacity(5).with_retry_cost(5),
    );
    // Call 1: its first retry spends the whole budget, its second is refused.
    // Calls 2..=9: one attempt each, refused at once.
    for call in 1..=9 {
        let error = repo.list(&dataset()).await.unwrap_err();
        assert!(
            error.to_string().contains("retry budget"),
            "{call}: {error}"
        );
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 10);
    for _ in 0..5 {
        repo.list(&dataset()).await.expect("the service is back");
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 15);
    // Five successes earned back one retry: a failing call makes two attempts again.
    server.reset().await; // forgets the mocks and the requests seen
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    repo.list(&dataset()).await.unwrap_err();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}
