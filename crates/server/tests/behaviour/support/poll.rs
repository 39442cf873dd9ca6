//! Bounded waits, in one place. On tokio's paused clock a test must not let the clock
//! move while loopback I/O or the server's own tasks make progress, so these waits
//! yield instead of sleeping (see [`promptly`]); each is bounded by
//! [`REAL_TIME_BOUND`] of real time and panics naming what did not happen.

use std::future::Future;
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::Duration;

use collab_server::ServerHandle;
use tokio::net::TcpStream;

/// The most real time any of these waits takes before it fails the test.
pub(crate) const REAL_TIME_BOUND: Duration = Duration::from_secs(30);

/// Runs `future` to completion without letting tokio's paused clock move: for a
/// step that loopback I/O completes (an answer to a request), so that no deadline
/// passes while bytes are on their way between the test and the server. Bounded
/// by [`REAL_TIME_BOUND`].
///
/// The paused clock jumps to the next timer whenever every task waits; a task that
/// keeps yielding keeps the runtime busy, while the runtime still polls its I/O.
pub(crate) async fn promptly<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::pin!(future);
    let started = std::time::Instant::now();
    while started.elapsed() < REAL_TIME_BOUND {
        tokio::select! {
            biased;
            output = &mut future => return output,
            () = tokio::task::yield_now() => {}
        }
    }
    panic!("{what}: not done within {REAL_TIME_BOUND:?}");
}

/// Yields until `done` holds, without letting tokio's paused clock move; bounded by
/// [`REAL_TIME_BOUND`].
pub(crate) async fn until(what: &str, done: impl Fn() -> bool) {
    promptly(what, async {
        while !done() {
            tokio::task::yield_now().await;
        }
    })
    .await;
}

/// Waits until the server holds `count` connections: for changes that need only the
/// server's tasks to run, such as accepting a connection or ending one already closed.
pub(crate) async fn until_open_connections(server: &ServerHandle, count: usize) {
    until("the count of open connections", || {
        server.open_connections() == count
    })
    .await;
}

/// Waits until `addr` refuses connections: the listener is closed.
pub(crate) async fn until_refused(addr: SocketAddr) {
    promptly("the listener's close", async {
        loop {
            match TcpStream::connect(addr).await {
                Err(error) if error.kind() == ErrorKind::ConnectionRefused => return,
                _ => tokio::task::yield_now().await,
            }
        }
    })
    .await;
}

/// Runs `future` with at most `within` of tokio's clock; panics naming `what` if it
/// takes longer.
pub(crate) async fn within<T>(within: Duration, what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(within, future)
        .await
        .unwrap_or_else(|_| panic!("{what}: not within {within:?}"))
}
