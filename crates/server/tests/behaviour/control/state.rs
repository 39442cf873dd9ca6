//! The state out and in, reset, and the users and datasets tests add.

use collab_core::fixtures::{DatasetFixture, Fixtures};
use reqwest::Method;
use serde_json::json;

use super::{admin_json, get_as, server, share, status_and_json};

#[tokio::test]
async fn the_state_is_a_fixture_document_that_restores_the_same_ids_and_times() {
    let server = server().await;
    assert_eq!(share(&server, &["ann@example.com"]).await, 201);
    let taken = server.control().state().await.unwrap();
    let config = &taken.dataset(&server.dataset()).unwrap().configs[0];
    assert_eq!(config.request.users(), ["ann@example.com"]);
    let (id, created) = (config.id.unwrap(), config.created_at.unwrap());

    assert_eq!(share(&server, &["bob@example.com"]).await, 201);
    server.control().put_state(&taken).await.unwrap();
    let restored = server.control().state().await.unwrap();
    assert_eq!(restored, taken);
    let listed = server.store().configs(&server.dataset()).unwrap();
    assert_eq!((listed[0].id, listed[0].created_at), (id, created));
    assert_eq!(listed[0].users, ["ann@example.com"]);
}

#[tokio::test]
async fn a_bad_state_is_refused_naming_the_path_and_nothing_changes() {
    let server = server().await;
    assert_eq!(share(&server, &["ann@example.com"]).await, 201);
    let before = server.control().state().await.unwrap();
    let cases = [
        (
            json!({"users": [{"name": "alice", "token": "t"}], "datasets": [{"id": "nope", "owner": "alice"}]}),
            "datasets[0].id",
        ),
        (
            json!({"users": [{"name": "alice", "token": "t"}], "datasets": [{"id": "0123456789abcdef01234567", "owner": "zed"}]}),
            "datasets[0].owner",
        ),
        (
            json!({"users": [{"name": "alice", "token": "t", "extra": 1}]}),
            "users[0]",
        ),
        (
            json!({"users": [{"name": "a", "token": "same"}, {"name": "b", "token": "same"}]}),
            "users[1].token",
        ),
    ];
    for (body, path) in cases {
        let (status, answer) =
            status_and_json(admin_json(&server, Method::PUT, "/state", &body).await).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(answer["code"], "BAD_REQUEST");
        assert!(
            answer["path"]
                .as_str()
                .unwrap_or_default()
                .starts_with(path),
            "{body}: {answer}"
        );
    }
    assert_eq!(server.control().state().await.unwrap(), before);
}

#[tokio::test]
async fn reset_goes_back_to_the_start_with_the_same_ids_and_empties_the_journal() {
    let server = server().await;
    let start = server.control().state().await.unwrap();
    assert_eq!(share(&server, &["ann@example.com"]).await, 201);
    let other = server
        .control()
        .add_dataset(server.user(), None)
        .await
        .unwrap();
    let guest = server.control().add_user("guest", None).await.unwrap();
    server.control().reset().await.unwrap();
    assert_eq!(server.control().state().await.unwrap(), start);
    assert!(server.store().configs(&other).is_none());
    assert!(
        server
            .control()
            .requests(&Default::default())
            .await
            .unwrap()
            .is_empty()
    );
    // The user added meanwhile is gone, and so is their access.
    let refused = get_as(server.access_url(&server.dataset()), &guest.token).await;
    assert_eq!(refused.status(), 401);
}

