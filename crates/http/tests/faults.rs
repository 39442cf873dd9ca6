//! HttpRepository against scripted answers (wiremock): paths, auth, retries, timeouts
//! and the mapping of every kind of answer to the port's types.

use std::time::Duration;

use collab_core::{AccessConfigId, AccessConfigRepository, DatasetId, Error, ShareRequest};
use collab_http::{HttpRepository, RetryPolicy};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "tok-faults-7Qx";
const DATASET: &str = "0123456789abcdef01234567";
const CONFIG: &str = "89abcdef0123456789abcdef";

fn dataset() -> DatasetId {
    DATASET.parse().unwrap()
}

fn config() -> AccessConfigId {
    CONFIG.parse().unwrap()
}

fn access_path() -> String {
    format!("/v1/datasets/{DATASET}/collaboration/access")
}

fn config_path() -> String {
    format!("{}/{CONFIG}", access_path())
}

/// Retries quickly, so that a retry shows up as an extra request without slowing tests.
fn fast_retry(max_attempts: u32) -> RetryPolicy {
    RetryPolicy::new()
        .with_max_attempts(max_attempts)
        .with_initial_backoff(Duration::from_millis(5))
        .with_max_backoff(Duration::from_millis(1500))
        .with_max_elapsed(Duration::from_secs(10))
        .with_jitter(false)
}

fn repo(server: &MockServer, policy: RetryPolicy) -> HttpRepository {
    HttpRepository::builder()
        .with_base_url(server.uri())
        .with_api_token(TOKEN)
        .with_retry(policy)
        .with_request_timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn config_json() -> serde_json::Value {
    json!({
        "id": CONFIG,
        "owner": "alice",
        "accessType": "WRITE",
        "users": ["ann@example.com"],
        "teams": ["acme"],
        "createdAt": 1_700_000_000_000u64,
        "lastModifiedAt": 1_700_000_000_001u64,
        "fieldOfALaterGeneration": {"nested": true}
    })
}

fn error_body(code: &str, message: &str) -> serde_json::Value {
    json!({ "code": code, "message": message })
}

/// Answers the first `times` requests of `verb` with `first`, and the rest with `then`.
async fn answer_first_then(
    server: &MockServer,
    verb: &str,
    times: u64,
    first: ResponseTemplate,
    then: ResponseTemplate,
) {
    Mock::given(method(verb))
        .respond_with(first)
        .up_to_n_times(times)
        .mount(server)
        .await;
    Mock::given(method(verb))
        .respond_with(then)
        .mount(server)
        .await;
}

async fn request_count(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test]
async fn list_reads_configs_and_tolerates_unknown_fields() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(access_path()))
        .and(query_param("token", TOKEN))
        .and(header("accept", "application/json"))
        .and(header("user-agent", collab_http::DEFAULT_USER_AGENT))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([config_json()])))
        .expect(1)
        .mount(&server)
        .await;

    let configs = repo(&server, RetryPolicy::none())
        .list(&dataset())
        .await
        .unwrap();

    assert_eq!(configs.len(), 1);
    assert_eq!(configs[0].id, config());
    assert_eq!(configs[0].owner, "alice");
    assert_eq!(configs[0].users, ["ann@example.com"]);
    assert_eq!(configs[0].teams, ["acme"]);
}

#[tokio::test]
async fn create_or_update_posts_the_request_and_returns_the_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(access_path()))
        .and(query_param("token", TOKEN))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "accessType": "WRITE",
            "users": ["ann@example.com"],
            "teams": ["acme"]
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": CONFIG, "extra": 1})))
        .expect(1)
        .mount(&server)
        .await;

    let request = ShareRequest::write(["ann@example.com"], ["acme"]).unwrap();
    let id = repo(&server, RetryPolicy::none())
        .create_or_update(&dataset(), &request)
        .await
        .unwrap();

    assert_eq!(id, config());
}

#[tokio::test]
async fn delete_sends_no_body_to_the_configs_path() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path(config_path()))
        .and(query_param("token", TOKEN))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;

    repo(&server, RetryPolicy::none())
        .delete(&dataset(), &config())
        .await
        .unwrap();

    let requests = server.received_requests().await.unwrap();
    assert!(requests[0].body.is_empty());
    assert!(!requests[0].headers.contains_key("content-type"));
}

