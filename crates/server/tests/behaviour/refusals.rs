//! What the server refuses and how it says so: e-mail addresses that would display
//! as another address answer `400` naming the character, and every `503` tells when
//! to try again.

use std::time::Duration;

use crate::support::backends::{FailingRepository, Gate, SlowRepository};
use crate::support::{ALICE, DATASET, TestServer, expect_error};
use collab_core::{ApiErrorCode, Error};
use collab_server::ServerConfig;
use reqwest::StatusCode;

#[tokio::test]
async fn invisible_and_direction_changing_characters_answer_400_naming_them() {
    let server = TestServer::start().await;
    for (user, problem) in [
        ("ann\u{200B}@example.com", "invisible character (U+200B)"),
        (
            "moc.elpmaxe@\u{202E}ann",
            "changes the direction of text (U+202E)",
        ),
        ("ann\u{0000}@example.com", "control character (U+0000)"),
    ] {
        let response = server
            .client
            .post(server.access_url(DATASET))
            .bearer_auth(ALICE)
            .json(&serde_json::json!({"accessType": "WRITE", "users": [user]}))
            .send()
            .await
            .expect("request");
        let body = expect_error(response, StatusCode::BAD_REQUEST, ApiErrorCode::BadRequest).await;
        assert!(body.message.contains(problem), "{user:?}: {}", body.message);
    }
    assert_eq!(
        server.store.configs(&server.dataset),
        Some(Vec::new()),
        "nothing was stored"
    );
    server.handle.shutdown().await;
}

#[tokio::test]
async fn a_503_of_the_request_timeout_says_when_to_retry() {
    let (gate, _dropped) = Gate::new();
    let repository = SlowRepository(gate);
    let config = ServerConfig::new(move |_: &str| repository.clone())
        .with_user("alice", ALICE)
        .with_request_timeout(Duration::from_millis(50));
    let server = crate::support::spawn(config).await;
    let response = crate::support::list_as_alice(&server).await;
    assert_eq!(response.headers()["retry-after"], "1");
    expect_error(
        response,
        StatusCode::SERVICE_UNAVAILABLE,
        ApiErrorCode::Unknown("SERVICE_UNAVAILABLE".into()),
    )
    .await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_503_of_an_unavailable_backend_says_when_to_retry() {
    let repository = FailingRepository(Error::Unavailable {
        message: "backend down".into(),
        source: None,
    });
    let config = ServerConfig::new(move |_: &str| repository.clone()).with_user("alice", ALICE);
    let server = crate::support::spawn(config).await;
    let response = crate::support::list_as_alice(&server).await;
    assert_eq!(response.headers()["retry-after"], "1");
    let body = expect_error(
        response,
        StatusCode::SERVICE_UNAVAILABLE,
        ApiErrorCode::Unknown("SERVICE_UNAVAILABLE".into()),
    )
    .await;
    assert!(body.message.contains("backend down"), "{}", body.message);
    server.shutdown().await;
}
