//! `collab check-drift`: replays a recording made by `collab record` against a fresh
//! fake and reports where the fake answers otherwise than the recorded API.
//!
//! - [`replay`]: the fake seeded from the start states, the requests sent in order;
//! - [`normalise`]: what the service makes up (ids, times, request ids, list order)
//!   taken out of the comparison, by JSON path;
//! - [`compare`]: the differences and how much each matters;
//! - [`report`]: the report, as text or JSON;
//! - [`lint`]: `--lint`, the search of a file for values that look like credentials.

mod compare;
mod lint;
mod normalise;
mod replay;
mod report;

use std::path::Path;

use serde_json::Value;

use crate::args::CheckDriftArgs;
use crate::failure::Failure;
use crate::record::format::{FORMAT, Recording};

/// Checks the file: the report to print, and whether the command failed (drift:
/// exit 1). A file that cannot be used is a failure with exit 2.
pub(crate) async fn run(args: &CheckDriftArgs) -> Result<(String, Result<(), Failure>), Failure> {
    let (document, recording) = read(&args.file)?;
    let file = args.file.display().to_string();
    if args.lint {
        let suspects = lint::suspects(&document);
        return Ok(lint_report(&file, &suspects, args.json));
    }
    let report = replay::replay(&recording, file.clone())
        .await
        .map_err(|why| Failure::Usage(format!("{file}: {why}")))?;
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

/// The file, as JSON and as a recording; what is wrong with it is a usage failure
/// (exit 2) naming the file.
fn read(path: &Path) -> Result<(Value, Recording), Failure> {
    let file = path.display();
    let unusable = |why: String| Failure::Usage(format!("{file}: {why}"));
    let text =
        std::fs::read_to_string(path).map_err(|e| unusable(format!("cannot read it: {e}")))?;
    let document: Value =
        serde_json::from_str(&text).map_err(|e| unusable(format!("not JSON: {e}")))?;
    match document.get("format").and_then(Value::as_u64) {
        Some(format) if format == u64::from(FORMAT) => {}
        Some(format) => {
            return Err(unusable(format!(
                "a recording of format {format}; this collab reads format {FORMAT}"
            )));
        }
        None => {
            return Err(unusable(
                "not a recording of `collab record`: no \"format\" number".to_owned(),
            ));
        }
    }
    let recording = serde_json::from_value(document.clone())
        .map_err(|e| unusable(format!("not a usable recording: {e}")))?;
    Ok((document, recording))
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
