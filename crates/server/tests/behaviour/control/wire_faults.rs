//! Fault rules down to the wire: what arrives on a raw connection for each kind
//! (the exact answer, any route, a clean close, a reset, a cut body, garbage, a
//! dribbled body, a drawn delay), and the journal's mark for each.

use std::time::Duration;

use collab_faults::{FaultRule, Faults, RequestInfo};
use collab_server::testing::{RequestFilter, TestServer};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::{admin_json, server, share};

fn rule(json: Value) -> FaultRule {
    FaultRule::from_value(json).expect("a valid rule")
}

async fn arm(server: &TestServer, json: Value) -> u64 {
    server.control().arm_fault(&rule(json)).await.unwrap()
}

/// What a connection received, read by read, until the server closed it.
struct Received {
    /// Each read's bytes, with when (tokio's clock) it returned.
    reads: Vec<(Instant, Vec<u8>)>,
    /// How the connection ended: `Ok` for a clean close, the error for a reset.
    end: std::io::Result<()>,
}

impl Received {
    fn bytes(&self) -> Vec<u8> {
        self.reads
            .iter()
            .flat_map(|(_, read)| read.clone())
            .collect()
    }

    /// The head (lower-cased, up to the blank line) and the body after it.
    fn head_and_body(&self) -> (String, Vec<u8>) {
        let bytes = self.bytes();
        let end = bytes
            .windows(4)
            .position(|window| window == b"\r\n\r\n")
            .expect("a whole head");
        (
            String::from_utf8_lossy(&bytes[..end]).to_ascii_lowercase(),
            bytes[end + 4..].to_vec(),
        )
    }
}

/// Sends `request` on a new connection and reads until the server closes it
/// (bounded: 1000 reads).
async fn exchange(server: &TestServer, request: &str) -> Received {
    let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut reads = Vec::new();
    let mut chunk = [0u8; 64 * 1024];
    for _ in 0..1000 {
        match stream.read(&mut chunk).await {
            Ok(0) => return Received { reads, end: Ok(()) },
            Ok(n) => reads.push((Instant::now(), chunk[..n].to_vec())),
            Err(error) => {
                return Received {
                    reads,
                    end: Err(error),
                };
            }
        }
    }
    panic!("the server did not close the connection within 1000 reads");
}

/// A `GET` of `path` that asks the server to close the connection after its answer.
fn get(server: &TestServer, path: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nhost: test\r\nauthorization: Bearer {}\r\nconnection: close\r\n\r\n",
        server.token()
    )
}

fn list_path(server: &TestServer) -> String {
    format!("/v1/datasets/{}/collaboration/access", server.dataset())
}

/// The header names of a head, in order, without the status line.
fn header_names(head: &str) -> Vec<&str> {
    head.lines()
        .skip(1)
        .filter_map(|line| line.split_once(':').map(|(name, _)| name.trim()))
        .collect()
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim() == name).then(|| value.trim())
    })
}

#[tokio::test]
async fn a_rules_answer_is_its_status_headers_and_body_and_nothing_else() {
    let server = server().await;
    arm(
        &server,
        json!({"operation": "list", "status": 200, "body": "<html>Bad gateway</html>",
               "headers": {"content-type": "text/html", "x-served-by": "lb-7"}}),
    )
    .await;
    let received = exchange(&server, &get(&server, &list_path(&server))).await;
    let (head, body) = received.head_and_body();
    assert!(head.starts_with("http/1.1 200 ok"), "{head}");
    assert_eq!(body, b"<html>Bad gateway</html>");
    let mut names = header_names(&head);
    names.sort_unstable();
    // The rule's headers, and what every answer has (framing, date, request id).
    assert_eq!(
        names,
        [
            "connection",
            "content-length",
            "content-type",
            "date",
            "x-request-id",
            "x-served-by"
        ]
    );
    assert_eq!(header(&head, "content-type"), Some("text/html"));
}