#[tokio::test]
async fn a_bearer_token_goes_in_the_header_and_not_the_query() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(access_path()))
        .and(header("authorization", "Bearer jwt-header-only"))
        .and(query_param_is_missing("token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;

    let repo = HttpRepository::builder()
        .with_base_url(server.uri())
        .with_bearer_token("jwt-header-only")
        .build()
        .unwrap();
    assert!(repo.list(&dataset()).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_api_token_goes_in_the_query_and_not_a_header() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(access_path()))
        .and(query_param("token", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;

    repo(&server, RetryPolicy::none())
        .list(&dataset())
        .await
        .unwrap();

    let requests = server.received_requests().await.unwrap();
    assert!(!requests[0].headers.contains_key("authorization"));
}

#[tokio::test]
async fn a_base_url_path_prefix_is_kept() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/lightly/api{}", access_path())))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(2)
        .mount(&server)
        .await;

    for base in ["/lightly/api", "/lightly/api/"] {
        let repo = HttpRepository::builder()
            .with_base_url(format!("{}{base}", server.uri()))
            .with_api_token(TOKEN)
            .with_retry(RetryPolicy::none())
            .build()
            .unwrap();
        repo.list(&dataset()).await.unwrap();
    }
}

#[tokio::test]
async fn two_503s_then_success_takes_three_requests() {
    let server = MockServer::start().await;
    answer_first_then(
        &server,
        "GET",
        2,
        ResponseTemplate::new(503),
        ResponseTemplate::new(200).set_body_json(json!([config_json()])),
    )
    .await;

    let configs = repo(&server, fast_retry(6)).list(&dataset()).await.unwrap();

    assert_eq!(configs.len(), 1);
    assert_eq!(request_count(&server).await, 3);
}

#[tokio::test]
async fn a_post_is_retried_too_because_replacing_is_idempotent() {
    let server = MockServer::start().await;
    answer_first_then(
        &server,
        "POST",
        1,
        ResponseTemplate::new(502).set_body_string("<html>bad gateway</html>"),
        ResponseTemplate::new(201).set_body_json(json!({"id": CONFIG})),
    )
    .await;

    let request = ShareRequest::write(["ann@example.com"], [""; 0]).unwrap();
    let id = repo(&server, fast_retry(6))
        .create_or_update(&dataset(), &request)
        .await
        .unwrap();

    assert_eq!(id, config());
    assert_eq!(request_count(&server).await, 2);
}

#[tokio::test]
async fn retries_stop_after_max_attempts_with_unavailable() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(504))
        .mount(&server)
        .await;

    let error = repo(&server, fast_retry(4))
        .list(&dataset())
        .await
        .unwrap_err();

    assert!(
        matches!(&error, Error::Unavailable { message, .. } if message.contains("status 504")),
        "{error:?}"
    );
    assert_eq!(request_count(&server).await, 4);
}

#[tokio::test]
async fn a_500_is_retried_like_lightlys_client_does() {
    let server = MockServer::start().await;
    answer_first_then(
        &server,
        "GET",
        1,
        ResponseTemplate::new(500).set_body_json(error_body("BAD_REQUEST", "oops")),
        ResponseTemplate::new(200).set_body_json(json!([])),
    )
    .await;

    repo(&server, fast_retry(3)).list(&dataset()).await.unwrap();
    assert_eq!(request_count(&server).await, 2);
}

#[tokio::test]
async fn a_429_waits_for_retry_after_then_succeeds() {
    let server = MockServer::start().await;
    answer_first_then(
        &server,
        "GET",
        1,
        ResponseTemplate::new(429).insert_header("retry-after", "1"),
        ResponseTemplate::new(200).set_body_json(json!([])),
    )
    .await;

    let started = std::time::Instant::now();
    repo(&server, fast_retry(3)).list(&dataset()).await.unwrap();

    // Only a lower bound: the backoff alone (5 ms) would be far shorter.
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(request_count(&server).await, 2);
}

#[tokio::test]
async fn a_retry_after_beyond_max_backoff_is_handed_to_the_caller_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "60"))
        .mount(&server)
        .await;

    let error = repo(&server, fast_retry(3))
        .list(&dataset())
        .await
        .unwrap_err();

    assert!(
        matches!(error, Error::RateLimited { retry_after: Some(wait), .. } if wait == Duration::from_secs(60)),
        "{error:?}"
    );
    assert_eq!(request_count(&server).await, 1);
}

