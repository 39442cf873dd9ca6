//! Authentication both ways, and who may do what.

use crate::support::{ALICE, BOB, DATASET, GHOST, TestServer, expect_error};
use collab_core::ApiErrorCode;
use reqwest::StatusCode;

#[tokio::test]
async fn the_token_query_parameter_authenticates() {
    let server = TestServer::start().await;
    let response = server
        .client
        .get(format!("{}?token={ALICE}", server.access_url(DATASET)))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_bearer_header_authenticates() {
    let server = TestServer::start().await;
    let response = server
        .client
        .get(server.access_url(DATASET))
        .header("authorization", format!("Bearer {ALICE}"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn no_credentials_answer_401_on_every_route() {
    let server = TestServer::start().await;
    let requests = [
        server.client.get(server.access_url(DATASET)),
        server
            .client
            .post(server.access_url(DATASET))
            .json(&serde_json::json!({"accessType": "WRITE"})),
        server
            .client
            .delete(server.config_url(DATASET, crate::support::UNKNOWN_CONFIG)),
    ];
    for request in requests {
        let response = request.send().await.expect("request");
        let body = expect_error(
            response,
            StatusCode::UNAUTHORIZED,
            ApiErrorCode::Unauthorized,
        )
        .await;
        assert!(body.message.contains("no credentials"), "{}", body.message);
    }
}

#[tokio::test]
async fn an_unknown_token_answers_401_without_repeating_it() {
    let server = TestServer::start().await;
    for request in [
        server.client.get(format!(
            "{}?token=wrong-SECRET-1",
            server.access_url(DATASET)
        )),
        server
            .client
            .get(server.access_url(DATASET))
            .bearer_auth("wrong-SECRET-1"),
    ] {
        let response = request.send().await.expect("request");
        let body = expect_error(
            response,
            StatusCode::UNAUTHORIZED,
            ApiErrorCode::Unauthorized,
        )
        .await;
        assert!(!body.message.contains("SECRET"), "{}", body.message);
    }
}

#[tokio::test]
async fn another_authorization_scheme_answers_401() {
    let server = TestServer::start().await;
    let response = server
        .client
        .get(server.access_url(DATASET))
        .basic_auth("alice", Some(ALICE))
        .send()
        .await
        .expect("request");
    let body = expect_error(
        response,
        StatusCode::UNAUTHORIZED,
        ApiErrorCode::Unauthorized,
    )
    .await;
    assert!(body.message.contains("Bearer"), "{}", body.message);
}

#[tokio::test]
async fn a_token_of_a_user_the_backend_does_not_know_answers_the_backends_401() {
    let server = TestServer::start().await;
    let response = server
        .client
        .get(server.access_url(DATASET))
        .bearer_auth(GHOST)
        .send()
        .await
        .expect("request");
    expect_error(
        response,
        StatusCode::UNAUTHORIZED,
        ApiErrorCode::Unauthorized,
    )
    .await;
}

#[tokio::test]
async fn a_known_user_who_is_not_the_owner_is_forbidden_and_changes_nothing() {
    let server = TestServer::start().await;
    let id = server.share(&["ann@example.com"]).await;
    let before = server.store.configs(&server.dataset);
    let requests = [
        server.client.get(server.access_url(DATASET)),
        server
            .client
            .post(server.access_url(DATASET))
            .json(&serde_json::json!({"accessType": "WRITE", "users": ["bob@example.com"]})),
        server.client.delete(server.config_url(DATASET, &id)),
    ];
    for request in requests {
        let response = request.bearer_auth(BOB).send().await.expect("request");
        expect_error(response, StatusCode::FORBIDDEN, ApiErrorCode::Forbidden).await;
    }
    assert_eq!(server.store.configs(&server.dataset), before);
}

#[tokio::test]
async fn the_openapi_document_needs_no_credentials() {
    let server = TestServer::start().await;
    let response = server
        .client
        .get(server.url("/openapi.json"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(
        response.text().await.expect("body"),
        collab_server::OPENAPI_JSON
    );
}