#[tokio::test]
async fn reset_keeps_the_configs_of_the_start_state_with_their_ids_and_times() {
    let seeded = Fixtures::from_json(
        r#"{"users": [{"name": "carol", "token": "carol-token"}],
            "datasets": [{"id": "0123456789abcdef01234567", "owner": "carol",
                          "configs": [{"users": ["x@example.com"]}]}]}"#,
        "test.json",
    )
    .unwrap();
    let server = collab_server::testing::TestServer::builder()
        .with_fixtures(seeded)
        .start()
        .await
        .unwrap();
    let dataset = "0123456789abcdef01234567".parse().unwrap();
    let before = server.store().configs(&dataset).unwrap()[0].clone();
    let replaced = reqwest::Client::new()
        .post(server.access_url(&dataset))
        .bearer_auth("carol-token")
        .json(&json!({"accessType": "WRITE", "users": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(replaced.status(), 201);
    server.control().reset().await.unwrap();
    assert_eq!(server.store().configs(&dataset).unwrap()[0], before);
}

#[tokio::test]
async fn a_user_is_added_with_a_token_made_or_given_and_never_twice_differently() {
    let server = server().await;
    let made = server.control().add_user("bob", None).await.unwrap();
    assert_eq!(made.name, "bob");
    assert!(made.token.len() >= 20, "{}", made.token);
    let given = server
        .control()
        .add_user("carol", Some("carol-token"))
        .await
        .unwrap();
    assert_eq!(given.token, "carol-token");
    // bob can call the API at once (a non-owner: 403, not 401).
    let as_bob = get_as(server.access_url(&server.dataset()), &made.token).await;
    assert_eq!(as_bob.status(), 403);
    // The same name with another token: a conflict, and bob keeps his.
    let clash = server
        .control()
        .add_user("bob", Some("other"))
        .await
        .unwrap_err();
    assert_eq!(clash.status(), Some(409));
    let state = server.control().state().await.unwrap();
    assert_eq!(
        state.user("bob").unwrap().token(),
        Some(made.token.as_str())
    );
    // Another user's token: a conflict too, without the token in the message.
    let stolen = server
        .control()
        .add_user("dave", Some("carol-token"))
        .await
        .unwrap_err();
    assert_eq!(stolen.status(), Some(409));
    assert!(!stolen.to_string().contains("carol-token"), "{stolen}");
    // Bad input: a JSON error naming the field.
    let (status, body) =
        status_and_json(admin_json(&server, Method::POST, "/users", &json!({"token": "t"})).await)
            .await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("name"), "{body}");
}

#[tokio::test]
async fn each_test_gets_a_dataset_of_its_own() {
    let server = server().await;
    let first = server
        .control()
        .add_dataset(server.user(), None)
        .await
        .unwrap();
    let second = server
        .control()
        .add_dataset(server.user(), None)
        .await
        .unwrap();
    assert_ne!(first, second);
    let chosen = "00000000000000000000abcd".parse().unwrap();
    assert_eq!(
        server
            .control()
            .add_dataset(server.user(), Some(chosen))
            .await
            .unwrap(),
        chosen
    );
    let taken = server
        .control()
        .add_dataset(server.user(), Some(chosen))
        .await
        .unwrap_err();
    assert_eq!(taken.status(), Some(409));
    let unknown = server.control().add_dataset("zed", None).await.unwrap_err();
    assert_eq!(unknown.status(), Some(400));
    assert!(unknown.to_string().contains("\"zed\""), "{unknown}");
    let state = server.control().state().await.unwrap();
    let ids: Vec<_> = state.datasets.iter().map(|d| d.id).collect();
    assert_eq!(ids.len(), 4, "{ids:?}");
    let mine: &DatasetFixture = state.dataset(&first).unwrap();
    assert_eq!(mine.owner, server.user());
    let listed = get_as(server.access_url(&first), server.token()).await;
    assert_eq!(listed.status(), 200);
    // Bad input: an id that is no ObjectId.
    let (status, body) = status_and_json(
        admin_json(
            &server,
            Method::POST,
            "/datasets",
            &json!({"owner": "alice", "id": "x"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["path"], "id");
}

/// Issue 25, defect 3: a control-plane body declared over the control plane's own
/// limit (64 MiB) is refused with a `413` that names that limit, not the API's.
#[tokio::test]
async fn a_state_declared_over_the_control_limit_is_refused_naming_that_limit() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let server = server().await;
    let mut stream = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    let declared = 64 * 1024 * 1024 + 1;
    let head = format!(
        "PUT /_collab/state HTTP/1.1\r\nhost: test\r\nauthorization: Bearer {}\r\n\
         content-type: application/json\r\ncontent-length: {declared}\r\n\r\n",
        server.admin_token()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // The answer comes before any of the body is sent; the server then closes.
    let mut received = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        let mut chunk = [0u8; 4096];
        while !String::from_utf8_lossy(&received).contains("bytes") {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&chunk[..n]),
            }
        }
    });
    read.await.expect("an answer within 30 s");
    let answer = String::from_utf8_lossy(&received);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("67108864"), "{answer}");
    assert!(!answer.contains("1048576"), "{answer}");
}

#[tokio::test]
async fn a_chunked_state_over_the_control_limit_is_refused_naming_that_limit() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let server = server().await;
    let stream = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let head = format!(
        "PUT /_collab/state HTTP/1.1\r\nhost: test\r\nauthorization: Bearer {}\r\n\
         content-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n",
        server.admin_token()
    );
    // 65 chunks of 1 MiB: no length is declared, so the limit is met as the body is read.
    let send = tokio::spawn(async move {
        writer.write_all(head.as_bytes()).await?;
        let chunk = vec![b' '; 1024 * 1024];
        for _ in 0..65 {
            writer.write_all(b"100000\r\n").await?;
            writer.write_all(&chunk).await?;
            writer.write_all(b"\r\n").await?;
        }
        writer.write_all(b"0\r\n\r\n").await
    });
    let mut received = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        let mut chunk = [0u8; 4096];
        while !String::from_utf8_lossy(&received).contains("bytes") {
            match reader.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&chunk[..n]),
            }
        }
    });
    read.await.expect("an answer within 60 s");
    send.abort();
    let answer = String::from_utf8_lossy(&received);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("67108864"), "{answer}");
    assert!(answer.contains("PAYLOAD_TOO_LARGE"), "{answer}");
}