#[tokio::test]
async fn an_error_status_with_a_body_of_its_own_is_sent_as_it_is() {
    let server = server().await;
    arm(
        &server,
        json!({"operation": "list", "status": 503, "body": "busy", "times": 1}),
    )
    .await;
    arm(
        &server,
        json!({"operation": "list", "status": 500, "body": {"weird": [1, 2]}}),
    )
    .await;
    let text = exchange(&server, &get(&server, &list_path(&server))).await;
    let (head, body) = text.head_and_body();
    assert!(head.starts_with("http/1.1 503"), "{head}");
    assert_eq!(body, b"busy");
    assert_eq!(header(&head, "content-type"), None);
    assert_eq!(header(&head, "retry-after"), None);
    let json = exchange(&server, &get(&server, &list_path(&server))).await;
    let (head, body) = json.head_and_body();
    assert!(head.starts_with("http/1.1 500"), "{head}");
    assert_eq!(header(&head, "content-type"), Some("application/json"));
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        json!({"weird": [1, 2]})
    );
}

#[tokio::test]
async fn an_error_status_without_a_body_answers_the_api_error_with_the_rules_headers() {
    let server = server().await;
    arm(
        &server,
        json!({"operation": "list", "status": 503, "retryAfter": 2, "headers": {"x-why": "drill"}}),
    )
    .await;
    let received = exchange(&server, &get(&server, &list_path(&server))).await;
    let (head, body) = received.head_and_body();
    assert!(head.starts_with("http/1.1 503"), "{head}");
    assert_eq!(header(&head, "retry-after"), Some("2"));
    assert_eq!(header(&head, "x-why"), Some("drill"));
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["code"], "SERVICE_UNAVAILABLE");
}

#[tokio::test]
async fn rules_by_path_fail_the_version_routes_the_openapi_document_and_unknown_routes() {
    let server = server().await;
    arm(&server, json!({"path": "/v1/versions/*", "status": 500})).await;
    arm(
        &server,
        json!({"path": "/openapi.json", "status": 200, "body": "not json"}),
    )
    .await;
    arm(&server, json!({"path": "/nowhere", "status": 418})).await;
    arm(&server, json!({"path": "/v1/datasets/*", "status": 409})).await;
    let status = |received: &Received| received.head_and_body().0[9..12].to_owned();
    for (path, expected) in [
        ("/v1/versions/pip/minimum", "500"),
        ("/v1/versions/pip/latest?current_version=1.5.0", "500"),
        ("/nowhere", "418"),
        ("/elsewhere", "404"),
    ] {
        let received = exchange(&server, &get(&server, path)).await;
        assert_eq!(status(&received), expected, "{path}");
    }
    let openapi = exchange(&server, &get(&server, "/openapi.json")).await;
    assert_eq!(openapi.head_and_body().1, b"not json");
    let list = exchange(&server, &get(&server, &list_path(&server))).await;
    assert_eq!(status(&list), "409");
}

#[tokio::test]
async fn a_rule_on_every_path_leaves_the_control_plane_alone() {
    let server = server().await;
    arm(&server, json!({"path": "/*", "drop": "reset"})).await;
    // The control plane still answers, and can disarm the rule.
    assert_eq!(server.control().faults().await.unwrap().len(), 1);
    server.control().disarm_all_faults().await.unwrap();
    let received = exchange(&server, &get(&server, "/openapi.json")).await;
    assert!(received.head_and_body().0.starts_with("http/1.1 200"));
}

#[tokio::test]
async fn an_empty_drop_closes_cleanly_and_a_reset_resets() {
    let server = server().await;
    let empty = arm(
        &server,
        json!({"operation": "list", "drop": "empty", "times": 1}),
    )
    .await;
    let reset = arm(
        &server,
        json!({"operation": "list", "drop": "reset", "times": 1}),
    )
    .await;
    let closed = exchange(&server, &get(&server, &list_path(&server))).await;
    assert!(closed.bytes().is_empty());
    assert!(closed.end.is_ok(), "a clean close: {:?}", closed.end);
    let reset_connection = exchange(&server, &get(&server, &list_path(&server))).await;
    assert!(reset_connection.bytes().is_empty());
    let error = reset_connection.end.expect_err("a reset");
    assert_eq!(error.kind(), std::io::ErrorKind::ConnectionReset);
    let marks = journal_marks(&server).await;
    assert_eq!(marks, [(0, Some(empty)), (0, Some(reset))]);
}

