//! `collab serve`'s control plane, end to end through the real binary: the admin
//! token from the flag or the environment, health, a per-test dataset, the journal
//! of a `collab` command, a reset, `--listen` spellings, and refusals at start.

use crate::support::{ServeProcess, collab_command, run_collab};
use collab::server::testing::{ControlClient, RequestFilter};

const ADMIN: &str = "e2e-admin-token-71c";
const ALICE: &str = "alice=alice-token-e2e";

#[tokio::test]
async fn a_test_suite_steers_the_binary_through_its_control_plane() {
    let served = ServeProcess::start(&["--user", ALICE, "--admin-token", ADMIN]);
    let control = ControlClient::new(&served.url, ADMIN);
    assert_eq!(control.health().await.unwrap()["status"], "ok");
    let dataset = control.add_dataset("alice", None).await.unwrap();

    let granted = run_collab(
        &served.url,
        Some("alice-token-e2e"),
        &["grant", &dataset.to_string(), "ann@example.com"],
    )
    .await;
    assert_eq!(granted.code, 0, "{}", granted.stderr);
    let entries = control
        .requests(&RequestFilter::new().dataset(&dataset))
        .await
        .unwrap();
    let methods: Vec<&str> = entries.iter().map(|e| e.method.as_str()).collect();
    assert_eq!(methods.last(), Some(&"POST"), "{methods:?}");
    let post = entries.last().unwrap();
    assert_eq!(post.status, 201);
    assert_eq!(post.body["users"], serde_json::json!(["ann@example.com"]));
    assert!(entries.iter().all(|e| e.user.as_deref() == Some("alice")));

    control.reset().await.unwrap();
    let state = control.state().await.unwrap();
    assert!(
        state.dataset(&dataset).is_none(),
        "the reset keeps only the start state"
    );
    assert!(
        control
            .requests(&RequestFilter::new())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(served.stop());
}

#[tokio::test]
async fn the_admin_token_comes_from_the_environment_too_and_never_reaches_the_log() {
    let mut command = collab_command();
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--user", ALICE])
        .env("COLLAB_ADMIN_TOKEN", ADMIN);
    let served = ServeProcess::spawn(command);
    let control = ControlClient::new(&served.url, ADMIN);
    let state = control.state().await.unwrap();
    assert_eq!(state.users[0].name, "alice");
    let wrong = ControlClient::new(&served.url, "alice-token-e2e");
    assert_eq!(wrong.state().await.unwrap_err().status(), Some(401));
    assert!(served.stop());
}

#[tokio::test]
async fn without_an_admin_token_the_binary_keeps_its_control_plane_closed() {
    let served = ServeProcess::start(&["--user", ALICE]);
    let control = ControlClient::new(&served.url, "guess");
    assert_eq!(control.health().await.unwrap()["controlPlane"], "closed");
    let refused = control.state().await.unwrap_err();
    assert_eq!(refused.status(), Some(403));
    assert!(refused.to_string().contains("--admin-token"), "{refused}");
    assert!(served.stop());
}

#[test]
fn listen_takes_a_port_alone_and_localhost() {
    for listen in ["0", "localhost:0"] {
        let mut command = collab_command();
        command.args(["serve", "--listen", listen, "--user", ALICE]);
        let served = ServeProcess::spawn(command);
        assert!(
            served.url.starts_with("http://127.0.0.1:"),
            "{}",
            served.url
        );
        assert!(!served.url.ends_with(":0"), "{}", served.url);
        assert!(served.stop());
    }
}

/// `collab serve ARGS` that must refuse to start: its exit code and stderr.
async fn refused_start(args: &[&str]) -> (i32, String) {
    let mut all = vec!["serve", "--listen", "127.0.0.1:0"];
    all.extend_from_slice(args);
    let run = run_collab("http://127.0.0.1:9", None, &all).await;
    (run.code, run.stderr)
}

#[tokio::test]
async fn the_admin_token_of_a_user_and_a_bare_user_flag_are_refused_at_start() {
    let (code, stderr) =
        refused_start(&["--user", ALICE, "--admin-token", "alice-token-e2e"]).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("admin token") && stderr.contains("\"alice\""),
        "{stderr}"
    );
    assert!(!stderr.contains("alice-token-e2e"), "{stderr}");

    let (code, stderr) = refused_start(&["--user", "alice"]).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("--user \"alice\"") && stderr.contains("alice=TOKEN"),
        "{stderr}"
    );

    // Two flags with one token: the error names the flag, not users[0].
    let (code, stderr) = refused_start(&["--user", "a=same-token", "--user", "b=same-token"]).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--user b=…"), "{stderr}");
    assert!(!stderr.contains("same-token"), "{stderr}");
}

#[test]
fn the_demo_banner_prints_the_admin_token_that_opens_the_control_plane() {
    let mut served = ServeProcess::start(&["--demo"]);
    let banner = served.first_lines(2);
    assert!(banner.contains("admin token: demo-admin-token"), "{banner}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let control = ControlClient::new(&served.url, "demo-admin-token");
    let state = runtime.block_on(control.state()).unwrap();
    assert_eq!(state.users[0].name, "demo");
    assert!(served.stop());
}
