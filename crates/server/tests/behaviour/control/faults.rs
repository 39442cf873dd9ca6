//! Fault rules over the wire: armed on the control plane (or at start), answered by
//! the same matching as the in-process decorator, marked in the journal.

use std::time::Duration;

use collab_faults::FaultRule;
use collab_server::testing::{RequestFilter, TestServer};
use reqwest::{Client, Method};
use serde_json::json;

use super::{admin_json, get_as, server, share, status_and_json};

fn rule(json: serde_json::Value) -> FaultRule {
    FaultRule::from_value(json).expect("a valid rule")
}

/// Arms a rule on `server`'s control plane; its id.
async fn arm(server: &TestServer, json: serde_json::Value) -> u64 {
    server.control().arm_fault(&rule(json)).await.unwrap()
}

async fn list(server: &TestServer, agent: &str) -> reqwest::Response {
    Client::new()
        .get(server.access_url(&server.dataset()))
        .bearer_auth(server.token())
        .header("user-agent", agent)
        .send()
        .await
        .expect("an answer")
}

#[tokio::test]
async fn a_503_once_fails_the_next_list_then_lets_calls_through_and_the_journal_says_so() {
    let server = server().await;
    let id = arm(
        &server,
        json!({"operation": "list", "status": 503, "times": 1}),
    )
    .await;
    let failed = list(&server, "curl/8").await;
    assert_eq!(failed.status(), 503);
    // The rule sets no `retryAfter`: a client that retries on its own when told to
    // (urllib3 does, for GET) must see this 503.
    assert_eq!(failed.headers().get("retry-after"), None);
    let header = failed.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: serde_json::Value = failed.json().await.unwrap();
    assert_eq!(body["code"], "SERVICE_UNAVAILABLE");
    assert_eq!(body["requestId"], header);
    assert_eq!(list(&server, "curl/8").await.status(), 200);

    let entries = server
        .control()
        .requests(&RequestFilter::new())
        .await
        .unwrap();
    let marks: Vec<(u16, Option<u64>)> = entries.iter().map(|e| (e.status, e.fault)).collect();
    assert_eq!(marks, [(503, Some(id)), (200, None)]);
    let armed = server.control().faults().await.unwrap();
    assert_eq!(
        (armed[0]["matched"].as_u64(), armed[0]["fired"].as_u64()),
        (Some(2), Some(1))
    );
}

#[tokio::test]
async fn a_rate_limit_says_when_to_retry_in_the_callers_generation() {
    let server = server().await;
    arm(
        &server,
        json!({"operation": "any", "status": 429, "retryAfter": 7}),
    )
    .await;
    let current = list(&server, "curl/8").await;
    assert_eq!(current.status(), 429);
    assert_eq!(current.headers()["retry-after"], "7");
    let body: serde_json::Value = current.json().await.unwrap();
    assert!(
        body.get("error").is_some() && body.get("message").is_none(),
        "{body}"
    );
    let old = list(&server, "Swagger-Codegen/1.0.0/python").await;
    assert_eq!(old.status(), 429);
    let body: serde_json::Value = old.json().await.unwrap();
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["code", "message"], "{body}");
}

#[tokio::test]
async fn an_applied_fault_writes_then_fails_and_a_plain_one_writes_nothing() {
    let server = server().await;
    arm(
        &server,
        json!({"operation": "createOrUpdate", "status": 500, "times": 1}),
    )
    .await;
    assert_eq!(share(&server, &["ann@example.com"]).await, 500);
    assert!(
        server
            .store()
            .configs(&server.dataset())
            .unwrap()
            .is_empty()
    );

    arm(
        &server,
        json!({"operation": "createOrUpdate", "status": 503, "applied": true, "times": 1}),
    )
    .await;
    assert_eq!(share(&server, &["bob@example.com"]).await, 503);
    let stored = server.store().configs(&server.dataset()).unwrap();
    assert_eq!(stored[0].users, ["bob@example.com"], "applied, then failed");
}

#[tokio::test]
async fn a_reset_drop_closes_the_connection_unanswered_and_applies_nothing() {
    let server = server().await;
    let id = arm(
        &server,
        json!({"operation": "createOrUpdate", "drop": "reset"}),
    )
    .await;
    let sent = Client::new()
        .post(server.access_url(&server.dataset()))
        .bearer_auth(server.token())
        .json(&json!({"accessType": "WRITE", "users": ["ann@example.com"]}))
        .send()
        .await;
    let error = sent.expect_err("no answer at all");
    assert!(
        error.is_request() || error.is_connect() || error.is_body(),
        "{error:?}"
    );
    assert!(
        server
            .store()
            .configs(&server.dataset())
            .unwrap()
            .is_empty()
    );
    let entries = server
        .control()
        .requests(&RequestFilter::new())
        .await
        .unwrap();
    assert_eq!((entries[0].status, entries[0].fault), (0, Some(id)));
}

