//! Every error built from one of the service's answers carries its `requestId` (what
//! Lightly's support asks for), the not-found, forbidden and unauthorized ones too.

use std::time::Duration;

use collab_core::{AccessConfigId, AccessConfigRepository, DatasetId, Error};
use collab_http::{HttpRepository, RetryPolicy};
use serde_json::json;
use wiremock::{Mock, MockServer, ResponseTemplate};

const DATASET: &str = "0123456789abcdef01234567";
const CONFIG: &str = "89abcdef0123456789abcdef";

fn dataset() -> DatasetId {
    DATASET.parse().expect("id")
}

fn config() -> AccessConfigId {
    CONFIG.parse().expect("id")
}

async fn failing_with(status: u16, code: &str) -> (MockServer, HttpRepository) {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(status).set_body_json(json!({
            "code": code,
            "error": "refused",
            "requestId": "req-5c1e-77",
        })))
        .mount(&server)
        .await;
    let repo = HttpRepository::builder()
        .with_base_url(server.uri())
        .with_api_token("tok-request-id")
        .with_retry(RetryPolicy::none())
        .with_request_timeout(Duration::from_secs(30))
        .build()
        .expect("repository");
    (server, repo)
}

#[tokio::test]
async fn each_kind_of_answered_error_keeps_the_request_id_and_shows_it() {
    type Check = fn(&Error) -> bool;
    let cases: [(u16, &str, bool, Check); 6] = [
        (404, "DATASET_UNKNOWN", false, |e| {
            matches!(e, Error::DatasetNotFound { .. })
        }),
        (404, "ACCESS_CONTROL_UNKNOWN", true, |e| {
            matches!(e, Error::AccessConfigNotFound { .. })
        }),
        (401, "UNAUTHORIZED", false, |e| {
            matches!(e, Error::Unauthorized { .. })
        }),
        (403, "FORBIDDEN", false, |e| {
            matches!(e, Error::Forbidden { .. })
        }),
        (400, "BAD_REQUEST", false, |e| {
            matches!(e, Error::InvalidRequest { .. })
        }),
        (500, "INTERNAL", false, |e| {
            matches!(e, Error::Unavailable { .. })
        }),
    ];
    for (status, code, delete, check) in cases {
        let (_server, repo) = failing_with(status, code).await;
        let error = if delete {
            repo.delete(&dataset(), &config()).await.unwrap_err()
        } else {
            repo.list(&dataset()).await.unwrap_err()
        };
        assert!(check(&error), "{status} {code}: {error:?}");
        assert_eq!(
            error.request_id(),
            Some("req-5c1e-77"),
            "{status} {code}: {error:?}"
        );
        assert!(
            error.to_string().contains("request id req-5c1e-77"),
            "{status} {code}: {error}"
        );
    }
}

#[tokio::test]
async fn an_answer_without_a_request_id_gives_none() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"code": "DATASET_UNKNOWN", "message": "no"})),
        )
        .mount(&server)
        .await;
    let repo = HttpRepository::builder()
        .with_base_url(server.uri())
        .with_api_token("tok-request-id")
        .build()
        .expect("repository");
    let error = repo.list(&dataset()).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::DatasetNotFound {
                request_id: None,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.request_id(), None);
    assert_eq!(error.to_string(), format!("dataset {DATASET} not found"));
}

#[tokio::test]
async fn a_404_from_something_that_is_not_the_api_says_its_status_once() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(404).set_body_string("<html>Not Found</html>"))
        .mount(&server)
        .await;
    let repo = HttpRepository::builder()
        .with_base_url(server.uri())
        .with_api_token("tok-request-id")
        .build()
        .expect("repository");
    let error = repo.list(&dataset()).await.unwrap_err();
    let text = error.to_string();
    assert_eq!(text.matches("404").count(), 1, "{text}");
    assert!(
        text.contains("no such endpoint: check the API URL"),
        "{text}"
    );
}
