//! Each journal entry names its operation, keeps the request's headers with
//! credentials redacted, orders `time` as `seq`, and explains every refusal.

use collab_server::testing::{RequestFilter, TestServer};
use reqwest::{Client, Method};
use serde_json::{Value, json};

use super::{admin, admin_json, server, status_and_json};

/// The journal as JSON, as a test in any language reads it.
async fn journal(server: &TestServer, query: &str) -> Vec<Value> {
    let (status, body) =
        status_and_json(admin(server, Method::GET, &format!("/requests{query}")).await).await;
    assert_eq!(status, 200, "{body}");
    body.as_array().expect("an array").clone()
}

#[tokio::test]
async fn entries_name_their_operation_and_a_filter_by_it_leaves_version_checks_out() {
    let server = server().await;
    let client = Client::new();
    let access = server.access_url(&server.dataset());
    client
        .get(format!("{}/v1/versions/pip/minimum", server.url()))
        .send()
        .await
        .unwrap();
    client
        .get(&access)
        .bearer_auth(server.token())
        .send()
        .await
        .unwrap();
    client
        .post(&access)
        .bearer_auth(server.token())
        .json(&json!({"accessType": "WRITE", "users": ["ann@example.com"]}))
        .send()
        .await
        .unwrap();
    client
        .get(format!("{}/openapi.json", server.url()))
        .send()
        .await
        .unwrap();
    client
        .get(format!("{}/nowhere", server.url()))
        .send()
        .await
        .unwrap();

    let operations: Vec<Value> = journal(&server, "")
        .await
        .iter()
        .map(|e| e["operation"].clone())
        .collect();
    assert_eq!(
        operations,
        [
            json!("versions"),
            json!("list"),
            json!("createOrUpdate"),
            json!("openapi"),
            Value::Null
        ]
    );
    let writes = journal(&server, "?operation=createOrUpdate").await;
    assert_eq!(writes.len(), 1);
    assert_eq!(writes[0]["method"], "POST");
    let methods = journal(&server, "?method=post").await;
    assert_eq!(methods.len(), 1, "the method filter is case-insensitive");
}

#[tokio::test]
async fn headers_are_kept_with_credentials_redacted() {
    let server = server().await;
    Client::new()
        .get(server.access_url(&server.dataset()))
        .bearer_auth(server.token())
        .header("user-agent", "OpenAPI-Generator/1.0.0/python")
        .send()
        .await
        .unwrap();
    let entries = journal(&server, "").await;
    let headers = &entries[0]["headers"];
    assert_eq!(headers["user-agent"], "OpenAPI-Generator/1.0.0/python");
    assert_eq!(headers["authorization"], "Bearer [REDACTED]");
    let text = serde_json::to_string(&entries).unwrap();
    assert!(!text.contains(server.token()), "{text}");
}

#[tokio::test]
async fn time_orders_entries_as_seq_does() {
    let server = server().await;
    let client = Client::new();
    let url = server.access_url(&server.dataset());
    // Started together, so that they are answered concurrently.
    let calls: Vec<_> = (0..40)
        .map(|_| tokio::spawn(client.get(&url).bearer_auth(server.token()).send()))
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap().status(), 200);
    }
    let entries = server
        .control()
        .requests(&RequestFilter::new())
        .await
        .unwrap();
    assert_eq!(entries.len(), 40);
    assert!(
        entries
            .windows(2)
            .all(|w| w[0].seq < w[1].seq && w[0].time <= w[1].time)
    );
}

#[tokio::test]
async fn every_refusal_is_explained_and_the_answer_stays_the_apis() {
    let server = server().await;
    let client = Client::new();
    let other = admin_json(&server, Method::POST, "/users", &json!({"name": "bob"})).await;
    let (_, bob) = status_and_json(other).await;
    let bob_token = bob["token"].as_str().unwrap().to_owned();
    let access = server.access_url(&server.dataset());

    let forbidden = client
        .post(&access)
        .bearer_auth(&bob_token)
        .json(&json!({"accessType": "WRITE", "users": ["ann@example.com"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(forbidden.status(), 403);
    let forbidden_body = forbidden.text().await.unwrap();
    assert!(
        !forbidden_body.contains("bob"),
        "the API's body is unchanged: {forbidden_body}"
    );
    let unknown = client
        .get(server.access_url(&"5f1e00000000000000000000".parse().unwrap()))
        .bearer_auth(server.token())
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let invalid = client
        .post(&access)
        .bearer_auth(server.token())
        .json(&json!({"accessType": "WRITE", "users": ["ann@example.com", 7]}))
        .send()
        .await
        .unwrap();
    assert_eq!(invalid.status(), 400);
    let fault = server
        .control()
        .arm_fault(
            &serde_json::from_value(json!({"operation": "list", "status": 500, "times": 1}))
                .unwrap(),
        )
        .await
        .unwrap();
    let faulted = client
        .get(&access)
        .bearer_auth(server.token())
        .send()
        .await
        .unwrap();
    assert_eq!(faulted.status(), 500);
    let fine = client
        .get(&access)
        .bearer_auth(server.token())
        .send()
        .await
        .unwrap();
    assert_eq!(fine.status(), 200);

    let entries = journal(&server, "").await;
    let reasons: Vec<&str> = entries
        .iter()
        .map(|e| e["reason"].as_str().unwrap_or(""))
        .collect();
    let dataset = server.dataset().to_string();
    assert!(
        reasons[0].contains("user bob") && reasons[0].contains(&dataset),
        "{reasons:?}"
    );
    assert!(
        reasons[1].contains("5f1e00000000000000000000"),
        "{reasons:?}"
    );
    assert!(reasons[2].contains("users"), "{reasons:?}");
    assert_eq!(reasons[3], format!("fault rule {fault} fired"));
    assert_eq!(entries[4]["reason"], Value::Null, "a success has no reason");
}