#[tokio::test]
async fn a_truncated_answer_says_its_whole_length_sends_half_then_closes() {
    let server = server().await;
    assert_eq!(share(&server, &["ann@example.com"]).await, 201);
    let whole = exchange(&server, &get(&server, &list_path(&server))).await;
    let (_, whole_body) = whole.head_and_body();
    let id = arm(&server, json!({"operation": "list", "drop": "truncate"})).await;
    let cut = exchange(&server, &get(&server, &list_path(&server))).await;
    assert!(cut.end.is_ok(), "closed cleanly: {:?}", cut.end);
    let (head, body) = cut.head_and_body();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert_eq!(
        header(&head, "content-length"),
        Some(whole_body.len().to_string().as_str())
    );
    assert!(whole_body.len() >= 2, "a body to cut");
    assert_eq!(body, whole_body[..whole_body.len() / 2]);
    assert_eq!(journal_marks(&server).await.last(), Some(&(200, Some(id))));
}

#[tokio::test]
async fn garbage_is_the_seeds_bytes_then_a_close() {
    let server = server().await;
    let json = json!({"operation": "list", "drop": "garbage", "seed": 11});
    let id = arm(&server, json.clone()).await;
    // The same rule, asked the same call, draws the same bytes.
    let local = Faults::new();
    local.arm(rule(json));
    let expected = local
        .check_request(
            &RequestInfo::new(&list_path(&server)).with_operation(collab_faults::Operation::List),
        )
        .and_then(|fired| fired.garbage)
        .expect("garbage");
    let received = exchange(&server, &get(&server, &list_path(&server))).await;
    assert!(received.end.is_ok(), "closed cleanly: {:?}", received.end);
    assert_eq!(received.bytes(), expected);
    assert!(!received.bytes().starts_with(b"HTTP"));
    assert_eq!(journal_marks(&server).await, [(0, Some(id))]);
}

#[tokio::test(start_paused = true)]
async fn a_dribbled_answer_comes_in_its_pieces_over_its_time() {
    let server = server().await;
    // A list of one config: a body of more bytes than pieces.
    assert_eq!(share(&server, &["ann@example.com"]).await, 201);
    let whole = exchange(&server, &get(&server, &list_path(&server))).await;
    let (_, whole_body) = whole.head_and_body();
    let id = arm(
        &server,
        json!({"operation": "list", "dribble": {"chunks": 4, "overMs": 3000}}),
    )
    .await;
    let mut stream = promptly(TcpStream::connect(server.local_addr()))
        .await
        .unwrap();
    promptly(stream.write_all(get(&server, &list_path(&server)).as_bytes()))
        .await
        .unwrap();
    // The clock moves only when the test moves it: each piece arrives alone, a second
    // after the one before, and not before.
    let mut reads: Vec<Vec<u8>> = Vec::new();
    let mut chunk = [0u8; 64 * 1024];
    for piece in 0..4 {
        if piece > 0 {
            assert!(
                nothing_within_a_moment(&mut stream).await,
                "piece {piece} came early"
            );
            // A millisecond more: timers fire on whole milliseconds.
            tokio::time::advance(Duration::from_millis(1001)).await;
        }
        let n = promptly(stream.read(&mut chunk))
            .await
            .unwrap_or_else(|e| panic!("piece {piece}: {e}"));
        assert!(n > 0, "piece {piece}: the connection closed early");
        reads.push(chunk[..n].to_vec());
    }
    assert_eq!(
        promptly(stream.read(&mut chunk)).await.unwrap(),
        0,
        "then closed"
    );
    let received = Received {
        reads: reads
            .into_iter()
            .map(|read| (Instant::now(), read))
            .collect(),
        end: Ok(()),
    };
    let (head, body) = received.head_and_body();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert_eq!(
        header(&head, "content-length"),
        Some(whole_body.len().to_string().as_str())
    );
    assert_eq!(body, whole_body, "the whole body, in the end");
    assert!(whole_body.len() > 100, "{}", whole_body.len());
    assert_eq!(journal_marks(&server).await.last(), Some(&(200, Some(id))));
}

/// Runs `future` without letting tokio's paused clock move (a step that loopback
/// I/O completes), bounded by 30 s of real time.
async fn promptly<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::pin!(future);
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        tokio::select! {
            biased;
            output = &mut future => return output,
            () = tokio::task::yield_now() => {}
        }
    }
    panic!("not done within 30 s");
}

