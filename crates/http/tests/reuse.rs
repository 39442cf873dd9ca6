//! Connection reuse: a repository and its clones share one client, hence one pool.
//! A minimal HTTP/1.1 server on loopback counts the connections it accepts.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use collab_core::{AccessConfigRepository, DatasetId};
use collab_http::{HttpRepository, RetryPolicy};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

const ANSWER: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n[]";

struct CountingServer {
    url: String,
    accepted: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl CountingServer {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&accepted);
        // Ends when the test aborts it (on drop).
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(answer_every_request(stream));
            }
        });
        Self {
            url,
            accepted,
            task,
        }
    }

    fn connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for CountingServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Answers `[]` to each body-less request on the connection, until the client closes it.
async fn answer_every_request(stream: TcpStream) {
    let mut stream = BufReader::new(stream);
    let mut line = String::new();
    loop {
        // Read one request head: lines up to the empty one.
        loop {
            line.clear();
            match stream.read_line(&mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) if line == "\r\n" => break,
                Ok(_) => {}
            }
        }
        if stream.get_mut().write_all(ANSWER).await.is_err() {
            return;
        }
    }
}

fn dataset() -> DatasetId {
    "0123456789abcdef01234567".parse().unwrap()
}

fn repo(url: &str) -> HttpRepository {
    HttpRepository::builder()
        .with_base_url(url)
        .with_api_token("t")
        .with_retry(RetryPolicy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn clones_reuse_one_connection() {
    let server = CountingServer::start().await;
    let original = repo(&server.url);

    for _ in 0..10 {
        let clone = original.clone();
        assert!(clone.list(&dataset()).await.unwrap().is_empty());
    }

    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn separately_built_repositories_have_separate_pools_unless_given_one_client() {
    let server = CountingServer::start().await;
    for _ in 0..2 {
        repo(&server.url).list(&dataset()).await.unwrap();
    }
    assert_eq!(
        server.connections(),
        2,
        "each built repository has its own pool"
    );

    let shared = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let server = CountingServer::start().await;
    for token in ["a", "b"] {
        HttpRepository::builder()
            .with_base_url(&server.url)
            .with_api_token(token)
            .with_client(shared.clone())
            .build()
            .unwrap()
            .list(&dataset())
            .await
            .unwrap();
    }
    assert_eq!(
        server.connections(),
        1,
        "a caller-supplied client's pool is used"
    );
}
