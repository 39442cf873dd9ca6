//! Verification of the journal and named snapshots of the state, as a test suite uses
//! them; and the control plane's OpenAPI document, checked against its router.

use reqwest::Method;
use serde_json::{Value, json};

use super::{admin, admin_json, server, share, status_and_json};

#[tokio::test]
async fn verify_counts_the_matching_requests_and_shows_the_nearest_when_it_fails() {
    let server = server().await;
    assert_eq!(
        share(&server, &["ann@example.com", "bob@example.com"]).await,
        201
    );
    let dataset = server.dataset().to_string();

    let held = json!({"method": "post", "dataset": dataset,
        "body": {"contains": {"users": ["bob@example.com", "ann@example.com"]}},
        "count": {"exactly": 1}});
    let (status, verdict) =
        status_and_json(admin_json(&server, Method::POST, "/requests/verify", &held).await).await;
    assert_eq!(status, 200, "{verdict}");
    assert_eq!(verdict, json!({"held": true, "count": 1, "nearest": []}));

    let missed = json!({"method": "POST", "status": 200});
    let (_, verdict) =
        status_and_json(admin_json(&server, Method::POST, "/requests/verify", &missed).await).await;
    assert_eq!(verdict["held"], false);
    assert_eq!(verdict["count"], 0);
    let nearest = verdict["nearest"].as_array().expect("nearest entries");
    assert_eq!(nearest.len(), 1, "{verdict}");
    assert_eq!(nearest[0]["entry"]["method"], "POST");
    assert_eq!(
        nearest[0]["differences"],
        json!([{"field": "status", "expected": 200, "actual": 201}])
    );
}

#[tokio::test]
async fn a_bad_verification_pattern_is_a_400_naming_its_field() {
    let server = server().await;
    for (pattern, field) in [
        (json!({"count": {"exactly": "one"}}), "count.exactly"),
        (json!({"operation": "share"}), "operation"),
        (json!({"body": {"matches": 1}}), "body"),
    ] {
        let (status, body) =
            status_and_json(admin_json(&server, Method::POST, "/requests/verify", &pattern).await)
                .await;
        assert_eq!(status, 400, "{pattern}: {body}");
        assert_eq!(body["path"], field, "{pattern}: {body}");
    }
}

#[tokio::test]
async fn a_snapshot_restores_the_state_as_saved_and_reset_still_goes_to_the_start() {
    let server = server().await;
    let (status, start) = status_and_json(admin(&server, Method::GET, "/state").await).await;
    assert_eq!(status, 200);
    assert_eq!(share(&server, &["ann@example.com"]).await, 201);
    let (_, shared) = status_and_json(admin(&server, Method::GET, "/state").await).await;

    let (status, saved) =
        status_and_json(admin(&server, Method::POST, "/snapshots/shared-with-ann").await).await;
    assert_eq!(status, 201, "{saved}");
    assert_eq!(saved["name"], "shared-with-ann");
    assert!(saved["size"].as_u64().unwrap() > 0);

    assert_eq!(share(&server, &["bob@example.com"]).await, 201);
    let (status, listed) = status_and_json(admin(&server, Method::GET, "/snapshots").await).await;
    assert_eq!(status, 200);
    assert_eq!(listed["snapshots"][0]["name"], "shared-with-ann");

    let (status, body) =
        status_and_json(admin(&server, Method::POST, "/snapshots/shared-with-ann/restore").await)
            .await;
    assert_eq!(status, 200, "{body}");
    let (_, restored) = status_and_json(admin(&server, Method::GET, "/state").await).await;
    assert_eq!(restored, shared, "ids and times as saved");

    let (status, _) = status_and_json(admin(&server, Method::POST, "/reset").await).await;
    assert_eq!(status, 200);
    let (_, after_reset) = status_and_json(admin(&server, Method::GET, "/state").await).await;
    assert_eq!(
        after_reset, start,
        "reset goes back to the start, not to a snapshot"
    );

    let (status, _) =
        status_and_json(admin(&server, Method::DELETE, "/snapshots/shared-with-ann").await).await;
    assert_eq!(status, 200);
    let (status, body) =
        status_and_json(admin(&server, Method::POST, "/snapshots/shared-with-ann/restore").await)
            .await;
    assert_eq!(status, 404, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("shared-with-ann"),
        "{body}"
    );
    let (status, body) =
        status_and_json(admin(&server, Method::POST, "/snapshots/not%20a%20name").await).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["path"], "name");
}

