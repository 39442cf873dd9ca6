//! End-to-end: Lightly's two official Python clients, each in the generation of the
//! wire it speaks, against ONE `collab serve` started with no generation flag.
//!
//! - `lightly==1.5.26` (today's generation): `ApiWorkflowClient`'s helpers and its
//!   generated `CollaborationApi` (`tests/python/scenario_current.py`);
//! - `lightly==1.2.30` (the 2022 generation): its generated `VersioningApi` and
//!   `CollaborationApi` (`tests/python/scenario_2022.py`).
//!
//! Each scenario creates, replaces (same id, `createdAt` kept), lists, meets the
//! 400/401/403/404 answers and deletes; then this test reads what they left through
//! `collab-http`. The clients are installed by `tests/python/setup-clients.sh` into
//! `target/python-clients` (or `$COLLAB_PYTHON_CLIENTS`) on first use, as `.ci/run`
//! does; without Python or PyPI the test fails and says what is missing.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use crate::support::ServeProcess;
use crate::support::python::clients_dir;
use crate::support::recorded::{drift_report, findings, start_recording, stop_recording};
use crate::support::served::Scratch;
use collab::core::AccessConfigRepository;
use collab::core::wire::WireGeneration;
use collab::http::HttpRepository;

const OWNER_TOKEN: &str = "py-owner-token-5d1";
const STRANGER_TOKEN: &str = "py-stranger-token-9e2";
const DATASET_2022: &str = "5f0e4a6b2c1d3e4f5a6b7c01";
const DATASET_CURRENT: &str = "5f0e4a6b2c1d3e4f5a6b7c02";
const DATASET_HELPERS: &str = "5f0e4a6b2c1d3e4f5a6b7c03";
const UNKNOWN_DATASET: &str = "aaaaaaaaaaaaaaaaaaaaaaaa";
const UNKNOWN_CONFIG: &str = "eeeeeeeeeeeeeeeeeeeeeeee";

/// Runs one scenario script with the venv's Python; returns its last line of stdout.
async fn run_scenario(venv: &str, script: &str, url: &str, dataset: &str) -> String {
    let python = clients_dir().join(venv).join("bin/python");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python")
        .join(script);
    let mut command = tokio::process::Command::new(&python);
    command
        .arg(&script)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("LIGHTLY_SERVER_LOCATION", url)
        .env("OWNER_TOKEN", OWNER_TOKEN)
        .env("STRANGER_TOKEN", STRANGER_TOKEN)
        .env("DATASET", dataset)
        .env("HELPER_DATASET", DATASET_HELPERS)
        .env("UNKNOWN_DATASET", UNKNOWN_DATASET)
        .env("UNKNOWN_CONFIG", UNKNOWN_CONFIG)
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(120), command.output())
        .await
        .unwrap_or_else(|_| panic!("{} did not finish within 120 s", script.display()))
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{} failed against collab serve:\n{}\n{}",
        script.display(),
        stdout,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout.lines().last().unwrap_or_default().to_owned()
}

fn repository(url: &str, generation: WireGeneration) -> HttpRepository {
    HttpRepository::builder()
        .with_base_url(url)
        .with_api_token(OWNER_TOKEN)
        .with_wire_generation(generation)
        .build()
        .unwrap()
}

