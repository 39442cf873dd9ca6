//! Every class of failure answers a 4xx (or a backend's 5xx) with an
//! `ApiErrorResponse` body, and bad input changes nothing.

use crate::support::backends::{FailingRepository, PanickingRepository};
use crate::support::{ALICE, DATASET, TestServer, UNKNOWN_CONFIG, UNKNOWN_DATASET, expect_error};
use collab_core::{ApiErrorCode, Error};
use reqwest::StatusCode;
use serde_json::json;

const BAD_ID: &str = "not-an-id-0123";

#[tokio::test]
async fn a_malformed_dataset_id_answers_400_naming_it_on_every_route() {
    let server = TestServer::start().await;
    let requests = [
        server.client.get(server.access_url(BAD_ID)),
        server
            .client
            .post(server.access_url(BAD_ID))
            .json(&json!({"accessType": "WRITE"})),
        server
            .client
            .delete(server.config_url(BAD_ID, UNKNOWN_CONFIG)),
    ];
    for request in requests {
        let response = request.bearer_auth(ALICE).send().await.expect("request");
        let body = expect_error(response, StatusCode::BAD_REQUEST, ApiErrorCode::BadRequest).await;
        assert!(
            body.message.contains("dataset id") && body.message.contains(BAD_ID),
            "{}",
            body.message
        );
    }
}

#[tokio::test]
async fn a_malformed_config_id_answers_400_naming_it() {
    let server = TestServer::start().await;
    // Upper-case hex is not an ObjectId either.
    let bad = "0123456789ABCDEF01234567";
    let response = server
        .client
        .delete(server.config_url(DATASET, bad))
        .bearer_auth(ALICE)
        .send()
        .await
        .expect("request");
    let body = expect_error(response, StatusCode::BAD_REQUEST, ApiErrorCode::BadRequest).await;
    assert!(
        body.message.contains("access config id") && body.message.contains(bad),
        "{}",
        body.message
    );
}

