//! Fault rules met by the clients users have: the real `collab` CLI (with its
//! retries) against the real `collab serve`, steered through the control plane.

use std::time::Instant;

use crate::support::{ServeProcess, run_collab};
use collab::faults::FaultRule;
use collab::server::testing::{ControlClient, RequestFilter};
use serde_json::json;

const ADMIN: &str = "faults-admin-token-2b";
const TOKEN: &str = "alice-token-faults";
const DATASET: &str = "5f0e4a6b2c1d3e4f5a6b7c8d";

fn serve() -> (ServeProcess, ControlClient) {
    let user = format!("alice={TOKEN}");
    let dataset = format!("{DATASET}=alice");
    let served = ServeProcess::start(&[
        "--user",
        &user,
        "--dataset",
        &dataset,
        "--admin-token",
        ADMIN,
    ]);
    let control = ControlClient::new(&served.url, ADMIN);
    (served, control)
}

fn rule(value: serde_json::Value) -> FaultRule {
    FaultRule::from_value(value).expect("a valid rule")
}

#[tokio::test]
async fn one_503_on_list_is_retried_and_the_journal_shows_both_requests() {
    let (served, control) = serve();
    let id = control
        .arm_fault(&rule(
            json!({"operation": "list", "status": 503, "times": 1}),
        ))
        .await
        .unwrap();
    let listed = run_collab(&served.url, Some(TOKEN), &["list", DATASET]).await;
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let entries = control
        .requests(&RequestFilter::new().method("GET"))
        .await
        .unwrap();
    let marks: Vec<(u16, Option<u64>)> = entries.iter().map(|e| (e.status, e.fault)).collect();
    assert_eq!(marks, [(503, Some(id)), (200, None)]);
    assert!(served.stop());
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_for_at_least_that_long() {
    let (served, control) = serve();
    control
        .arm_fault(&rule(
            json!({"operation": "list", "status": 429, "retryAfter": 1, "times": 1}),
        ))
        .await
        .unwrap();
    let started = Instant::now();
    let listed = run_collab(&served.url, Some(TOKEN), &["list", DATASET]).await;
    let waited = started.elapsed();
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    // A lower bound only: the client must not retry before the server said it may.
    assert!(waited.as_millis() >= 1000, "retried after {waited:?}");
    assert!(served.stop());
}

#[tokio::test]
async fn a_dropped_connection_is_a_transport_failure_once_the_retries_are_used_up() {
    let (served, control) = serve();
    control
        .arm_fault(&rule(json!({"operation": "list", "drop": "reset"})))
        .await
        .unwrap();
    let listed = run_collab(&served.url, Some(TOKEN), &["list", DATASET]).await;
    assert_eq!(listed.code, 4, "{}", listed.stderr);
    let entries = control.requests(&RequestFilter::new()).await.unwrap();
    assert!(entries.len() >= 2, "the client retried: {entries:?}");
    assert!(entries.iter().all(|e| e.status == 0 && e.fault.is_some()));
    assert!(served.stop());
}

#[tokio::test]
async fn an_applied_fault_on_a_grant_fails_yet_holds_the_grant_and_a_retried_grant_writes_nothing()
{
    let (served, control) = serve();
    control
        .arm_fault(&rule(
            json!({"operation": "createOrUpdate", "status": 503, "applied": true}),
        ))
        .await
        .unwrap();
    let granted = run_collab(
        &served.url,
        Some(TOKEN),
        &["grant", DATASET, "ann@example.com"],
    )
    .await;
    assert_eq!(
        granted.code, 4,
        "the grant reports a failure: {}",
        granted.stderr
    );
    let dataset = DATASET.parse().unwrap();
    let state = control.state().await.unwrap();
    let config = &state.dataset(&dataset).unwrap().configs[0];
    assert_eq!(
        config.request.users(),
        ["ann@example.com"],
        "yet the config holds it"
    );

    control.disarm_all_faults().await.unwrap();
    let seq = control
        .requests(&RequestFilter::new())
        .await
        .unwrap()
        .last()
        .unwrap()
        .seq;
    let again = run_collab(
        &served.url,
        Some(TOKEN),
        &["grant", DATASET, "ann@example.com"],
    )
    .await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    let after = control
        .requests(&RequestFilter::new().since(seq))
        .await
        .unwrap();
    assert!(
        after.iter().all(|e| e.method == "GET"),
        "nothing written: {after:?}"
    );
    let unchanged = control.state().await.unwrap();
    assert_eq!(unchanged.dataset(&dataset).unwrap().configs[0], *config);
    assert!(served.stop());
}

#[test]
fn a_bad_faults_file_is_refused_at_start_naming_the_file_and_the_field() {
    let scratch = crate::support::served::Scratch::new("bad-faults");
    let file = scratch.file("faults.toml");
    std::fs::write(
        &file,
        "[[faults]]\noperation = \"list\"\nstatus = 503\n\n[[faults]]\noperation = \"list\"\nstatus = 100\n",
    )
    .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let run = runtime.block_on(run_collab(
        "http://127.0.0.1:9",
        None,
        &["serve", "--listen", "127.0.0.1:0", "--faults", &file],
    ));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("faults.toml") && run.stderr.contains("faults[1].status"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "nothing served: {}", run.stdout);
}

#[tokio::test]
async fn rules_from_a_file_are_armed_at_start() {
    let scratch = crate::support::served::Scratch::new("faults-file");
    let file = scratch.file("faults.json");
    std::fs::write(
        &file,
        r#"[{"operation": "list", "status": 503, "times": 1}]"#,
    )
    .unwrap();
    let user = format!("alice={TOKEN}");
    let served = ServeProcess::start(&["--user", &user, "--admin-token", ADMIN, "--faults", &file]);
    let control = ControlClient::new(&served.url, ADMIN);
    let armed = control.faults().await.unwrap();
    assert_eq!((armed.len(), armed[0]["status"].as_u64()), (1, Some(503)));
    assert!(served.stop());
}
