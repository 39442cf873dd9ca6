//! `collab check-drift`: `collab-fidelity`'s drift check of a file, or its `--lint`;
//! the report on stdout, the verdict as the exit code.

use collab_fidelity::{DriftCheck, Recording};

use crate::args::CheckDriftArgs;
use crate::failure::Failure;

/// Checks the file: the report to print, and whether the command failed (drift:
/// exit 1). A file that cannot be used is a failure with exit 2.
pub(crate) async fn run(args: &CheckDriftArgs) -> Result<(String, Result<(), Failure>), Failure> {
    let file = args.file.display().to_string();
    // What is wrong with the file, or with replaying it, is a usage failure (exit 2)
    // naming the file.
    let unusable = |why: String| Failure::Usage(format!("{file}: {why}"));
    let text = std::fs::read_to_string(&args.file)
        .map_err(|e| unusable(format!("cannot read it: {e}")))?;
    let recording = Recording::from_json(&text).map_err(|e| unusable(e.to_string()))?;
    if args.lint {
        let suspects = recording.credential_suspects();
        return Ok(lint_report(&file, &suspects, args.json));
    }
    let report = DriftCheck::new()
        .with_file(file.clone())
        .run(&recording)
        .await
        .map_err(|e| unusable(e.to_string()))?;
    let text = if args.json {
        report.json()
    } else {
        report.text()
    };
    let drifts = report.summary.drifts;
    let outcome = if drifts == 0 {
        Ok(())
    } else {
        Err(Failure::Failed(format!(
            "the fake drifted from the recording in {file}: {drifts} differences (see the report)"
        )))
    };
    Ok((text, outcome))
}

fn lint_report(file: &str, suspects: &[String], json: bool) -> (String, Result<(), Failure>) {
    let text = if json {
        let body = serde_json::json!({ "file": file, "suspects": suspects });
        format!(
            "{}\n",
            serde_json::to_string_pretty(&body).unwrap_or_default()
        )
    } else if suspects.is_empty() {
        format!("{file}: nothing looks like a credential\n")
    } else {
        let mut text = String::new();
        for path in suspects {
            text.push_str(&format!("{file}: {path} looks like a credential\n"));
        }
        text
    };
    let outcome = if suspects.is_empty() {
        Ok(())
    } else {
        Err(Failure::Failed(format!(
            "{} values in {file} look like credentials: remove them before sharing it",
            suspects.len()
        )))
    };
    (text, outcome)
}