async fn post_raw(server: &TestServer, body: impl Into<reqwest::Body>) -> reqwest::Response {
    server
        .client
        .post(server.access_url(DATASET))
        .bearer_auth(ALICE)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn malformed_json_answers_400_and_changes_nothing() {
    let server = TestServer::start().await;
    let body = expect_error(
        post_raw(&server, r#"{"accessType": "WRITE", "users": ["#).await,
        StatusCode::BAD_REQUEST,
        ApiErrorCode::BadRequest,
    )
    .await;
    assert!(body.message.contains("line 1"), "{}", body.message);
    assert_eq!(server.store.configs(&server.dataset), Some(Vec::new()));
}

#[tokio::test]
async fn a_json_value_of_the_wrong_type_answers_400_naming_the_field() {
    let server = TestServer::start().await;
    for (sent, field) in [
        (
            r#"{"accessType": "WRITE", "users": "ann@example.com"}"#,
            "users",
        ),
        (r#"{"accessType": "WRITE", "teams": [1]}"#, "teams"),
        (r#"["WRITE"]"#, "sequence"),
        (r#"{}"#, "accessType"),
    ] {
        let body = expect_error(
            post_raw(&server, sent).await,
            StatusCode::BAD_REQUEST,
            ApiErrorCode::BadRequest,
        )
        .await;
        assert!(body.message.contains(field), "{sent}: {}", body.message);
    }
}

#[tokio::test]
async fn an_unknown_access_type_answers_400_naming_it() {
    let server = TestServer::start().await;
    let body = expect_error(
        post_raw(&server, r#"{"accessType": "READ"}"#).await,
        StatusCode::BAD_REQUEST,
        ApiErrorCode::BadRequest,
    )
    .await;
    assert!(body.message.contains("READ"), "{}", body.message);
}

#[tokio::test]
async fn a_user_that_is_not_an_e_mail_answers_400_naming_it() {
    let server = TestServer::start().await;
    let body = expect_error(
        post_raw(
            &server,
            r#"{"accessType": "WRITE", "users": ["ann at example"]}"#,
        )
        .await,
        StatusCode::BAD_REQUEST,
        ApiErrorCode::BadRequest,
    )
    .await;
    assert!(body.message.contains("ann at example"), "{}", body.message);
    assert_eq!(server.store.configs(&server.dataset), Some(Vec::new()));
}

#[tokio::test]
async fn a_body_without_a_json_content_type_answers_415() {
    let server = TestServer::start().await;
    let valid = r#"{"accessType": "WRITE"}"#;
    let missing = server
        .client
        .post(server.access_url(DATASET))
        .bearer_auth(ALICE)
        .body(valid)
        .send()
        .await
        .expect("request");
    let body = expect_error(
        missing,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ApiErrorCode::BadRequest,
    )
    .await;
    assert!(
        body.message.contains("application/json"),
        "{}",
        body.message
    );
    let wrong = server
        .client
        .post(server.access_url(DATASET))
        .bearer_auth(ALICE)
        .header("content-type", "text/plain")
        .body(valid)
        .send()
        .await
        .expect("request");
    expect_error(
        wrong,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ApiErrorCode::BadRequest,
    )
    .await;
}

/// Issue 25, defect 1: the content type is a MIME type, not a prefix. `application/jsonx`
/// is not JSON (axum's `Json` answers `415`); `application/json` and `application/*+json`
/// are, with parameters.
#[tokio::test]
async fn a_content_type_that_only_begins_like_json_answers_415_and_writes_nothing() {
    let server = TestServer::start().await;
    let valid = r#"{"accessType": "WRITE", "users": ["ann@example.com"]}"#;
    let post = |content_type: &'static str| {
        server
            .client
            .post(server.access_url(DATASET))
            .bearer_auth(ALICE)
            .header("content-type", content_type)
            .body(valid)
            .send()
    };
    for wrong in ["application/jsonx", "application/json-patch", "text/json"] {
        let response = post(wrong).await.expect("request");
        expect_error(
            response,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiErrorCode::BadRequest,
        )
        .await;
    }
    assert_eq!(
        server.store.configs(&server.dataset),
        Some(Vec::new()),
        "nothing was written"
    );
    for right in [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/vnd.lightly+json",
    ] {
        let response = post(right).await.expect("request");
        assert_eq!(response.status(), StatusCode::CREATED, "{right}");
    }
    server.handle.shutdown().await;
}

#[tokio::test]
async fn an_unknown_route_answers_404_not_found() {
    let server = TestServer::start().await;
    for path in [
        "/v1/datasets",
        "/v2/datasets/0123456789abcdef01234567/collaboration/access",
        "/v1/datasets/0123456789abcdef01234567/collaboration/access/a/b",
    ] {
        let response = server
            .client
            .get(server.url(path))
            .bearer_auth(ALICE)
            .send()
            .await
            .expect("request");
        let body = expect_error(response, StatusCode::NOT_FOUND, ApiErrorCode::NotFound).await;
        assert!(body.message.contains(path), "{}", body.message);
    }
}

#[tokio::test]
async fn a_wrong_method_answers_405_with_the_allowed_ones() {
    let server = TestServer::start().await;
    let response = server
        .client
        .put(server.access_url(DATASET))
        .bearer_auth(ALICE)
        .send()
        .await
        .expect("request");
    let allow = response.headers()["allow"]
        .to_str()
        .expect("text")
        .to_owned();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    let body = expect_error(
        response,
        StatusCode::METHOD_NOT_ALLOWED,
        ApiErrorCode::BadRequest,
    )
    .await;
    assert!(body.message.contains("PUT"), "{}", body.message);
}

const TWO_MIB: usize = 2 * 1024 * 1024;

/// A valid request padded with white space to 2 MiB.
fn padded_body() -> Vec<u8> {
    let mut body = br#"{"accessType": "WRITE"}"#.to_vec();
    body.resize(TWO_MIB, b' ');
    body
}

#[tokio::test]
async fn a_body_over_one_mebibyte_answers_413() {
    let server = TestServer::start().await;
    let body = expect_error(
        post_raw(&server, padded_body()).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        ApiErrorCode::PayloadTooLarge,
    )
    .await;
    assert!(body.message.contains("1048576"), "{}", body.message);
    let delete = server
        .client
        .delete(server.config_url(DATASET, UNKNOWN_CONFIG))
        .bearer_auth(ALICE)
        .header("content-type", "application/json")
        .body(padded_body())
        .send()
        .await
        .expect("request");
    expect_error(
        delete,
        StatusCode::PAYLOAD_TOO_LARGE,
        ApiErrorCode::PayloadTooLarge,
    )
    .await;
    assert_eq!(server.store.configs(&server.dataset), Some(Vec::new()));
}

#[tokio::test]
async fn a_chunked_body_over_one_mebibyte_without_content_length_answers_413() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = TestServer::start().await;
    let stream = tokio::net::TcpStream::connect(server.handle.local_addr())
        .await
        .expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    let head = format!(
        "POST /v1/datasets/{DATASET}/collaboration/access HTTP/1.1\r\nhost: test\r\n\
         authorization: Bearer {ALICE}\r\ncontent-type: application/json\r\n\
         transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
    );
    // The server may answer and close before all of it is sent: write errors are expected.
    let upload = tokio::spawn(async move {
        writer.write_all(head.as_bytes()).await?;
        let chunk = vec![b' '; 64 * 1024];
        for _ in 0..(TWO_MIB / chunk.len()) {
            writer
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await?;
            writer.write_all(&chunk).await?;
            writer.write_all(b"\r\n").await?;
        }
        writer.write_all(b"0\r\n\r\n").await?;
        std::io::Result::Ok(writer)
    });
    let mut answer = Vec::new();
    reader
        .read_to_end(&mut answer)
        .await
        .expect("read the answer");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413 "), "{answer}");
    assert!(
        answer.contains("content-type: application/json"),
        "{answer}"
    );
    assert!(answer.contains(r#""code":"PAYLOAD_TOO_LARGE""#), "{answer}");
    drop(upload.await);
    assert_eq!(server.store.configs(&server.dataset), Some(Vec::new()));
}

/// `depth` opening brackets, then as many closing ones.
fn nested_arrays(depth: usize) -> String {
    let mut nested = "[".repeat(depth);
    nested.push_str(&"]".repeat(depth));
    nested
}

#[tokio::test]
async fn a_top_level_array_answers_400_at_its_first_bracket() {
    // However deep it goes: the body must be an object, so the first `[` is refused.
    let server = TestServer::start().await;
    let body = expect_error(
        post_raw(&server, nested_arrays(100_000)).await,
        StatusCode::BAD_REQUEST,
        ApiErrorCode::BadRequest,
    )
    .await;
    assert!(
        body.message.contains("invalid type: sequence"),
        "{}",
        body.message
    );
    // Refused where the array opens, not after walking its depth.
    let column: usize = body
        .message
        .rsplit("line 1 column ")
        .next()
        .and_then(|column| column.parse().ok())
        .expect("the message names the column");
    assert!(column <= 1, "{}", body.message);
    assert_eq!(server.store.configs(&server.dataset), Some(Vec::new()));
}

#[tokio::test]
async fn deep_nesting_in_a_known_field_answers_400_and_the_server_keeps_serving() {
    // `users` holds strings: the nested array inside it is refused at its first
    // bracket, before any depth is reached (serde_json's recursion limit never is).
    let server = TestServer::start().await;
    let body = format!(
        r#"{{"accessType": "WRITE", "users": [{}]}}"#,
        nested_arrays(100_000)
    );
    let error = expect_error(
        post_raw(&server, body).await,
        StatusCode::BAD_REQUEST,
        ApiErrorCode::BadRequest,
    )
    .await;
    assert!(
        error.message.contains("users") && error.message.contains("invalid type: sequence"),
        "{}",
        error.message
    );
    assert_eq!(server.store.configs(&server.dataset), Some(Vec::new()));
    // Nothing was harmed: the next request is served as usual.
    server.share(&["ann@example.com"]).await;
    assert_eq!(
        server.store.configs(&server.dataset).map(|c| c.len()),
        Some(1)
    );
}

#[tokio::test]
async fn deep_nesting_in_an_unknown_field_is_skipped_without_harm() {
    // Unknown fields are allowed (later generations add some); serde_json skips their
    // values without recursing, so depth costs nothing beyond the body limit.
    let server = TestServer::start().await;
    let body = format!(
        r#"{{"accessType": "WRITE", "users": ["ann@example.com"], "extra": {}}}"#,
        nested_arrays(100_000)
    );
    assert_eq!(post_raw(&server, body).await.status(), StatusCode::CREATED);
    let configs = server.store.configs(&server.dataset).expect("dataset");
    assert_eq!(configs[0].users, ["ann@example.com"]);
}

#[tokio::test]
async fn an_unknown_dataset_answers_404_dataset_unknown() {
    let server = TestServer::start().await;
    for request in [
        server.client.get(server.access_url(UNKNOWN_DATASET)),
        server
            .client
            .post(server.access_url(UNKNOWN_DATASET))
            .json(&json!({"accessType": "WRITE"})),
        server
            .client
            .delete(server.config_url(UNKNOWN_DATASET, UNKNOWN_CONFIG)),
    ] {
        let response = request.bearer_auth(ALICE).send().await.expect("request");
        let body = expect_error(
            response,
            StatusCode::NOT_FOUND,
            ApiErrorCode::DatasetUnknown,
        )
        .await;
        assert!(body.message.contains(UNKNOWN_DATASET), "{}", body.message);
    }
}

#[tokio::test]
async fn an_unknown_config_in_a_known_dataset_answers_404_access_control_unknown() {
    let server = TestServer::start().await;
    server.share(&["ann@example.com"]).await;
    let response = server
        .client
        .delete(server.config_url(DATASET, UNKNOWN_CONFIG))
        .bearer_auth(ALICE)
        .send()
        .await
        .expect("request");
    let body = expect_error(
        response,
        StatusCode::NOT_FOUND,
        ApiErrorCode::AccessControlUnknown,
    )
    .await;
    assert!(body.message.contains(UNKNOWN_CONFIG), "{}", body.message);
    assert_eq!(
        server.store.configs(&server.dataset).map(|c| c.len()),
        Some(1)
    );
}

#[tokio::test]
async fn a_failing_backend_answers_its_mapped_status_with_retry_after() {
    let config = collab_server::ServerConfig::new(|_: &str| {
        FailingRepository(Error::RateLimited {
            retry_after: Some(std::time::Duration::from_secs(3)),
            request_id: None,
        })
    })
    .with_user("alice", ALICE);
    let server = crate::support::spawn(config).await;
    let response = crate::support::list_as_alice(&server).await;
    assert_eq!(response.headers()["retry-after"], "3");
    expect_error(
        response,
        StatusCode::TOO_MANY_REQUESTS,
        ApiErrorCode::Unknown("TOO_MANY_REQUESTS".into()),
    )
    .await;
}

#[tokio::test]
async fn a_panicking_backend_answers_500_with_a_body_and_the_server_keeps_serving() {
    let config =
        collab_server::ServerConfig::new(|_: &str| PanickingRepository).with_user("alice", ALICE);
    let server = crate::support::spawn(config).await;
    let client = reqwest::Client::new();
    let url = crate::support::list_url(&server);
    for _ in 0..2 {
        let response = client
            .get(&url)
            .bearer_auth(ALICE)
            .send()
            .await
            .expect("request");
        let body = expect_error(
            response,
            StatusCode::INTERNAL_SERVER_ERROR,
            ApiErrorCode::Unknown("INTERNAL_SERVER_ERROR".into()),
        )
        .await;
        assert!(!body.message.contains("backend bug"), "{}", body.message);
    }
}
