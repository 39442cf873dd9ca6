//! HttpRepository speaks today's generation of the wire by default, can be pinned to
//! the 2022 one, and reads answers of either generation (wiremock peers).

use std::time::Duration;

use collab_core::wire::WireGeneration;
use collab_core::{AccessConfigRepository, Creator, DatasetId, Error, ShareRequest};
use collab_http::{HttpRepository, RetryPolicy};
use serde_json::json;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const DATASET: &str = "0123456789abcdef01234567";
const CONFIG: &str = "89abcdef0123456789abcdef";
const TOKEN: &str = "tok-generations-k3J";

fn dataset() -> DatasetId {
    DATASET.parse().unwrap()
}

fn access_path() -> String {
    format!("/v1/datasets/{DATASET}/collaboration/access")
}

fn repo(server: &MockServer, generation: Option<WireGeneration>) -> HttpRepository {
    let builder = HttpRepository::builder()
        .with_base_url(server.uri())
        .with_api_token(TOKEN)
        .with_retry(RetryPolicy::none())
        .with_request_timeout(Duration::from_secs(5));
    match generation {
        Some(generation) => builder.with_wire_generation(generation),
        None => builder,
    }
    .build()
    .unwrap()
}

async fn created_with(expected_body: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(access_path()))
        .and(body_json(expected_body))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": CONFIG})))
        .expect(1)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn by_default_requests_are_written_in_todays_generation_without_an_unset_creator() {
    let server = created_with(
        json!({"accessType": "WRITE", "users": ["ann@example.com"], "teams": ["acme"]}),
    )
    .await;
    let request = ShareRequest::write(["ann@example.com"], ["acme"]).unwrap();
    let id = repo(&server, None)
        .create_or_update(&dataset(), &request)
        .await
        .unwrap();
    assert_eq!(id.to_string(), CONFIG);
}

#[tokio::test]
async fn a_creator_set_by_the_caller_is_sent() {
    let server = created_with(json!({
        "accessType": "WRITE", "users": ["ann@example.com"], "teams": [], "creator": "USER_PIP"
    }))
    .await;
    let request = ShareRequest::write(["ann@example.com"], [""; 0])
        .unwrap()
        .with_creator(Creator::UserPip);
    repo(&server, Some(WireGeneration::Current))
        .create_or_update(&dataset(), &request)
        .await
        .unwrap();
}

#[tokio::test]
async fn pinned_to_2022_requests_say_organizations_and_carry_no_creator() {
    let server = created_with(
        json!({"accessType": "WRITE", "users": ["ann@example.com"], "organizations": ["acme"]}),
    )
    .await;
    let request = ShareRequest::write(["ann@example.com"], ["acme"])
        .unwrap()
        .with_creator(Creator::UserPip);
    let repo = repo(&server, Some(WireGeneration::V2022));
    assert_eq!(repo.wire_generation(), WireGeneration::V2022);
    repo.create_or_update(&dataset(), &request).await.unwrap();
}

#[tokio::test]
async fn a_current_answer_with_teams_creator_and_unknown_fields_is_read() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(access_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{
            "id": CONFIG,
            "owner": "alice",
            "accessType": "WRITE",
            "users": ["ann@example.com"],
            "teams": ["team-1"],
            "creator": "USER_PIP",
            "somethingNewer": {"x": 1},
            "createdAt": 1_700_000_000_000u64,
            "lastModifiedAt": 1_700_000_000_500u64
        }])))
        .mount(&server)
        .await;
    for generation in WireGeneration::ALL {
        let configs = repo(&server, Some(generation))
            .list(&dataset())
            .await
            .unwrap();
        assert_eq!(configs.len(), 1);
        assert_eq!(configs[0].teams, ["team-1"], "{generation}");
        assert_eq!(configs[0].users, ["ann@example.com"]);
    }
}

#[tokio::test]
async fn a_2022_answer_is_read_by_a_client_of_today() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(access_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{
            "id": CONFIG, "owner": "alice", "accessType": "WRITE",
            "users": [], "organizations": ["acme"],
            "createdAt": 1, "lastModifiedAt": 1
        }])))
        .mount(&server)
        .await;
    let configs = repo(&server, None).list(&dataset()).await.unwrap();
    assert_eq!(configs[0].teams, ["acme"]);
}

#[tokio::test]
async fn a_current_error_body_gives_its_text_code_and_request_id_never_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(access_path()))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "code": "FORBIDDEN",
            "error": "you are not the owner",
            "requestId": "req-8d1f",
            "errorLabels": ["ownership"]
        })))
        .mount(&server)
        .await;
    let error = repo(&server, None).list(&dataset()).await.unwrap_err();
    let Error::Forbidden { message } = &error else {
        panic!("expected Forbidden, got {error:?}");
    };
    assert!(message.contains("you are not the owner"), "{message}");
    assert!(message.contains("FORBIDDEN"), "{message}");
    assert!(message.contains("request id req-8d1f"), "{message}");
    assert!(!format!("{error} {error:?}").contains(TOKEN));
}

#[tokio::test]
async fn an_unknown_code_of_a_newer_generation_keeps_its_text() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(access_path()))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "code": "SOMETHING_NEWER", "error": "a newer rule", "requestId": "r-2"
        })))
        .mount(&server)
        .await;
    let request = ShareRequest::write(["ann@example.com"], [""; 0]).unwrap();
    let error = repo(&server, None)
        .create_or_update(&dataset(), &request)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::InvalidRequest { message } if message.contains("SOMETHING_NEWER") && message.contains("a newer rule")),
        "{error:?}"
    );
}
