//! `Server::router()` and `router()` inside a host axum application: mounted with `nest_service` under a
//! prefix, it answers the API there with its layers (error bodies, request ids),
//! and the host's own routes stay the host's.

use crate::support::{ALICE, DATASET, StoreProvider, with_test_users};
use axum::Router;
use axum::routing::get;
use collab_server::{ServerConfig, router};

#[tokio::test]
async fn the_router_mounted_under_a_prefix_serves_the_api_there() {
    let store = collab_fake::InMemoryStore::new();
    store.add_dataset(DATASET.parse().expect("an id"), "alice");
    let config = with_test_users(ServerConfig::new(StoreProvider(store)));
    let host = Router::new()
        .route("/host/health", get(|| async { "host ok" }))
        .nest_service("/collab", config.build().expect("valid settings").router());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(async move {
        axum::serve(listener, host)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    let client = reqwest::Client::new();

    let access = format!("{base}/collab/v1/datasets/{DATASET}/collaboration/access");
    let created = client
        .post(&access)
        .bearer_auth(ALICE)
        .json(&serde_json::json!({"accessType": "WRITE", "users": ["ann@example.com"]}))
        .send()
        .await
        .expect("an answer");
    assert_eq!(created.status(), 201);
    assert!(created.headers().contains_key("x-request-id"));
    let listed: serde_json::Value = client
        .get(format!("{access}?token={ALICE}"))
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("JSON");
    assert_eq!(listed[0]["users"], serde_json::json!(["ann@example.com"]));

    // The router's own answers, under the prefix: a 401 and a 404 with error bodies.
    let refused = client.get(&access).send().await.expect("an answer");
    assert_eq!(refused.status(), 401);
    let body: serde_json::Value = refused.json().await.expect("an error body");
    assert_eq!(body["code"], "UNAUTHORIZED");
    let unknown = client
        .get(format!("{base}/collab/nowhere"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(unknown.status(), 404);
    let body: serde_json::Value = unknown.json().await.expect("an error body");
    assert_eq!(body["code"], "NOT_FOUND");

    // The host's routes are the host's.
    let health = client
        .get(format!("{base}/host/health"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(health.text().await.expect("text"), "host ok");

    stop.send(()).expect("the server runs");
    served.await.expect("joined").expect("served");
}

/// What only `bind`'s connections can do is left undone by a mounted router: a cut
/// or dribbled answer is sent whole, a dropped connection is the `503` it stands for.
#[tokio::test]
async fn a_mounted_router_sends_wire_only_faults_as_whole_answers() {
    let store = collab_fake::InMemoryStore::new();
    store.add_dataset(DATASET.parse().expect("an id"), "alice");
    let rules = [
        r#"{"operation": "list", "drop": "truncate", "times": 1}"#,
        r#"{"operation": "list", "dribble": {"chunks": 3, "overMs": 10}, "times": 1}"#,
        r#"{"operation": "list", "drop": "reset", "times": 1}"#,
    ]
    .map(|rule| collab_faults::FaultRule::from_json(rule).expect("a rule"));
    let config = with_test_users(ServerConfig::new(StoreProvider(store))).with_faults(rules);
    let host = Router::new().nest_service("/collab", router(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    let served = tokio::spawn(async move { axum::serve(listener, host).await });
    let access = format!("{base}/collab/v1/datasets/{DATASET}/collaboration/access");
    let client = reqwest::Client::new();
    for _ in 0..2 {
        let whole = client
            .get(&access)
            .bearer_auth(ALICE)
            .send()
            .await
            .expect("an answer");
        assert_eq!(whole.status(), 200);
        assert_eq!(whole.text().await.expect("a whole body"), "[]");
    }
    let dropped = client
        .get(&access)
        .bearer_auth(ALICE)
        .send()
        .await
        .expect("an answer");
    assert_eq!(dropped.status(), 503);
    let body: serde_json::Value = dropped.json().await.expect("an error body");
    assert_eq!(body["code"], "CONNECTION_DROPPED");
    served.abort();
}
