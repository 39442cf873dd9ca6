//! The request journal: what the server received, in order, before the answer
//! leaves; filtered; bounded; without tokens.

use collab_server::testing::{RequestFilter, TestServer};
use reqwest::{Client, Method};
use serde_json::json;

use super::{admin, get_as, server, share};
use crate::support::poll::until;

#[tokio::test]
async fn an_entry_is_there_as_soon_as_its_answer_is() {
    let server = server().await;
    assert_eq!(share(&server, &["ann@example.com"]).await, 201);
    let entries = server
        .control()
        .requests(&RequestFilter::new())
        .await
        .unwrap();
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_eq!(entry.method, "POST");
    assert_eq!(
        entry.path,
        format!("/v1/datasets/{}/collaboration/access", server.dataset())
    );
    assert_eq!(entry.user.as_deref(), Some("alice"));
    assert_eq!(entry.dataset, Some(server.dataset()));
    assert_eq!(entry.status, 201);
    assert_eq!(entry.generation, "current");
    assert_eq!(
        entry.body,
        json!({"accessType": "WRITE", "users": ["ann@example.com"]})
    );
    assert!(!entry.body_truncated);
    assert!(entry.latency_ms >= 0.0);
    assert!(entry.time > 1_600_000_000_000, "{}", entry.time);
    assert_eq!(entry.fault, None);
}

#[tokio::test]
async fn the_request_id_is_the_same_in_the_header_the_error_body_and_the_journal() {
    let server = server().await;
    let unknown = "ffffffffffffffffffffffff";
    let answer = get_as(
        format!(
            "{}/v1/datasets/{unknown}/collaboration/access",
            server.url()
        ),
        server.token(),
    )
    .await;
    assert_eq!(answer.status(), 404);
    let header = answer.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(body["requestId"], header);
    let entries = server
        .control()
        .requests(&RequestFilter::new().status(404))
        .await
        .unwrap();
    assert_eq!(entries[0].request_id, header);
    // A caller may choose its id.
    let chosen = Client::new()
        .get(server.access_url(&server.dataset()))
        .bearer_auth(server.token())
        .header("x-request-id", "my-trace-7")
        .send()
        .await
        .unwrap();
    assert_eq!(chosen.headers()["x-request-id"], "my-trace-7");
    let entries = server
        .control()
        .requests(&RequestFilter::new().limit(1))
        .await
        .unwrap();
    assert_eq!(entries[0].request_id, "my-trace-7");
}

