//! One server answers each caller in the generation of the wire it speaks (`auto`),
//! or every caller in one generation (pinned); writes accept either spelling.

use std::collections::BTreeSet;

use crate::support::{ALICE, BOB, DATASET, TestServer, UNKNOWN_DATASET};
use collab_core::wire::WireGeneration;
use collab_server::{LATEST_CLIENT_VERSION, MINIMUM_CLIENT_VERSION, WireMode};
use serde_json::{Value, json};

const V2022_AGENTS: [&str; 3] = [
    "Swagger-Codegen/1.0.0/python",
    "Lightly/1.2.30/python (Linux-6.1.0-x86_64-with-glibc2.36)",
    "Lightly/1.4.4/python (Linux)",
];
const CURRENT_AGENTS: [&str; 5] = [
    "OpenAPI-Generator/1.0.0/python",
    "Lightly/1.5.26 (Linux/6.1.0; Linux-6.1.0-x86_64; x86_64;) python/3.11.7",
    "Lightly/1.4.5 (Linux/6.1.0; x86_64;) python/3.11.7",
    "curl/8.5.0",
    "",
];

fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().expect("object").keys().cloned().collect()
}

async fn get(server: &TestServer, url: String, agent: &str, token: &str) -> (u16, Value) {
    let response = server
        .client
        .get(url)
        .header("user-agent", agent)
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

async fn post(server: &TestServer, agent: &str, token: &str, body: Value) -> (u16, Value) {
    let response = server
        .client
        .post(server.access_url(DATASET))
        .header("user-agent", agent)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

fn config_keys(teams_field: &str) -> BTreeSet<String> {
    [
        "id",
        "owner",
        "accessType",
        "users",
        teams_field,
        "createdAt",
        "lastModifiedAt",
    ]
    .map(str::to_owned)
    .into()
}

#[tokio::test]
async fn with_no_flag_each_official_client_reads_its_own_generation() {
    let server = TestServer::start().await;
    let (status, _) = post(
        &server,
        "curl/8.5.0",
        ALICE,
        json!({"accessType": "WRITE", "users": ["ann@example.com"], "teams": ["team-1"]}),
    )
    .await;
    assert_eq!(status, 201);
    for (agents, field) in [
        (&V2022_AGENTS[..], "organizations"),
        (&CURRENT_AGENTS[..], "teams"),
    ] {
        for agent in agents {
            let (status, list) = get(&server, server.access_url(DATASET), agent, ALICE).await;
            assert_eq!(status, 200, "{agent}");
            assert_eq!(keys(&list[0]), config_keys(field), "{agent:?}");
            assert_eq!(list[0][field], json!(["team-1"]), "{agent:?}");
        }
    }
}

#[tokio::test]
async fn error_bodies_follow_the_callers_generation() {
    let server = TestServer::start().await;
    let url = server.access_url(UNKNOWN_DATASET);
    let (status, body) = get(&server, url.clone(), V2022_AGENTS[0], ALICE).await;
    assert_eq!(status, 404);
    assert_eq!(
        keys(&body),
        BTreeSet::from(["code".into(), "message".into()])
    );
    assert_eq!(body["code"], "DATASET_UNKNOWN");
    let (status, body) = get(&server, url, CURRENT_AGENTS[0], ALICE).await;
    assert_eq!(status, 404);
    // Today's shape carries the request id; the 2022 one has no such field.
    assert_eq!(
        keys(&body),
        BTreeSet::from(["code".into(), "error".into(), "requestId".into()])
    );
    // A 401 is answered before any body is read: the agent alone places it.
    let (status, body) = get(&server, server.access_url(DATASET), V2022_AGENTS[1], "nope").await;
    assert_eq!(status, 401);
    assert!(
        body.get("message").is_some() && body.get("error").is_none(),
        "{body}"
    );
}

#[tokio::test]
async fn an_unplaced_caller_is_answered_in_the_spelling_of_its_body() {
    let server = TestServer::start().await;
    // Bob is not the owner: the 403 comes after the body was read.
    let (status, body) = post(
        &server,
        "curl/8.5.0",
        BOB,
        json!({"accessType": "WRITE", "organizations": ["acme"]}),
    )
    .await;
    assert_eq!(status, 403);
    assert!(
        body.get("message").is_some() && body.get("error").is_none(),
        "{body}"
    );
    let (status, body) = post(
        &server,
        "curl/8.5.0",
        BOB,
        json!({"accessType": "WRITE", "teams": ["acme"]}),
    )
    .await;
    assert_eq!(status, 403);
    assert!(
        body.get("error").is_some() && body.get("message").is_none(),
        "{body}"
    );
}

#[tokio::test]
async fn writes_accept_either_spelling_and_an_ambiguous_body_changes_nothing() {
    let server = TestServer::start().await;
    for (field, team) in [("organizations", "old-team"), ("teams", "new-team")] {
        let (status, _) = post(
            &server,
            "curl/8.5.0",
            ALICE,
            json!({"accessType": "WRITE", field: [team]}),
        )
        .await;
        assert_eq!(status, 201, "{field}");
        let (_, list) = get(&server, server.access_url(DATASET), "curl", ALICE).await;
        assert_eq!(list[0]["teams"], json!([team]));
    }
    let (status, body) = post(
        &server,
        "curl/8.5.0",
        ALICE,
        json!({"accessType": "WRITE", "teams": ["a"], "organizations": ["b"]}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["error"].as_str().unwrap().contains("not both"),
        "{body}"
    );
    let (_, list) = get(&server, server.access_url(DATASET), "curl", ALICE).await;
    assert_eq!(list[0]["teams"], json!(["new-team"]));
}

#[tokio::test]
async fn a_pinned_server_answers_everyone_in_its_generation() {
    for (generation, field, text) in [
        (WireGeneration::V2022, "organizations", "message"),
        (WireGeneration::Current, "teams", "error"),
    ] {
        let server =
            TestServer::start_with(|config| config.with_wire_mode(WireMode::Pinned(generation)))
                .await;
        server.share(&["ann@example.com"]).await;
        for agent in V2022_AGENTS.iter().chain(&CURRENT_AGENTS) {
            let (_, list) = get(&server, server.access_url(DATASET), agent, ALICE).await;
            assert_eq!(keys(&list[0]), config_keys(field), "{generation} {agent:?}");
            let (_, error) = get(&server, server.access_url(UNKNOWN_DATASET), agent, ALICE).await;
            assert!(error.get(text).is_some(), "{generation} {agent:?}: {error}");
        }
    }
}

#[tokio::test]
async fn the_version_routes_answer_without_a_token() {
    let server = TestServer::start().await;
    for (route, expected) in [
        ("/v1/versions/pip/minimum", MINIMUM_CLIENT_VERSION),
        (
            "/v1/versions/pip/latest?current_version=1.5.26",
            LATEST_CLIENT_VERSION,
        ),
    ] {
        let response = server.client.get(server.url(route)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{route}");
        let version: String = response.json().await.expect("a JSON string");
        assert_eq!(version, expected);
    }
}
