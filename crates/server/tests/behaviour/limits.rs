//! What careless and hostile clients can hold, counted on the server: connections
//! over the limit are answered `503` at once (or closed), and clients that never
//! read their answers lose their connections at the write deadline instead of
//! pinning the answers in memory. Timed on tokio's paused clock.

use std::time::Duration;

use crate::support::TestServer;
use crate::support::poll::{promptly, until_open_connections, within};
use crate::support::raw::{connect, list_request, read_answer, read_until_closed};
use collab_core::{AccessConfigRepository, ApiErrorCode, ApiErrorResponse, ShareRequest};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpSocket;
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn over_the_connection_limit_clients_get_a_503_at_once_then_a_close() {
    let server = TestServer::start_with(|config| config.with_max_connections(2)).await;
    let held = [connect(&server.handle).await, connect(&server.handle).await];
    until_open_connections(&server.handle, 2).await;

    let mut extra = connect(&server.handle).await;
    extra
        .write_all(list_request().as_bytes())
        .await
        .expect("send");
    let answer = promptly("the 503", read_answer(&mut extra))
        .await
        .expect("an answer, not a hang");
    assert_eq!(answer.status, 503, "{answer:?}");
    assert_eq!(answer.header("retry-after"), Some("1"), "{answer:?}");
    assert_eq!(answer.header("connection"), Some("close"), "{answer:?}");
    assert_eq!(answer.header("content-type"), Some("application/json"));
    let body: ApiErrorResponse = serde_json::from_slice(&answer.body).expect("an error body");
    assert_eq!(
        body.code,
        ApiErrorCode::Unknown("SERVICE_UNAVAILABLE".into())
    );
    assert!(
        body.message.contains("limit of 2 connections"),
        "{}",
        body.message
    );
    assert!(
        promptly("the close", read_until_closed(&mut extra))
            .await
            .is_empty()
    );

    // 64 more connections that say nothing take every 503 answer: the next one is
    // closed at once, without an answer, and without the clock moving.
    let mut silent = Vec::new();
    for _ in 0..64 {
        silent.push(connect(&server.handle).await);
    }
    until_open_connections(&server.handle, 2 + 64).await;
    let mut refused = connect(&server.handle).await;
    let received = promptly("the close", read_until_closed(&mut refused)).await;
    assert!(received.is_empty(), "{received:?}");
    assert_eq!(server.handle.open_connections(), 2 + 64);

    // Once the held connections leave, new ones are served again.
    drop(held);
    drop(silent);
    until_open_connections(&server.handle, 0).await;
    let mut next = connect(&server.handle).await;
    next.write_all(list_request().as_bytes())
        .await
        .expect("send");
    let served = promptly("the answer", read_answer(&mut next))
        .await
        .expect("an answer");
    assert_eq!(served.status, 200);
    server.handle.shutdown().await;
}

/// A list of ~900 KiB: 3,000 users with long addresses.
async fn share_with_3000_users(server: &TestServer) -> usize {
    let users: Vec<String> = (0..3000)
        .map(|i| format!("{}{i:04}@example.com", "u".repeat(280)))
        .collect();
    let request = ShareRequest::write(&users, [""; 0]).expect("valid request");
    server
        .store
        .session("alice")
        .create_or_update(&server.dataset, &request)
        .await
        .expect("shared");
    users.iter().map(|user| user.len() + 3).sum()
}

#[tokio::test(start_paused = true)]
async fn clients_that_never_read_lose_their_connections_at_the_write_deadline() {
    const CLIENTS: usize = 8;
    const PIPELINED: usize = 8;
    let server = TestServer::start_with(|config| {
        config
            .with_write_timeout(Duration::from_secs(5))
            .with_header_read_timeout(Duration::from_secs(600))
            .with_idle_timeout(Duration::from_secs(600))
    })
    .await;
    let list_bytes = share_with_3000_users(&server).await;
    assert!(list_bytes > 850_000, "{list_bytes}");

    // Each client asks for the list 8 times (7 MB of answers) and reads nothing,
    // with a small receive buffer: the server's writes stall.
    let mut careless = Vec::new();
    for _ in 0..CLIENTS {
        let socket = TcpSocket::new_v4().expect("socket");
        socket.set_recv_buffer_size(4096).expect("buffer size");
        let mut stream = promptly("connect", socket.connect(server.handle.local_addr()))
            .await
            .expect("connect");
        stream
            .write_all(list_request().repeat(PIPELINED).as_bytes())
            .await
            .expect("send");
        careless.push(stream);
    }
    until_open_connections(&server.handle, CLIENTS).await;
    let started = Instant::now();

    // Before the deadline the server holds them all, and still serves others.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(server.handle.open_connections(), CLIENTS);
    let mut polite = connect(&server.handle).await;
    polite
        .write_all(list_request().as_bytes())
        .await
        .expect("send");
    let answer = promptly("the answer", read_answer(&mut polite))
        .await
        .expect("an answer");
    assert_eq!(answer.status, 200);
    drop(polite);
    until_open_connections(&server.handle, CLIENTS).await;

    // Then the write deadline lets go of every careless connection, though the
    // clients keep them open.
    within(Duration::from_secs(60), "the write deadline", async {
        while server.handle.open_connections() > 0 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(5),
        "let go after {waited:?}: before the deadline"
    );
    assert_eq!(
        careless.len(),
        CLIENTS,
        "the clients still hold their sockets"
    );
    server.handle.shutdown().await;
}
