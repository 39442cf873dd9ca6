//! Shutdown has a deadline: a request in flight is answered with
//! `Connection: close`, and a connection that never completes its request is
//! closed when the grace period ends. Timed on tokio's paused clock.

use std::sync::Arc;
use std::time::Duration;

use crate::support::backends::{Gate, SlowRepository};
use crate::support::poll::{promptly, until_open_connections, until_refused, within};
use crate::support::raw::{connect, list_request, read_answer, read_until_closed};
use crate::support::{ALICE, TestServer};
use collab_server::ServerConfig;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn a_half_sent_request_is_closed_when_the_grace_period_ends() {
    let server = TestServer::start_with(|config| {
        config
            .with_shutdown_grace(Duration::from_secs(2))
            .with_header_read_timeout(Duration::from_secs(600))
    })
    .await;
    let mut stream = connect(&server.handle).await;
    // Past the first 24 bytes (so the connection is HTTP/1), short of the head's end.
    let request = list_request();
    stream
        .write_all(&request.as_bytes()[..60])
        .await
        .expect("send");
    until_open_connections(&server.handle, 1).await;

    let started = Instant::now();
    let shutdown = tokio::spawn(server.handle.shutdown());
    let received = within(
        Duration::from_secs(60),
        "the close",
        read_until_closed(&mut stream),
    )
    .await;
    let waited = started.elapsed();
    assert!(received.is_empty(), "{received:?}");
    assert!(
        waited >= Duration::from_secs(2) && waited < Duration::from_secs(3),
        "closed {waited:?} after the shutdown began, not when the 2 s grace period ended"
    );
    within(Duration::from_secs(1), "the shutdown", shutdown)
        .await
        .expect("shutdown task");
}

#[tokio::test(start_paused = true)]
async fn a_request_in_flight_at_shutdown_is_answered_with_connection_close() {
    let (gate, _dropped) = Gate::new();
    let repository = SlowRepository(Arc::clone(&gate));
    let config = ServerConfig::new(move |_: &str| repository.clone())
        .with_user("alice", ALICE)
        .with_shutdown_grace(Duration::from_secs(60));
    let server = crate::support::spawn(config).await;
    let addr = server.local_addr();
    let mut stream = promptly("connect", TcpStream::connect(addr))
        .await
        .expect("connect");
    stream
        .write_all(list_request().as_bytes())
        .await
        .expect("send");
    promptly("the request in the repository", gate.entered.notified()).await;

    let started = Instant::now();
    let shutdown = tokio::spawn(server.shutdown());
    until_refused(addr).await;
    gate.release.notify_one();
    let answer = promptly("the answer", read_answer(&mut stream))
        .await
        .expect("answered, not dropped");
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("connection"), Some("close"), "{answer:?}");
    assert!(
        promptly("the close", read_until_closed(&mut stream))
            .await
            .is_empty()
    );
    promptly("the shutdown", shutdown)
        .await
        .expect("shutdown task");
    assert_eq!(started.elapsed(), Duration::ZERO, "no deadline was needed");
}
