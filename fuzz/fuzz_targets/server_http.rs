//! The whole server in-process: raw bytes, as a client would send them on one
//! connection, fed to the real router (`collab_server::router` over the in-memory
//! fake, with its journal, the fake as its state admin, an admin token and two fault
//! rules armed) served by hyper's
//! HTTP/1 connection over `tokio::io::duplex`, on a current-thread runtime with a
//! paused clock (built once; a fresh server per input).
//!
//! Invariants: the server finishes with the connection (within 10 minutes of its
//! paused clock); what it wrote is empty (a close) or one or more well-formed HTTP/1.1
//! responses (HTTP/1.1, or 1.0 to a 1.0 request; httparse; bodies framed by `Content-Length` or chunked); and no answer
//! is a `5xx` unless a fault rule made it (its `x-request-id` has an entry with a
//! `fault` in the journal, `GET /_collab/requests`). A panic anywhere fails the run.
#![no_main]

use std::collections::HashMap;
use std::sync::LazyLock;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use collab_core::DatasetId;
use collab_fake::InMemoryStore;
use collab_faults::FaultRule;
use collab_server::{ServerConfig, router};
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

const ADMIN_TOKEN: &str = "admin-token";

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a runtime")
});

/// A fresh server, as `collab serve` makes one: alice owns one dataset, bob is known,
/// the control plane's state routes work (the fake is the state admin), two fault rules
/// are armed.
fn server() -> Router {
    let dataset: DatasetId = "0123456789abcdef01234567".parse().expect("an id");
    let store = InMemoryStore::new();
    store.add_dataset(dataset, "alice");
    let rules = [
        r#"{"path": "/v1/versions/pip/latest", "status": 503, "retryAfter": 2}"#,
        r#"{"operation": "delete", "status": 500, "times": 1}"#,
    ]
    .map(|rule| FaultRule::from_json(rule).expect("a rule"));
    let start = store.snapshot().expect("a snapshot");
    let sessions = store.clone();
    let config = ServerConfig::new(move |user: &str| sessions.session(user))
        .with_state_admin(store, start)
        .with_user("alice", "alice-token")
        .with_user("bob", "bob-token")
        .with_admin_token(ADMIN_TOKEN)
        .with_faults(rules);
    router(config)
}

/// One response's head and where its body ends, or why the bytes are not one.
struct Parsed {
    status: u16,
    request_id: Option<String>,
    end: usize,
}

/// The response at the start of `bytes`; `bodiless` reads it as a `HEAD`'s answer.
fn parse_response(bytes: &[u8], bodiless: bool) -> Result<Parsed, String> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    let head = match response.parse(bytes) {
        Ok(httparse::Status::Complete(head)) => head,
        Ok(httparse::Status::Partial) => return Err("a response cut short".into()),
        Err(error) => return Err(format!("not a response: {error}")),
    };
    // HTTP/1.1, or 1.0 to a 1.0 request (httparse reads no other version).
    let status = response.code.ok_or("no status")?;
    let header = |name: &str| {
        response
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).into_owned())
    };
    let request_id = header("x-request-id");
    let no_body = bodiless || (100..200).contains(&status) || status == 204 || status == 304;
    let end = if no_body {
        head
    } else if header("transfer-encoding").is_some_and(|te| te.eq_ignore_ascii_case("chunked")) {
        let mut at = head;
        loop {
            let (start, size) = match httparse::parse_chunk_size(&bytes[at..]) {
                Ok(httparse::Status::Complete(chunk)) => chunk,
                _ => return Err("a chunk cut short or malformed".into()),
            };
            let size = usize::try_from(size).map_err(|_| "a chunk too large")?;
            at += start + size;
            if bytes.get(at..at + 2) != Some(b"\r\n") {
                return Err("a chunk without its line end".into());
            }
            at += 2;
            if size == 0 {
                break at;
            }
        }
    } else if let Some(length) = header("content-length") {
        let length: usize = length.trim().parse().map_err(|_| "a bad Content-Length")?;
        if bytes.len() < head + length {
            return Err("a body shorter than its Content-Length".into());
        }
        head + length
    } else {
        bytes.len()
    };
    Ok(Parsed {
        status,
        request_id,
        end,
    })
}

/// Every response in `bytes`, in order.
fn parse_all(mut bytes: &[u8]) -> Vec<Parsed> {
    let mut responses = Vec::new();
    while !bytes.is_empty() {
        // An answer to a HEAD declares a length it does not send: when the bytes after
        // the declared body are no response, read it as bodiless.
        let full = parse_response(bytes, false);
        let parsed = match full {
            Ok(parsed)
                if parsed.end == bytes.len() || bytes[parsed.end..].starts_with(b"HTTP/1.") =>
            {
                parsed
            }
            other => match parse_response(bytes, true) {
                Ok(parsed)
                    if parsed.end == bytes.len() || bytes[parsed.end..].starts_with(b"HTTP/1.") =>
                {
                    parsed
                }
                _ => match other {
                    Ok(parsed) => parsed,
                    Err(why) => panic!("{why}: {:?}", String::from_utf8_lossy(bytes)),
                },
            },
        };
        bytes = &bytes[parsed.end..];
        responses.push(parsed);
    }
    responses
}

/// The fault each journal entry's request met, by request id.
async fn faults_by_request(server: Router) -> HashMap<String, Option<u64>> {
    let request = Request::get("/_collab/requests")
        .header("authorization", format!("Bearer {ADMIN_TOKEN}"))
        .body(Body::empty())
        .expect("a request");
    let response = server.oneshot(request).await.expect("infallible");
    let body = response
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes();
    let journal: Value = serde_json::from_slice(&body).expect("the journal is JSON");
    let entries = journal
        .as_array()
        .or_else(|| journal.get("requests").and_then(Value::as_array))
        .cloned()
        .unwrap_or_default();
    entries
        .iter()
        .filter_map(|entry| {
            let id = entry.get("requestId")?.as_str()?.to_owned();
            Some((id, entry.get("fault").and_then(Value::as_u64)))
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    RUNTIME.block_on(async {
        let server = server();
        let (mut client, served) = tokio::io::duplex(64 * 1024);
        let connection = hyper::server::conn::http1::Builder::new()
            .half_close(true)
            .serve_connection(
                TokioIo::new(served),
                TowerToHyperService::new(server.clone()),
            );
        let exchange = async {
            let send = async {
                // The server may close before it has read everything: that is a close.
                let _ = client.write_all(data).await;
                let _ = client.shutdown().await;
                let mut output = Vec::new();
                let _ = client.read_to_end(&mut output).await;
                output
            };
            let (output, _) = tokio::join!(send, connection);
            output
        };
        let output = tokio::time::timeout(Duration::from_secs(600), exchange)
            .await
            .expect("the server finished with the connection");
        let responses = parse_all(&output);
        if responses.iter().any(|r| r.status >= 500) {
            let faults = faults_by_request(server).await;
            for response in responses.iter().filter(|r| r.status >= 500) {
                let id = response
                    .request_id
                    .as_deref()
                    .unwrap_or_else(|| panic!("a {} without a request id", response.status));
                assert!(
                    matches!(faults.get(id), Some(Some(_))),
                    "a {} that no fault rule made (request {id})",
                    response.status
                );
            }
        }
    });
});
