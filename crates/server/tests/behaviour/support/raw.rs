//! Raw HTTP/1.1 over a socket, for tests that must control every byte and every
//! moment: a client that sends slowly, never reads, or sends a body it was refused.

use collab_server::ServerHandle;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::TcpStream;

use super::poll::promptly;
use super::{ALICE, DATASET};

/// One answer read off a connection.
#[derive(Debug)]
pub(crate) struct RawAnswer {
    /// The status code.
    pub(crate) status: u16,
    /// The header lines, lower-cased.
    pub(crate) headers: String,
    /// The body (as long as `Content-Length` says).
    pub(crate) body: Vec<u8>,
}

impl RawAnswer {
    /// The value of a header (lower-cased), if present.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            (key.trim() == name).then(|| value.trim())
        })
    }
}

/// Reads one answer; `None` when the connection ends before a whole one.
pub(crate) async fn read_answer(stream: &mut (impl AsyncRead + Unpin)) -> Option<RawAnswer> {
    let mut received = Vec::new();
    let head_end = loop {
        if let Some(end) = find(&received, b"\r\n\r\n") {
            break end;
        }
        let mut chunk = [0u8; 4096];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => received.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&received[..head_end]).to_ascii_lowercase();
    let (status_line, headers) = head.split_once("\r\n").unwrap_or((&head, ""));
    let status = status_line.split(' ').nth(1)?.parse().ok()?;
    let mut answer = RawAnswer {
        status,
        headers: headers.replace("\r\n", "\n"),
        body: received[head_end + 4..].to_vec(),
    };
    let length: usize = answer.header("content-length")?.parse().ok()?;
    while answer.body.len() < length {
        let mut chunk = vec![0u8; (length - answer.body.len()).min(64 * 1024)];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => answer.body.extend_from_slice(&chunk[..n]),
        }
    }
    Some(answer)
}

/// Reads until the server closes the connection (an end of stream or a reset):
/// what arrived before.
pub(crate) async fn read_until_closed(stream: &mut (impl AsyncRead + Unpin)) -> Vec<u8> {
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return received,
            Ok(n) => received.extend_from_slice(&chunk[..n]),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// A connection to `server`, made without letting tokio's paused clock move.
pub(crate) async fn connect(server: &ServerHandle) -> TcpStream {
    promptly("connect", TcpStream::connect(server.local_addr()))
        .await
        .expect("connect")
}

/// A keep-alive `GET` of the test dataset's list, as alice.
pub(crate) fn list_request() -> String {
    format!(
        "GET /v1/datasets/{DATASET}/collaboration/access HTTP/1.1\r\n\
         host: test\r\nauthorization: Bearer {ALICE}\r\n\r\n"
    )
}
