//! Graceful shutdown: a request in flight is answered before the server stops.

use std::time::Duration;

use crate::support::ALICE;
use crate::support::backends::{Gate, SlowRepository};
use crate::support::poll::until_refused;
use collab_server::ServerConfig;
use reqwest::StatusCode;

#[tokio::test]
async fn shutdown_lets_a_request_in_flight_finish_with_200_then_stops() {
    let (gate, _dropped) = Gate::new();
    let repository = SlowRepository(std::sync::Arc::clone(&gate));
    let config = ServerConfig::new(move |_: &str| repository.clone()).with_user("alice", ALICE);
    let server = crate::support::spawn(config).await;
    let addr = server.local_addr();
    let url = crate::support::list_url(&server);

    let in_flight = tokio::spawn(async move {
        reqwest::Client::new()
            .get(url)
            .bearer_auth(ALICE)
            .send()
            .await
    });
    gate.entered.notified().await; // the request is inside the repository

    let shutdown = tokio::spawn(server.shutdown());
    until_refused(addr).await;
    assert!(
        !shutdown.is_finished(),
        "shutdown must wait for the request"
    );

    gate.release.notify_one();
    let response = in_flight
        .await
        .expect("task")
        .expect("answered, not dropped");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.expect("body"), "[]");
    tokio::time::timeout(Duration::from_secs(10), shutdown)
        .await
        .expect("the server stops once the request is answered")
        .expect("task");
}

#[tokio::test]
async fn dropping_the_handle_stops_the_server() {
    let store = collab_fake::InMemoryStore::new();
    let config = ServerConfig::new(move |user: &str| store.session(user));
    let server = crate::support::spawn(config).await;
    let addr = server.local_addr();
    drop(server);
    until_refused(addr).await;
}