#[tokio::test]
async fn the_state_document_writes_every_list_even_empty() {
    let server = server().await;
    let (_, state) = status_and_json(admin(&server, Method::GET, "/state").await).await;
    for dataset in state["datasets"]
        .as_array()
        .expect("datasets is always written")
    {
        assert!(
            dataset["configs"].is_array(),
            "configs is always written: {state}"
        );
    }
    assert!(state["users"].is_array(), "{state}");
}

/// The control routes the router serves, read from its source: each
/// `.route("PATH", get(..).post(..))` with its methods.
fn routed() -> Vec<(String, Vec<String>)> {
    let source = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/control/routes.rs"
    ));
    let mut routes = Vec::new();
    for chunk in source.split(".route(").skip(1) {
        let Some(path) = chunk.split('"').nth(1) else {
            continue;
        };
        let call = chunk.split("\n        .").next().unwrap_or(chunk);
        let mut methods: Vec<String> = ["get", "put", "post", "delete", "patch"]
            .into_iter()
            .filter(|method| {
                call.contains(&format!("{method}(")) || call.contains(&format!(".{method}("))
            })
            .map(str::to_owned)
            .collect();
        methods.sort();
        routes.push((format!("/_collab{path}"), methods));
    }
    routes.sort();
    routes
}

#[tokio::test]
async fn the_openapi_document_describes_every_control_route_and_no_other() {
    let document: Value =
        serde_json::from_str(collab_server::CONTROL_OPENAPI_JSON).expect("the document is JSON");
    let mut documented: Vec<(String, Vec<String>)> = document["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .map(|(path, item)| {
            let mut methods: Vec<String> = item.as_object().unwrap().keys().cloned().collect();
            methods.sort();
            (path.clone(), methods)
        })
        .collect();
    documented.sort();
    assert_eq!(documented, routed(), "the document and the router differ");

    // And the router answers each documented method (not 404 or 405).
    let server = server().await;
    for (path, methods) in &documented {
        let route = path
            .trim_start_matches("/_collab")
            .replace("{id}", "999")
            .replace("{name}", "probe");
        for method in methods {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let status = admin(&server, method.clone(), &route)
                .await
                .status()
                .as_u16();
            let routed = status != 405
                && !(status == 404 && !route.contains("999") && !route.contains("probe"));
            assert!(routed, "{method} {route} answered {status}");
        }
    }
}

#[tokio::test]
async fn the_typed_client_verifies_and_explains_a_failure() {
    use collab_server::testing::{RequestPattern, Times};
    let server = server().await;
    assert_eq!(share(&server, &["ann@example.com"]).await, 201);
    let control = server.control().clone();
    control
        .assert_requests(
            &RequestPattern::new()
                .method("POST")
                .times(Times::Exactly(1)),
        )
        .await;

    let pattern = RequestPattern::new()
        .method("POST")
        .body_contains(json!({"users": ["bob@example.com"]}));
    let verdict = control.verify(&pattern).await.expect("verified");
    assert!(!verdict.held);
    let message = verdict.explain(&pattern);
    assert!(message.contains("0 matched"), "{message}");
    assert!(message.contains("body: expected"), "{message}");
    assert!(message.contains("bob@example.com"), "{message}");

    let failed = tokio::spawn(async move { control.assert_requests(&pattern).await })
        .await
        .expect_err("the assertion panics");
    let panic = failed.into_panic();
    let text = panic.downcast_ref::<String>().expect("a panic message");
    assert_eq!(text, &message);

    control_snapshots_round_trip(&server).await;
}

async fn control_snapshots_round_trip(server: &collab_server::testing::TestServer) {
    let control = server.control();
    control.save_snapshot("one").await.expect("saved");
    assert_eq!(control.snapshots().await.unwrap()[0]["name"], "one");
    control.restore_snapshot("one").await.expect("restored");
    control.forget_snapshot("one").await.expect("forgotten");
    let refused = control.restore_snapshot("one").await.expect_err("gone");
    assert_eq!(refused.status(), Some(404));
}