#[tokio::test]
async fn a_malformed_success_body_is_an_unexpected_response_and_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"configs": "not a list"}"#))
        .mount(&server)
        .await;

    let error = repo(&server, fast_retry(3))
        .list(&dataset())
        .await
        .unwrap_err();

    let Error::UnexpectedResponse { status, message } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(*status, Some(200));
    assert!(
        message.contains(r#"{"configs": "not a list"}"#),
        "{message}"
    );
    assert!(error.to_string().contains("status 200"), "{error}");
    assert_eq!(request_count(&server).await, 1);
}

#[tokio::test]
async fn a_huge_malformed_body_is_quoted_in_at_most_200_characters() {
    let server = MockServer::start().await;
    let body = format!("<html>{}</html>", "x".repeat(10_000));
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_string(body))
        .mount(&server)
        .await;

    let request = ShareRequest::write(["ann@example.com"], [""; 0]).unwrap();
    let error = repo(&server, RetryPolicy::none())
        .create_or_update(&dataset(), &request)
        .await
        .unwrap_err();

    let Error::UnexpectedResponse { status, message } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(*status, Some(201));
    let quoted = message.split("body: ").nth(1).unwrap();
    assert!(quoted.starts_with("<html>xxx"), "{message}");
    assert!(quoted.chars().count() <= 200, "{}", quoted.chars().count());
}

#[tokio::test]
async fn a_hung_server_hits_the_request_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([]))
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;

    let repo = HttpRepository::builder()
        .with_base_url(server.uri())
        .with_api_token(TOKEN)
        .with_request_timeout(Duration::from_millis(100))
        .with_retry(RetryPolicy::none())
        .build()
        .unwrap();
    let error = repo.list(&dataset()).await.unwrap_err();

    let Error::Unavailable { message, source } = &error else {
        panic!("{error:?}");
    };
    assert!(message.contains("timed out after 100 ms"), "{message}");
    let source = source.as_ref().expect("the transport error is kept");
    let reqwest_error = source.downcast_ref::<reqwest::Error>().unwrap();
    assert!(reqwest_error.is_timeout());
    assert!(
        reqwest_error.url().is_none(),
        "the URL (and its token) is removed"
    );
}

#[tokio::test]
async fn a_timed_out_attempt_is_retried() {
    let server = MockServer::start().await;
    answer_first_then(
        &server,
        "GET",
        1,
        ResponseTemplate::new(200).set_delay(Duration::from_secs(3)),
        ResponseTemplate::new(200).set_body_json(json!([])),
    )
    .await;

    let repo = HttpRepository::builder()
        .with_base_url(server.uri())
        .with_api_token(TOKEN)
        .with_request_timeout(Duration::from_millis(100))
        .with_retry(fast_retry(2))
        .build()
        .unwrap();
    repo.list(&dataset()).await.unwrap();
    assert_eq!(request_count(&server).await, 2);
}

#[tokio::test]
async fn a_refused_connection_is_unavailable() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let repo = HttpRepository::builder()
        .with_base_url(format!("http://127.0.0.1:{port}"))
        .with_api_token(TOKEN)
        .with_retry(fast_retry(2))
        .build()
        .unwrap();

    let error = repo.list(&dataset()).await.unwrap_err();

    let Error::Unavailable { message, source } = &error else {
        panic!("{error:?}");
    };
    assert!(message.contains("could not connect"), "{message}");
    assert!(
        message.contains(&format!("GET http://127.0.0.1:{port}/v1/datasets/")),
        "{message}"
    );
    assert!(source.is_some());
    assert!(error.is_retryable());
}