#[tokio::test]
async fn a_hung_delete_is_answered_by_the_request_deadline_and_deletes_nothing() {
    let server = TestServer::builder()
        .configure(|config| config.with_request_timeout(Duration::from_millis(400)))
        .start()
        .await
        .unwrap();
    assert_eq!(share(&server, &["ann@example.com"]).await, 201);
    let config = server.store().configs(&server.dataset()).unwrap()[0].id;
    arm(&server, json!({"operation": "delete", "drop": "hang"})).await;
    let answer = Client::new()
        .delete(format!("{}/{config}", server.access_url(&server.dataset())))
        .bearer_auth(server.token())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 503, "the request deadline answers");
    assert_eq!(server.store().configs(&server.dataset()).unwrap().len(), 1);
}

#[tokio::test]
async fn rules_are_scoped_to_their_dataset_and_user() {
    let server = server().await;
    let other = server
        .control()
        .add_dataset(server.user(), None)
        .await
        .unwrap();
    arm(
        &server,
        json!({"operation": "list", "dataset": other.to_string(), "status": 503}),
    )
    .await;
    arm(
        &server,
        json!({"operation": "list", "user": "nobody", "status": 500}),
    )
    .await;
    assert_eq!(list(&server, "curl/8").await.status(), 200);
    let on_other = get_as(server.access_url(&other), server.token()).await;
    assert_eq!(on_other.status(), 503);
}

#[tokio::test]
async fn a_bad_rule_is_refused_naming_the_field_and_nothing_is_armed() {
    let server = server().await;
    for (body, field) in [
        (json!({"operation": "list", "status": 600}), "status"),
        (
            json!({"operation": "list", "status": 503, "probability": 1.5}),
            "probability",
        ),
        (
            json!({"operation": "sometimes", "status": 503}),
            "operation",
        ),
        (
            json!({"operation": "list", "status": 503, "colour": "red"}),
            "colour",
        ),
    ] {
        let (status, answer) =
            status_and_json(admin_json(&server, Method::POST, "/faults", &body).await).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(answer["path"], field, "{body}: {answer}");
    }
    assert!(server.control().faults().await.unwrap().is_empty());
}

#[tokio::test]
async fn rules_are_disarmed_one_or_all_and_a_reset_arms_the_start_rules_again() {
    let start = rule(json!({"operation": "delete", "status": 503}));
    let server = TestServer::builder()
        .configure(move |config| config.with_faults([start]))
        .start()
        .await
        .unwrap();
    let control = server.control();
    assert_eq!(control.faults().await.unwrap().len(), 1);
    let extra = control
        .arm_fault(&rule(json!({"operation": "list", "status": 503})))
        .await
        .unwrap();
    control.disarm_fault(extra).await.unwrap();
    assert_eq!(
        control.disarm_fault(extra).await.unwrap_err().status(),
        Some(404)
    );
    control.disarm_all_faults().await.unwrap();
    assert!(control.faults().await.unwrap().is_empty());
    control
        .arm_fault(&rule(json!({"operation": "list", "status": 503})))
        .await
        .unwrap();
    control.reset().await.unwrap();
    let armed = control.faults().await.unwrap();
    assert_eq!(armed.len(), 1);
    assert_eq!(armed[0]["operation"], "delete");
    assert_eq!(armed[0]["matched"], 0);
    assert_eq!(list(&server, "curl/8").await.status(), 200);
}

/// Issue 25, defect 5: a fault's answer carries `Retry-After` only when its rule sets
/// `retryAfter`, on a `503` as on any other status.
#[tokio::test]
async fn a_fault_503_carries_retry_after_only_when_its_rule_sets_it() {
    let server = server().await;
    arm(
        &server,
        json!({"operation": "list", "status": 503, "times": 1}),
    )
    .await;
    let bare = list(&server, "curl/8").await;
    assert_eq!(bare.status(), 503);
    assert_eq!(bare.headers().get("retry-after"), None);
    arm(
        &server,
        json!({"operation": "list", "status": 503, "times": 1, "retryAfter": 4}),
    )
    .await;
    let told = list(&server, "curl/8").await;
    assert_eq!(told.status(), 503);
    assert_eq!(told.headers()["retry-after"], "4");
}
