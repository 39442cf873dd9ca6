//! `collab record` as a child process and `collab check-drift` runs, for the tests
//! that record a session and check the fake against it.

use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use super::{Run, ServeProcess, collab_command};

/// Starts `collab record --upstream UPSTREAM --out OUT ARGS` and waits for its first
/// line (`recording on URL`).
pub fn start_recording(upstream: &str, out: &str, args: &[&str]) -> ServeProcess {
    let mut command = collab_command();
    command
        .args(["record", "--upstream", upstream, "--out", out])
        .args(args);
    ServeProcess::spawn_announcing(command, "recording on ")
}

/// Stops a recording (SIGTERM), which writes its file; gives the file's text.
/// Blocking: call it off the runtime when the upstream is in-process.
pub fn stop_recording(recording: ServeProcess, out: &str) -> String {
    assert!(recording.stop(), "collab record exits 0 when stopped");
    std::fs::read_to_string(out).expect("the recording was written")
}

/// Runs `collab check-drift ARGS`, bounded in time.
pub async fn check_drift(args: &[&str]) -> Run {
    let mut command: Command = collab_command();
    command.arg("check-drift").args(args);
    let run = tokio::task::spawn_blocking(move || command.output());
    tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("check-drift finished within 60 s")
        .unwrap()
        .expect("collab started")
        .into()
}

/// `check-drift --json FILE`: the exit code and the report.
pub async fn drift_report(file: &str) -> (i32, Value) {
    let run = check_drift(&["--json", file]).await;
    let report = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("a JSON report ({e}): {run:?}"));
    (run.code, report)
}

/// A finding of a report: (severity, what, path or "").
pub type Finding = (String, String, String);

/// Every finding of a report.
pub fn findings(report: &Value) -> BTreeSet<Finding> {
    let steps = report["steps"].as_array().unwrap().iter();
    let ends = report["endStates"].as_array().unwrap().iter();
    steps
        .chain(ends)
        .flat_map(|part| part["findings"].as_array().unwrap().iter())
        .map(|finding| {
            (
                finding["severity"].as_str().unwrap().to_owned(),
                finding["what"].as_str().unwrap().to_owned(),
                finding["path"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}