/// A status, an error body, and the variant it must become; each must not be retried.
#[tokio::test]
async fn client_errors_map_to_their_variants_and_are_not_retried() {
    type Check = fn(&Error) -> bool;
    let cases: [(&str, u16, serde_json::Value, Check); 7] = [
        (
            "list",
            400,
            error_body("BAD_REQUEST", "bad id"),
            |e| matches!(e, Error::InvalidRequest { message } if message.contains("bad id")),
        ),
        (
            "list",
            401,
            error_body("UNAUTHORIZED", "who are you"),
            |e| matches!(e, Error::Unauthorized { message } if message.contains("who are you")),
        ),
        (
            "list",
            403,
            error_body("FORBIDDEN", "not the owner"),
            |e| matches!(e, Error::Forbidden { message } if message.contains("not the owner")),
        ),
        (
            "list",
            404,
            error_body("DATASET_UNKNOWN", "no dataset"),
            |e| matches!(e, Error::DatasetNotFound { dataset: d, .. } if *d == dataset()),
        ),
        (
            "delete",
            404,
            error_body("ACCESS_CONTROL_UNKNOWN", "no config"),
            |e| matches!(e, Error::AccessConfigNotFound { dataset: d, config: c, .. } if *d == dataset() && *c == config()),
        ),
        (
            "delete",
            404,
            error_body("DATASET_UNKNOWN", "no dataset"),
            |e| matches!(e, Error::DatasetNotFound { dataset: d, .. } if *d == dataset()),
        ),
        (
            "create",
            400,
            error_body("MALFORMED_REQUEST", "bad body"),
            |e| matches!(e, Error::InvalidRequest { message } if message.contains("bad body")),
        ),
    ];
    for (call, status, body, check) in cases {
        let server = MockServer::start().await;
        Mock::given(wiremock::matchers::any())
            .respond_with(ResponseTemplate::new(status).set_body_json(&body))
            .mount(&server)
            .await;
        let repo = repo(&server, fast_retry(4));
        let error = match call {
            "list" => repo.list(&dataset()).await.unwrap_err(),
            "delete" => repo.delete(&dataset(), &config()).await.unwrap_err(),
            _ => {
                let request = ShareRequest::write(["ann@example.com"], [""; 0]).unwrap();
                repo.create_or_update(&dataset(), &request)
                    .await
                    .unwrap_err()
            }
        };
        assert!(check(&error), "{call} {status} {body}: got {error:?}");
        assert!(!error.is_retryable(), "{error:?}");
        assert_eq!(request_count(&server).await, 1, "{call} {status} {body}");
    }
}

#[tokio::test]
async fn an_error_text_named_error_is_read() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "code": "FORBIDDEN",
            "error": "only the owner may share",
            "requestId": "req-1",
            "errorLabels": ["x"]
        })))
        .mount(&server)
        .await;

    let error = repo(&server, RetryPolicy::none())
        .list(&dataset())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Forbidden { message } if message.contains("only the owner may share")),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_unknown_error_code_is_tolerated_and_kept() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(error_body("PAYLOAD_TOO_LARGE", "too big")),
        )
        .mount(&server)
        .await;

    let error = repo(&server, RetryPolicy::none())
        .list(&dataset())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::InvalidRequest { message } if message.contains("too big") && message.contains("PAYLOAD_TOO_LARGE")),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_non_json_error_body_still_maps_by_status() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_string("<html>login</html>"))
        .mount(&server)
        .await;

    let error = repo(&server, fast_retry(3))
        .list(&dataset())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Unauthorized { message } if message.contains("401")),
        "{error:?}"
    );
    assert_eq!(request_count(&server).await, 1);
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(302).insert_header("location", "http://127.0.0.1:9/elsewhere"),
        )
        .mount(&server)
        .await;

    let error = repo(&server, fast_retry(3))
        .list(&dataset())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::UnexpectedResponse {
                status: Some(302),
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(request_count(&server).await, 1);
}

#[tokio::test]
async fn a_delete_retried_after_an_unknown_outcome_that_finds_nothing_succeeds() {
    let server = MockServer::start().await;
    answer_first_then(
        &server,
        "DELETE",
        1,
        ResponseTemplate::new(503),
        ResponseTemplate::new(404).set_body_json(error_body("ACCESS_CONTROL_UNKNOWN", "gone")),
    )
    .await;

    repo(&server, fast_retry(3))
        .delete(&dataset(), &config())
        .await
        .unwrap();
    assert_eq!(request_count(&server).await, 2);
}

#[tokio::test]
async fn a_custom_user_agent_and_client_are_used() {
    let server = MockServer::start().await;
    // The caller's client marks its requests, so the test sees that it was used.
    Mock::given(method("GET"))
        .and(header("user-agent", "my-tool/2.0"))
        .and(header("x-probe", "caller-client"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    let mut marked = reqwest::header::HeaderMap::new();
    marked.insert(
        "x-probe",
        reqwest::header::HeaderValue::from_static("caller-client"),
    );
    let client = reqwest::Client::builder()
        .default_headers(marked)
        .build()
        .unwrap();

    let repo = HttpRepository::builder()
        .with_base_url(server.uri())
        .with_api_token(TOKEN)
        .with_user_agent("my-tool/2.0")
        .with_client(client)
        .build()
        .unwrap();
    repo.list(&dataset()).await.unwrap();
}
