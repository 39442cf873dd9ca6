//! Connection deadlines, measured on tokio's paused clock: a client that sends
//! nothing, one that sends its head a byte a second, and a keep-alive connection that
//! goes silent are each closed when their deadline passes, not before.

use std::time::Duration;

use crate::support::TestServer;
use crate::support::poll::{promptly, until_open_connections, within};
use crate::support::raw::{connect, list_request, read_answer, read_until_closed};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::task::JoinHandle;
use tokio::time::Instant;

const SECOND: Duration = Duration::from_secs(1);

/// Sends `head` on `writer` one byte a (paused) second, in a task of its own: the
/// client's own pace, not synchronisation. It panics if the whole head was sent.
fn send_a_byte_a_second(mut writer: OwnedWriteHalf, head: String) -> JoinHandle<()> {
    tokio::spawn(async move {
        for byte in head.as_bytes() {
            if writer.write_all(&[*byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(SECOND).await;
        }
        panic!("the whole head was sent: the server waited too long");
    })
}

#[tokio::test(start_paused = true)]
async fn a_silent_connection_is_closed_at_its_header_deadline() {
    let server = TestServer::start_with(|config| {
        config
            .with_header_read_timeout(Duration::from_secs(10))
            .with_idle_timeout(Duration::from_secs(60))
    })
    .await;
    let mut stream = connect(&server.handle).await;
    until_open_connections(&server.handle, 1).await;
    let connected = Instant::now();
    let received = within(
        Duration::from_secs(120),
        "the close",
        read_until_closed(&mut stream),
    )
    .await;
    let waited = connected.elapsed();
    assert!(received.is_empty(), "no answer to nothing: {received:?}");
    assert!(
        waited >= Duration::from_secs(10) && waited < Duration::from_secs(11),
        "closed after {waited:?}, not at the 10 s header deadline"
    );
    until_open_connections(&server.handle, 0).await;
    server.handle.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_head_sent_a_byte_a_second_is_closed_at_its_header_deadline() {
    let server =
        TestServer::start_with(|config| config.with_header_read_timeout(Duration::from_secs(5)))
            .await;
    let stream = connect(&server.handle).await;
    until_open_connections(&server.handle, 1).await;
    let connected = Instant::now();
    let (mut reader, writer) = stream.into_split();
    let slow_client = send_a_byte_a_second(writer, list_request());
    let received = within(
        Duration::from_secs(60),
        "the close",
        read_until_closed(&mut reader),
    )
    .await;
    let waited = connected.elapsed();
    assert!(
        received.is_empty(),
        "no answer to half a head: {received:?}"
    );
    assert!(
        waited >= Duration::from_secs(5) && waited < Duration::from_secs(6),
        "closed after {waited:?}, not at the 5 s header deadline"
    );
    slow_client.abort();
    until_open_connections(&server.handle, 0).await;
    server.handle.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_next_head_sent_a_byte_a_second_is_closed_at_its_header_deadline_from_its_first_byte() {
    let server = TestServer::start_with(|config| {
        config
            .with_header_read_timeout(Duration::from_secs(5))
            .with_idle_timeout(Duration::from_secs(30))
    })
    .await;
    let stream = connect(&server.handle).await;
    let (mut reader, mut writer) = stream.into_split();
    writer
        .write_all(list_request().as_bytes())
        .await
        .expect("send");
    let first = promptly("the answer", read_answer(&mut reader))
        .await
        .expect("an answer");
    assert_eq!(first.status, 200);
    // Idle for a while (well within the idle deadline), then the next head, slowly.
    tokio::time::sleep(Duration::from_secs(10)).await;
    let head = list_request();
    let begun = Instant::now();
    let slow_client = send_a_byte_a_second(writer, head);
    let received = within(
        Duration::from_secs(60),
        "the close",
        read_until_closed(&mut reader),
    )
    .await;
    let waited = begun.elapsed();
    assert!(
        received.is_empty(),
        "no answer to half a head: {received:?}"
    );
    assert!(
        waited >= Duration::from_secs(5) && waited < Duration::from_secs(6),
        "closed {waited:?} after the next head began, not at the 5 s header deadline"
    );
    slow_client.abort();
    until_open_connections(&server.handle, 0).await;
    server.handle.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn an_idle_keep_alive_connection_is_closed_at_its_idle_deadline() {
    let server = TestServer::start_with(|config| {
        config
            .with_header_read_timeout(Duration::from_secs(10))
            .with_idle_timeout(Duration::from_secs(3))
    })
    .await;
    let mut stream = connect(&server.handle).await;
    stream
        .write_all(list_request().as_bytes())
        .await
        .expect("send");
    let first = promptly("the answer", read_answer(&mut stream))
        .await
        .expect("an answer");
    assert_eq!(first.status, 200);
    // Silent for less than the idle deadline: the connection is kept for the next.
    tokio::time::sleep(Duration::from_secs(2)).await;
    stream
        .write_all(list_request().as_bytes())
        .await
        .expect("send");
    let second = promptly("the second answer", read_answer(&mut stream))
        .await
        .expect("a second answer on the same connection");
    assert_eq!(second.status, 200);
    let answered = Instant::now();
    let received = within(
        Duration::from_secs(60),
        "the close",
        read_until_closed(&mut stream),
    )
    .await;
    let waited = answered.elapsed();
    assert!(received.is_empty(), "{received:?}");
    assert!(
        waited >= Duration::from_secs(3) && waited < Duration::from_secs(4),
        "closed {waited:?} after the answer, not at the 3 s idle deadline"
    );
    until_open_connections(&server.handle, 0).await;
    server.handle.shutdown().await;
}