/// `collab serve` with the scenarios' owner and stranger and the owner's three datasets.
fn serve_the_scenarios_users() -> ServeProcess {
    let owner = format!("alice={OWNER_TOKEN}");
    let stranger = format!("bob={STRANGER_TOKEN}");
    let datasets = [DATASET_2022, DATASET_CURRENT, DATASET_HELPERS].map(|d| format!("{d}=alice"));
    let mut args = vec!["--user", &owner, "--user", &stranger];
    for dataset in &datasets {
        args.extend(["--dataset", dataset.as_str()]);
    }
    ServeProcess::start(&args)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_official_clients_pass_their_scenario_against_one_server_with_no_generation_flag() {
    clients_dir();
    let served = serve_the_scenarios_users();

    // Both generations at once, on one server.
    let (summary_2022, summary_current) = tokio::join!(
        run_scenario(
            "lightly-1.2.30",
            "scenario_2022.py",
            &served.url,
            DATASET_2022
        ),
        run_scenario(
            "lightly-1.5.26",
            "scenario_current.py",
            &served.url,
            DATASET_CURRENT
        ),
    );
    let summary_2022: serde_json::Value = serde_json::from_str(&summary_2022).unwrap();
    let summary_current: serde_json::Value = serde_json::from_str(&summary_current).unwrap();

    // What the clients left is what Rust reads, in either generation.
    for generation in WireGeneration::ALL {
        let repo = repository(&served.url, generation);
        let kept = repo.list(&DATASET_2022.parse().unwrap()).await.unwrap();
        assert_eq!(kept.len(), 1, "{generation}");
        assert_eq!(
            kept[0].id.to_string(),
            summary_2022["kept"].as_str().unwrap()
        );
        assert_eq!(kept[0].users, ["dee@example.com"]);
        assert_eq!(
            kept[0].teams,
            ["org-2"],
            "the 2022 organizations are today's teams"
        );
        let deleted = repo.list(&DATASET_CURRENT.parse().unwrap()).await.unwrap();
        assert!(deleted.is_empty(), "{deleted:?}");
        let helpers = repo.list(&DATASET_HELPERS.parse().unwrap()).await.unwrap();
        assert_eq!(helpers[0].users, ["cy@example.com"]);
        assert_eq!(
            summary_current["helper_dataset_users"],
            serde_json::json!(["cy@example.com"])
        );
    }
}

/// Both clients' scenarios recorded through `collab record` against a real `collab
/// serve` replay against the fake with no drift and no warning (docs/fidelity.md).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_official_clients_sessions_recorded_through_collab_record_replay_clean() {
    clients_dir();
    let served = serve_the_scenarios_users();
    let scratch = Scratch::new("record-python");
    let out = scratch.file("python.json");
    let recording = start_recording(&served.url, &out, &["--repeat-reads"]);
    run_scenario(
        "lightly-1.2.30",
        "scenario_2022.py",
        &recording.url,
        DATASET_2022,
    )
    .await;
    run_scenario(
        "lightly-1.5.26",
        "scenario_current.py",
        &recording.url,
        DATASET_CURRENT,
    )
    .await;
    let file = tokio::task::spawn_blocking({
        let out = out.clone();
        move || stop_recording(recording, &out)
    })
    .await
    .unwrap();
    assert!(!file.contains(OWNER_TOKEN) && !file.contains(STRANGER_TOKEN));
    assert!(
        file.contains("Swagger-Codegen/1.0.0/python"),
        "the 2022 client was recorded"
    );
    assert!(
        file.contains("OpenAPI-Generator/1.0.0/python"),
        "today's client was recorded"
    );
    let (code, report) = drift_report(&out).await;
    assert_eq!(findings(&report), Default::default(), "{report:#}");
    assert_eq!(code, 0, "{report:#}");
    assert!(
        report["summary"]["steps"].as_u64().unwrap() >= 20,
        "{report:#}"
    );
}

