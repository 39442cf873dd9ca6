//! A request that takes longer than the configured timeout answers 503 with a body,
//! and its work is abandoned; a body that never completes is the client's fault and
//! answers 400 first.

use std::net::SocketAddr;
use std::time::Duration;

use crate::support::backends::{Gate, SlowRepository};
use crate::support::{ALICE, DATASET, TestServer, UNKNOWN_CONFIG, expect_error};
use collab_core::{ApiErrorCode, ApiErrorResponse};
use collab_server::ServerConfig;
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test]
async fn a_request_over_the_timeout_answers_503_and_its_work_is_dropped() {
    let (gate, mut dropped) = Gate::new();
    let repository = SlowRepository(gate);
    let config = ServerConfig::new(move |_: &str| repository.clone())
        .with_user("alice", ALICE)
        .with_request_timeout(Duration::from_millis(50));
    let server = crate::support::spawn(config).await;

    // The repository never lets the call through: only the timeout can answer.
    let response = crate::support::list_as_alice(&server).await;
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

/// Sends `request` on a new connection and keeps the connection open, waiting (at
/// most 10 s) for the server to answer and close it; returns the status line,
/// the headers (lower-cased) and the body.
async fn exchange_raw(addr: SocketAddr, request: &str) -> (String, String, String) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("send the request");
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("the server answers in time")
        .expect("read the answer");
    let answer = String::from_utf8(answer).expect("UTF-8 answer");
    let (head, body) = answer.split_once("\r\n\r\n").expect("a complete head");
    let (status_line, headers) = head.split_once("\r\n").unwrap_or((head, ""));
    (
        status_line.to_owned(),
        headers.to_ascii_lowercase(),
        body.to_owned(),
    )
}

#[tokio::test]
async fn a_body_shorter_than_its_content_length_answers_400_not_503() {
    let server =
        TestServer::start_with(|config| config.with_body_read_timeout(Duration::from_millis(100)))
            .await;
    // 14 bytes of the 100 announced; then the client waits for the answer.
    let partial = r#"{"accessType":"#;
    assert_eq!(partial.len(), 14);
    let routes = [
        format!("POST /v1/datasets/{DATASET}/collaboration/access"),
        format!("DELETE /v1/datasets/{DATASET}/collaboration/access/{UNKNOWN_CONFIG}"),
    ];
    for route in routes {
        let request = format!(
            "{route} HTTP/1.1\r\nhost: test\r\nauthorization: Bearer {ALICE}\r\n\
             content-type: application/json\r\ncontent-length: 100\r\n\
             connection: close\r\n\r\n{partial}"
        );
        let (status_line, headers, body) = exchange_raw(server.handle.local_addr(), &request).await;
        assert!(
            status_line.starts_with("HTTP/1.1 400 "),
            "{route}: {status_line}"
        );
        assert!(
            headers.contains("content-type: application/json"),
            "{route}: {headers}"
        );
        let error: ApiErrorResponse = serde_json::from_str(&body).expect("an ApiErrorResponse");
        assert_eq!(error.code, ApiErrorCode::BadRequest, "{route}");
        assert!(
            error.message.contains("request body incomplete") && error.message.contains("100 ms"),
            "{route}: {}",
            error.message
        );
    }
    assert_eq!(server.store.configs(&server.dataset), Some(Vec::new()));
    // The server keeps serving.
    server.share(&["ann@example.com"]).await;
}
