//! `collab serve` refuses a `creator` outside the five values Lightly defines, as the
//! service's own schema does, in either generation of the wire.

use crate::support::{ALICE, DATASET, TestServer, expect_error};
use collab_core::{ApiErrorCode, Creator};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn post(server: &TestServer, body: Value) -> reqwest::Response {
    server
        .client
        .post(server.access_url(DATASET))
        .bearer_auth(ALICE)
        .json(&body)
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn an_unknown_creator_is_a_400_naming_the_allowed_values_in_either_generation() {
    let server = TestServer::start().await;
    for body in [
        json!({"accessType": "WRITE", "users": ["a@x.io"], "creator": "__not_in_enum__"}),
        json!({"accessType": "WRITE", "teams": ["acme"], "creator": "USER_ROBOT"}),
        json!({"accessType": "WRITE", "organizations": ["acme"], "creator": "user_pip"}),
    ] {
        let response = post(&server, body.clone()).await;
        let error = expect_error(response, StatusCode::BAD_REQUEST, ApiErrorCode::BadRequest).await;
        assert!(
            error.message.contains("unknown creator"),
            "{body}: {}",
            error.message
        );
        for allowed in Creator::ALL {
            assert!(
                error.message.contains(allowed.as_str()),
                "{body}: {}",
                error.message
            );
        }
    }
    let configs = server.store.session("alice");
    let listed = collab_core::AccessConfigRepository::list(&configs, &server.dataset)
        .await
        .expect("list");
    assert!(
        listed.is_empty(),
        "a refused request changes nothing: {listed:?}"
    );
}

#[tokio::test]
async fn every_defined_creator_is_accepted() {
    let server = TestServer::start().await;
    for creator in Creator::ALL {
        let body = json!({"accessType": "WRITE", "users": ["a@x.io"], "creator": creator.as_str()});
        let response = post(&server, body).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{creator:?}");
    }
}