/// The Python snippets of the README, as written: each `VENV/bin/python -c '...'` block.
fn readme_snippets() -> Vec<(String, String)> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let mut snippets = Vec::new();
    let mut rest = readme.as_str();
    while let Some(at) = rest.find("/bin/python -c '") {
        let venv = rest[..at].rsplit(".venvs/").next().unwrap().to_owned();
        let code = &rest[at + "/bin/python -c '".len()..];
        let end = code.find('\'').expect("the snippet's closing quote");
        snippets.push((venv, code[..end].to_owned()));
        rest = &code[end..];
    }
    snippets
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readmes_python_snippets_work_as_written_with_either_client() {
    let snippets = readme_snippets();
    let venvs: Vec<&str> = snippets.iter().map(|(venv, _)| venv.as_str()).collect();
    assert_eq!(
        venvs,
        ["lightly-1.5.26", "lightly-1.2.30"],
        "the README's snippets"
    );
    let served = ServeProcess::start(&["--demo"]);
    for (venv, code) in &snippets {
        let python = clients_dir().join(venv).join("bin/python");
        let code = code.replace("http://127.0.0.1:8080", &served.url);
        let run = tokio::process::Command::new(&python)
            .args(["-c", &code])
            .env("LIGHTLY_SERVER_LOCATION", &served.url)
            .env("LIGHTLY_TOKEN", "demo-token")
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output();
        let output = tokio::time::timeout(Duration::from_secs(120), run)
            .await
            .expect("the snippet finished within 120 s")
            .expect("python started");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("ann@example.com"),
            "{venv} snippet failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_official_clients_raise_their_own_error_on_a_fault_rule() {
    use collab::faults::FaultRule;
    use collab::server::testing::{ControlClient, RequestFilter};

    let owner = format!("alice={OWNER_TOKEN}");
    let dataset = format!("{DATASET_CURRENT}=alice");
    let served = ServeProcess::start(&[
        "--user",
        &owner,
        "--dataset",
        &dataset,
        "--admin-token",
        "py-admin",
    ]);
    let control = ControlClient::new(&served.url, "py-admin");
    for (venv, fields) in [
        ("lightly-1.5.26", vec!["code", "error", "requestId"]),
        ("lightly-1.2.30", vec!["code", "message"]),
    ] {
        control.reset().await.unwrap();
        let mut ids = Vec::new();
        for rule in [
            r#"{"operation": "list", "status": 500, "times": 1}"#,
            r#"{"operation": "list", "status": 403, "code": "USER_ACCOUNT_BLOCKED", "times": 1}"#,
            r#"{"operation": "list", "status": 503, "retryAfter": 1, "times": 1}"#,
        ] {
            ids.push(
                control
                    .arm_fault(&FaultRule::from_json(rule).unwrap())
                    .await
                    .unwrap(),
            );
        }
        let last_line = run_scenario(venv, "fault_errors.py", &served.url, DATASET_CURRENT).await;
        let seen: serde_json::Value = serde_json::from_str(&last_line).unwrap();
        // The 500 and the 403 are raised as the client's ApiException, in its own shape.
        assert_eq!(seen[0]["status"], 500, "{venv}: {seen}");
        assert_eq!(seen[1]["status"], 403, "{venv}: {seen}");
        assert_eq!(
            seen[1]["body"]["code"], "USER_ACCOUNT_BLOCKED",
            "{venv}: {seen}"
        );
        for refusal in &seen.as_array().unwrap()[..2] {
            let mut keys: Vec<&str> = refusal["body"]
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            keys.sort_unstable();
            let mut expected = fields.clone();
            expected.sort_unstable();
            assert_eq!(
                keys, expected,
                "{venv}: the body in its own shape: {refusal}"
            );
        }
        // The 503 carries Retry-After: the client either raises it, or (its urllib3
        // honouring Retry-After) retries once by itself; the journal says which.
        let entries = control
            .requests(&RequestFilter::new().path(&format!(
                "/v1/datasets/{DATASET_CURRENT}/collaboration/access"
            )))
            .await
            .unwrap();
        let last: Vec<(u16, Option<u64>)> = entries
            .iter()
            .skip(2)
            .map(|entry| (entry.status, entry.fault))
            .collect();
        if seen[2]["raised"] == true {
            assert_eq!(seen[2]["status"], 503, "{venv}: {seen}");
            assert_eq!(seen[2]["retryAfter"], "1", "{venv}: {seen}");
            assert_eq!(last, [(503, Some(ids[2]))], "{venv}");
        } else {
            assert_eq!(
                last,
                [(503, Some(ids[2])), (200, None)],
                "{venv}: retried once"
            );
        }
        println!(
            "{venv}: a 503 with Retry-After was {}",
            if seen[2]["raised"] == true {
                "raised"
            } else {
                "retried by the client"
            }
        );
    }
    assert!(served.stop());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_both_official_clients_do_on_each_kind_of_wire_fault() {
    use collab::faults::FaultRule;
    use collab::server::testing::ControlClient;

    let owner = format!("alice={OWNER_TOKEN}");
    let dataset = format!("{DATASET_CURRENT}=alice");
    let served = ServeProcess::start(&[
        "--user",
        &owner,
        "--dataset",
        &dataset,
        "--admin-token",
        "py-admin",
    ]);
    let control = ControlClient::new(&served.url, "py-admin");
    // Each rule fires on every list; `fault_errors.py` lists once, with a 3 s timeout.
    let kinds = [
        ("reset", r#"{"operation": "list", "drop": "reset"}"#),
        ("empty", r#"{"operation": "list", "drop": "empty"}"#),
        (
            "garbage",
            r#"{"operation": "list", "drop": "garbage", "seed": 3}"#,
        ),
        ("truncate", r#"{"operation": "list", "drop": "truncate"}"#),
        ("hang", r#"{"operation": "list", "drop": "hang"}"#),
        (
            "dribble",
            r#"{"operation": "list", "dribble": {"chunks": 2, "overMs": 1000}}"#,
        ),
        (
            "html 200",
            r#"{"operation": "list", "status": 200, "body": "<html>Bad gateway</html>", "headers": {"content-type": "text/html"}}"#,
        ),
        ("503", r#"{"operation": "list", "status": 503}"#),
        (
            "503 retryAfter",
            r#"{"operation": "list", "status": 503, "retryAfter": 1}"#,
        ),
    ];
    for venv in ["lightly-1.5.26", "lightly-1.2.30"] {
        for (kind, rule) in kinds {
            control.disarm_all_faults().await.unwrap();
            control
                .arm_fault(&FaultRule::from_json(rule).unwrap())
                .await
                .unwrap();
            let line = run_scenario(venv, "wire_faults.py", &served.url, DATASET_CURRENT).await;
            let seen: serde_json::Value = serde_json::from_str(&line).unwrap();
            let attempts = control.faults().await.unwrap()[0]["matched"]
                .as_u64()
                .unwrap();
            println!("{venv} | {kind} | attempts {attempts} | {seen}");
            // docs/testing.md's table of client behaviours says what these find.
            match kind {
                // Nothing usable arrived: urllib3 retries 3 times by itself, then
                // raises its own error (not the client's ApiException).
                "reset" | "empty" | "garbage" | "truncate" | "hang" => {
                    assert_eq!(seen["class"], "MaxRetryError", "{venv} {kind}: {seen}");
                    assert_eq!(attempts, 4, "{venv} {kind}");
                }
                "dribble" => {
                    assert_eq!(seen["raised"], false, "{venv} {kind}: {seen}");
                    assert_eq!(attempts, 1, "{venv} {kind}");
                }
                // A body it cannot read: raised while decoding (pydantic's
                // ValidationError, or the 2022 model's ValueError), never retried.
                "html 200" => {
                    assert_eq!(seen["raised"], true, "{venv} {kind}: {seen}");
                    assert_eq!(seen["status"], serde_json::Value::Null, "{venv}: {seen}");
                    assert_eq!(attempts, 1, "{venv} {kind}");
                }
                // Without Retry-After: raised at once. With it: urllib3 waits and
                // retries 3 times, then raises the last 503.
                "503" | "503 retryAfter" => {
                    assert_eq!(seen["status"], 503, "{venv} {kind}: {seen}");
                    assert_eq!(attempts, if kind == "503" { 1 } else { 4 }, "{venv} {kind}");
                }
                _ => unreachable!("{kind}"),
            }
        }
    }
    assert!(served.stop());
}
