//! A request that takes longer than the configured timeout answers 503 with a body,
//! and its work is abandoned.

mod common;

use std::time::Duration;

use collab_core::ApiErrorCode;
use collab_server::ServerConfig;
use common::backends::{Gate, SlowRepository};
use common::{ALICE, DATASET, expect_error};
use reqwest::StatusCode;

#[tokio::test]
async fn a_request_over_the_timeout_answers_503_and_its_work_is_dropped() {
    let (gate, mut dropped) = Gate::new();
    let repository = SlowRepository(gate);
    let config = ServerConfig::new(move |_: &str| repository.clone())
        .with_user("alice", ALICE)
        .with_request_timeout(Duration::from_millis(50));
    let server = common::spawn(config).await;

    // The repository never lets the call through: only the timeout can answer.
    let response = reqwest::Client::new()
        .get(format!(
            "{}/v1/datasets/{DATASET}/collaboration/access",
            server.base_url()
        ))
        .bearer_auth(ALICE)
        .send()
        .await
        .expect("request");
    let body = expect_error(
        response,
        StatusCode::SERVICE_UNAVAILABLE,
        ApiErrorCode::Unknown("SERVICE_UNAVAILABLE".into()),
    )
    .await;
    assert!(body.message.contains("50 ms"), "{}", body.message);

    // The repository's call was cancelled, not left running.
    tokio::time::timeout(Duration::from_secs(10), dropped.recv())
        .await
        .expect("the call is dropped")
        .expect("signal");
    server.shutdown().await;
}
