//! An early `413` (the declared body is over the limit, so the server answers before
//! reading it) reaches a client that sends its whole body anyway: the server's
//! lingering close reads and discards the rest instead of resetting the connection
//! under the client's feet.

use std::time::Duration;

use crate::support::poll::until_open_connections;
use crate::support::raw::{RawAnswer, connect, read_answer};
use crate::support::{ALICE, DATASET, TestServer};
use collab_core::{ApiErrorCode, ApiErrorResponse};
use collab_server::ServerConfig;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const ATTEMPTS: usize = 200;
const AT_ONCE: usize = 8;
const LIMIT: usize = 64 * 1024;

/// Sends a POST whose body is `length` bytes, all of it, while reading the answer.
/// Returns the answer (if one arrived) and whether the whole body was sent.
async fn upload(addr: std::net::SocketAddr, length: usize) -> (Option<RawAnswer>, bool) {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    let head = format!(
        "POST /v1/datasets/{DATASET}/collaboration/access HTTP/1.1\r\nhost: test\r\n\
         authorization: Bearer {ALICE}\r\ncontent-type: application/json\r\n\
         content-length: {length}\r\n\r\n"
    );
    let sender = tokio::spawn(async move {
        writer.write_all(head.as_bytes()).await?;
        writer.write_all(&vec![b' '; length]).await
    });
    let answer = read_answer(&mut reader).await;
    let sent = sender.await.expect("sender task").is_ok();
    (answer, sent)
}

async fn uploads_answered_413(
    configure: impl FnOnce(
        ServerConfig<crate::support::StoreProvider>,
    ) -> ServerConfig<crate::support::StoreProvider>,
) -> usize {
    let server = TestServer::start_with(|config| configure(config.with_body_limit(LIMIT))).await;
    let addr = server.handle.local_addr();
    let mut answered = 0;
    for batch in 0..ATTEMPTS / AT_ONCE {
        let uploads: Vec<_> = (0..AT_ONCE)
            .map(|i| {
                // From just over the limit to 16 times it.
                let length = LIMIT + 1 + (batch * AT_ONCE + i) * LIMIT * 15 / ATTEMPTS;
                tokio::spawn(tokio::time::timeout(
                    Duration::from_secs(30),
                    upload(addr, length),
                ))
            })
            .collect();
        for upload in uploads {
            let (answer, sent) = upload.await.expect("task").expect("done within 30 s");
            let Some(answer) = answer else { continue };
            assert!(
                sent,
                "the answer came, but the body could not be sent in full"
            );
            assert_eq!(answer.status, 413, "{answer:?}");
            let body: ApiErrorResponse = serde_json::from_slice(&answer.body).expect("JSON");
            assert_eq!(body.code, ApiErrorCode::PayloadTooLarge);
            answered += 1;
        }
    }
    assert_eq!(
        server.store.configs(&server.dataset),
        Some(Vec::new()),
        "nothing was stored"
    );
    server.handle.shutdown().await;
    answered
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_client_that_sends_its_whole_oversized_body_reads_the_json_413() {
    let answered = uploads_answered_413(|config| config).await;
    assert_eq!(answered, ATTEMPTS, "every upload must read its 413");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_client_over_the_connection_limit_that_sends_its_whole_body_reads_the_503() {
    const BUSY_ATTEMPTS: usize = 48;
    let server = TestServer::start_with(|config| config.with_max_connections(1)).await;
    let addr = server.handle.local_addr();
    // The one connection served: every upload below is over the limit.
    let _held = connect(&server.handle).await;
    until_open_connections(&server.handle, 1).await;
    for batch in 0..BUSY_ATTEMPTS / AT_ONCE {
        let uploads: Vec<_> = (0..AT_ONCE)
            .map(|i| {
                // A body the server never reads: 64 KiB to 4 MiB.
                let length = LIMIT + (batch * AT_ONCE + i) * 4 * 1024 * 1024 / BUSY_ATTEMPTS;
                tokio::spawn(tokio::time::timeout(
                    Duration::from_secs(30),
                    upload(addr, length),
                ))
            })
            .collect();
        for upload in uploads {
            let (answer, sent) = upload.await.expect("task").expect("done within 30 s");
            let answer = answer.expect("every client over the limit reads an answer");
            assert!(sent, "the 503 came, but the body could not be sent in full");
            assert_eq!(answer.status, 503, "{answer:?}");
            assert_eq!(answer.header("retry-after"), Some("1"), "{answer:?}");
            let body: ApiErrorResponse = serde_json::from_slice(&answer.body).expect("JSON");
            assert!(
                body.message.contains("limit of 1 connections"),
                "{}",
                body.message
            );
        }
    }
    assert_eq!(
        server.store.configs(&server.dataset),
        Some(Vec::new()),
        "nothing was stored"
    );
    server.handle.shutdown().await;
}