#[tokio::test]
async fn refused_requests_are_journaled_and_no_token_ever_is() {
    let server = TestServer::builder()
        .configure(|config| config.with_body_limit(1024))
        .start()
        .await
        .unwrap();
    let client = Client::new();
    // 401 with a token in the query, 413, 400, and a version route.
    let unknown_token = client
        .get(format!(
            "{}?token=secret-guess-123",
            server.access_url(&server.dataset())
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown_token.status(), 401);
    let large = client
        .post(server.access_url(&server.dataset()))
        .bearer_auth(server.token())
        .json(&json!({"accessType": "WRITE", "users": ["x".repeat(4096)]}))
        .send()
        .await
        .unwrap();
    assert_eq!(large.status(), 413);
    let malformed = client
        .get(format!(
            "{}/v1/datasets/nope/collaboration/access?token={}",
            server.url(),
            server.token()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    let version = client
        .get(format!("{}/v1/versions/pip/minimum", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(version.status(), 200);
    // Control requests are not journaled.
    assert_eq!(admin(&server, Method::GET, "/state").await.status(), 200);

    let entries = server
        .control()
        .requests(&RequestFilter::new())
        .await
        .unwrap();
    let statuses: Vec<u16> = entries.iter().map(|e| e.status).collect();
    assert_eq!(statuses, [401, 413, 400, 200]);
    assert_eq!(entries[0].user, None);
    assert!(entries.windows(2).all(|w| w[0].seq < w[1].seq));
    let text = serde_json::to_string(&entries).unwrap();
    for secret in ["secret-guess-123", server.token(), server.admin_token()] {
        assert!(!text.contains(secret), "a token is in the journal: {text}");
    }
}

#[tokio::test]
async fn filters_select_entries_and_since_reads_only_what_is_new() {
    let server = server().await;
    let other = server
        .control()
        .add_dataset(server.user(), None)
        .await
        .unwrap();
    assert_eq!(share(&server, &["a@example.com"]).await, 201);
    let listed = get_as(server.access_url(&other), server.token()).await;
    assert_eq!(listed.status(), 200);
    let control = server.control();
    let on_other = control
        .requests(&RequestFilter::new().dataset(&other))
        .await
        .unwrap();
    assert_eq!(on_other.len(), 1);
    assert_eq!(on_other[0].method, "GET");
    let posts = control
        .requests(&RequestFilter::new().method("post").user("alice"))
        .await
        .unwrap();
    assert_eq!(posts.len(), 1);
    let last = posts[0].seq;
    assert!(
        control
            .requests(&RequestFilter::new().since(last + 1))
            .await
            .unwrap()
            .is_empty()
    );
    let newer = control
        .requests(&RequestFilter::new().since(last))
        .await
        .unwrap();
    assert_eq!(newer.len(), 1);
    // An unknown filter is refused, naming the query.
    let refused = get_as(
        format!("{}/_collab/requests?colour=red", server.url()),
        server.admin_token(),
    )
    .await;
    assert_eq!(refused.status(), 400);
    // Emptying it keeps the sequence going.
    assert_eq!(control.clear_requests().await.unwrap(), 2);
    assert_eq!(share(&server, &["b@example.com"]).await, 201);
    let after = control.requests(&RequestFilter::new()).await.unwrap();
    assert_eq!(after.len(), 1);
    assert!(after[0].seq > last);
}

#[tokio::test]
async fn the_journal_keeps_only_its_size_and_can_be_turned_off() {
    let small = TestServer::builder()
        .with_journal_size(2)
        .start()
        .await
        .unwrap();
    for user in ["a@x.io", "b@x.io", "c@x.io"] {
        assert_eq!(share(&small, &[user]).await, 201);
    }
    let kept = small
        .control()
        .requests(&RequestFilter::new())
        .await
        .unwrap();
    let users: Vec<&str> = kept
        .iter()
        .map(|e| e.body["users"][0].as_str().unwrap())
        .collect();
    assert_eq!(users, ["b@x.io", "c@x.io"]);

    let off = TestServer::builder()
        .with_journal_size(0)
        .start()
        .await
        .unwrap();
    assert_eq!(share(&off, &["a@x.io"]).await, 201);
    assert!(
        off.control()
            .requests(&RequestFilter::new())
            .await
            .unwrap()
            .is_empty()
    );
    let health = off.control().health().await.unwrap();
    assert_eq!(health["journal"]["size"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_refused_over_the_limit_is_journaled_too() {
    let server = TestServer::builder()
        .configure(|config| config.with_max_connections(1))
        .start()
        .await
        .unwrap();
    let held = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    until("the held connection is counted", || {
        server.open_connections() == 1
    })
    .await;
    let refused = get_as(server.access_url(&server.dataset()), server.token()).await;
    assert_eq!(refused.status(), 503);
    let header = refused.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    drop(held);
    until("both connections are closed", || {
        server.open_connections() == 0
    })
    .await;
    let entries = server
        .control()
        .requests(&RequestFilter::new().status(503))
        .await
        .unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(
        entries[0].path,
        format!("/v1/datasets/{}/collaboration/access", server.dataset())
    );
    assert_eq!(
        (entries[0].user.as_deref(), entries[0].request_id.as_str()),
        (None, header.as_str())
    );
}

/// Issue 25, defect 2: a request refused before its handler ran (a `401` on the list
/// or create route) is journaled with its path as received and the dataset it names,
/// so that a filter by path or dataset finds it.
#[tokio::test]
async fn a_401_on_the_list_and_create_routes_is_journaled_with_its_path_and_dataset() {
    let server = server().await;
    let client = Client::new();
    let url = server.access_url(&server.dataset());
    let listed = client
        .get(&url)
        .bearer_auth("not-a-known-token")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 401);
    let created = client
        .post(&url)
        .json(&json!({"accessType": "WRITE", "users": ["ann@example.com"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 401);

    let path = format!("/v1/datasets/{}/collaboration/access", server.dataset());
    let entries = server
        .control()
        .requests(&RequestFilter::new().path(&path))
        .await
        .unwrap();
    let seen: Vec<(&str, u16, &str, Option<String>)> = entries
        .iter()
        .map(|e| {
            (
                e.method.as_str(),
                e.status,
                e.path.as_str(),
                e.dataset.map(|d| d.to_string()),
            )
        })
        .collect();
    let dataset = Some(server.dataset().to_string());
    assert_eq!(
        seen,
        [
            ("GET", 401, path.as_str(), dataset.clone()),
            ("POST", 401, path.as_str(), dataset.clone()),
        ]
    );
    let by_dataset = server
        .control()
        .requests(&RequestFilter::new().dataset(&server.dataset()))
        .await
        .unwrap();
    assert_eq!(by_dataset.len(), 2);
}

/// Issue 25, defect 4: the control prefix is a whole path segment. `/_collabX/...` is
/// an ordinary unknown API path: journaled, and its declared body length checked
/// against the API's limit before a byte of it is read.
#[tokio::test]
async fn a_path_that_only_begins_like_the_control_prefix_is_an_ordinary_api_path() {
    let server = TestServer::builder()
        .configure(|config| config.with_body_limit(1024))
        .start()
        .await
        .unwrap();
    let client = Client::new();
    let unknown = client
        .get(format!("{}/_collabX/health", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let large = client
        .put(format!("{}/_collabX/state", server.url()))
        .bearer_auth(server.admin_token())
        .header("content-type", "application/json")
        .body(vec![b' '; 4096])
        .send()
        .await
        .unwrap();
    assert_eq!(large.status(), 413);
    let body: serde_json::Value = large.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap_or_default().contains("1024"),
        "{body}"
    );

    let entries = server
        .control()
        .requests(&RequestFilter::new())
        .await
        .unwrap();
    let seen: Vec<(&str, &str, u16)> = entries
        .iter()
        .map(|e| (e.method.as_str(), e.path.as_str(), e.status))
        .collect();
    assert_eq!(
        seen,
        [
            ("GET", "/_collabX/health", 404),
            ("PUT", "/_collabX/state", 413)
        ]
    );
}
