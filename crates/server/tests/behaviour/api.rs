//! The three operations over the fake, as Lightly's clients call them.

use crate::support::{ALICE, DATASET, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn is_object_id(text: &str) -> bool {
    text.len() == 24 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[tokio::test]
async fn create_answers_201_with_the_new_id_and_list_shows_the_camel_case_config() {
    let server = TestServer::start().await;
    let response = server
        .client
        .post(format!("{}?token={ALICE}", server.access_url(DATASET)))
        .json(&json!({"accessType": "WRITE", "users": [" Ann@Example.com", "bob@example.com", "ann@example.com"], "teams": ["acme"]}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.expect("json");
    let id = created["id"].as_str().expect("id is a string");
    assert!(is_object_id(id), "{created}");
    assert_eq!(created.as_object().map(|o| o.len()), Some(1), "{created}");

    let response = server
        .client
        .get(server.access_url(DATASET))
        .bearer_auth(ALICE)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    let list: Value = response.json().await.expect("json");
    let configs = list.as_array().expect("a list");
    assert_eq!(configs.len(), 1);
    let config = &configs[0];
    assert_eq!(config["id"], id);
    assert_eq!(config["owner"], "alice");
    assert_eq!(config["accessType"], "WRITE");
    // Normalised by the request type: trimmed, de-duplicated ignoring case.
    assert_eq!(
        config["users"],
        json!(["Ann@Example.com", "bob@example.com"])
    );
    assert_eq!(config["teams"], json!(["acme"]));
    let created_at = config["createdAt"]
        .as_u64()
        .expect("createdAt is an integer");
    let modified_at = config["lastModifiedAt"]
        .as_u64()
        .expect("lastModifiedAt is an integer");
    assert!(created_at <= modified_at);
}

#[tokio::test]
async fn an_update_replaces_the_lists_and_keeps_the_id() {
    let server = TestServer::start().await;
    let first = server.share(&["ann@example.com", "bob@example.com"]).await;
    let second = server.share(&["cat@example.com"]).await;
    assert_eq!(first, second);
    let configs = server.store.configs(&server.dataset).expect("dataset");
    assert_eq!(configs.len(), 1);
    assert_eq!(configs[0].users, ["cat@example.com"]);
}

#[tokio::test]
async fn a_missing_user_list_means_an_empty_one() {
    let server = TestServer::start().await;
    server.share(&["ann@example.com"]).await;
    let response = server
        .client
        .post(server.access_url(DATASET))
        .bearer_auth(ALICE)
        .json(&json!({"accessType": "WRITE", "futureField": 1}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::CREATED);
    let configs = server.store.configs(&server.dataset).expect("dataset");
    assert!(configs[0].users.is_empty(), "{configs:?}");
}

#[tokio::test]
async fn delete_with_a_json_body_as_lightlys_python_client_sends_answers_200_without_body() {
    let server = TestServer::start().await;
    let id = server.share(&["ann@example.com"]).await;
    let response = server
        .client
        .delete(format!("{}?token={ALICE}", server.config_url(DATASET, &id)))
        .json(&json!({}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.bytes().await.expect("body").len(), 0);
    assert_eq!(server.store.configs(&server.dataset), Some(Vec::new()));
}

#[tokio::test]
async fn delete_without_a_body_answers_200_and_a_new_share_gets_a_new_id() {
    let server = TestServer::start().await;
    let id = server.share(&["ann@example.com"]).await;
    let response = server
        .client
        .delete(server.config_url(DATASET, &id))
        .bearer_auth(ALICE)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.bytes().await.expect("body").len(), 0);

    let list: Value = server
        .client
        .get(server.access_url(DATASET))
        .bearer_auth(ALICE)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(list, json!([]));
    assert_ne!(server.share(&["ann@example.com"]).await, id);
}