/// Whether nothing arrives on `stream` within a few hundred turns of the runtime,
/// tokio's paused clock standing still.
async fn nothing_within_a_moment(stream: &mut TcpStream) -> bool {
    let mut probe = [0u8; 1];
    for _ in 0..200 {
        match stream.try_read(&mut probe) {
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                tokio::task::yield_now().await;
            }
            _ => return false,
        }
    }
    true
}

#[tokio::test(start_paused = true)]
async fn a_drawn_delay_is_waited_before_the_answer() {
    let server = server().await;
    let json = json!({"operation": "list", "delay": {"uniform": [1000, 9000]}, "seed": 5});
    arm(&server, json.clone()).await;
    let local = Faults::new();
    local.arm(rule(json));
    let drawn = local
        .check_request(
            &RequestInfo::new(&list_path(&server)).with_operation(collab_faults::Operation::List),
        )
        .and_then(|fired| fired.delay)
        .expect("a drawn delay");
    let started = Instant::now();
    let received = exchange(&server, &get(&server, &list_path(&server))).await;
    let waited = received.reads[0].0.duration_since(started);
    assert!(received.head_and_body().0.starts_with("http/1.1 200"));
    assert!(
        waited >= drawn && waited < drawn + Duration::from_millis(100),
        "waited {waited:?}, drawn {drawn:?}"
    );
}

#[tokio::test]
async fn a_bad_rule_of_the_new_fields_is_refused_naming_the_field() {
    let server = server().await;
    for (body, field) in [
        (
            json!({"operation": "list", "delay": {"uniform": [500, 100]}}),
            "delay.uniform",
        ),
        (
            json!({"operation": "list", "dribble": {"chunks": 0, "overMs": 10}}),
            "dribble.chunks",
        ),
        (json!({"path": "v1/*", "status": 500}), "path"),
        (
            json!({"operation": "list", "drop": "truncate", "status": 500}),
            "drop",
        ),
    ] {
        let answer = admin_json(&server, reqwest::Method::POST, "/faults", &body).await;
        assert_eq!(answer.status(), 400, "{body}");
        let error: Value = answer.json().await.unwrap();
        assert_eq!(error["path"], field, "{body}: {error}");
    }
    assert!(server.control().faults().await.unwrap().is_empty());
}

/// Each journal entry's status and fault mark, oldest first.
async fn journal_marks(server: &TestServer) -> Vec<(u16, Option<u64>)> {
    server
        .control()
        .requests(&RequestFilter::new())
        .await
        .unwrap()
        .iter()
        .map(|entry| (entry.status, entry.fault))
        .collect()
}

#[tokio::test]
async fn the_control_planes_openapi_document_names_every_field_an_armed_rule_shows() {
    let server = server().await;
    for rule in [
        json!({"path": "/v1/*", "status": 200, "body": {"a": 1}, "headers": {"x-a": "b"},
               "delay": {"lognormal": {"medianMs": 5, "sigma": 0.5}}, "dribble": {"chunks": 2, "overMs": 10},
               "after": 1, "times": 2, "probability": 0.5, "seed": 3, "retryAfter": 1}),
        json!({"operation": "list", "dataset": server.dataset().to_string(), "user": "alice",
               "status": 503, "code": "SERVICE_UNAVAILABLE", "applied": true, "delayMs": 5}),
        json!({"operation": "delete", "drop": "garbage", "delay": {"uniform": [1, 2]}}),
    ] {
        arm(&server, rule).await;
    }
    let document: Value = reqwest::get(format!("{}/_collab/openapi.json", server.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let schema = &document["components"]["schemas"]["FaultRule"]["properties"];
    for armed in server.control().faults().await.unwrap() {
        for (field, value) in armed.as_object().unwrap() {
            assert!(
                schema.get(field).is_some(),
                "{field} is not in the document"
            );
            if let Some(allowed) = schema[field]["enum"].as_array() {
                assert!(allowed.contains(value), "{field}: {value}");
            }
        }
    }
    assert!(document["paths"]["/_collab/faults"]["post"].is_object());
}
