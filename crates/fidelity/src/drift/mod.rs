//! Checking the fake against a recording: [`DriftCheck`] replays it against a fresh
//! fake and gives a [`Report`] of where the fake answers otherwise than the recorded
//! API.
//!
//! - [`replay`]: the fake seeded from the start states, the requests sent in order;
//! - [`normalise`]: what the service makes up (ids, times, request ids, list order)
//!   taken out of the comparison, by JSON path;
//! - [`compare`]: the differences and how much each matters;
//! - [`report`]: the report, as text or JSON.

mod compare;
mod normalise;
mod replay;
mod report;

pub use report::{EndStateReport, Finding, Report, Severity, StepReport, Summary};

use crate::{Error, Recording};

/// Replays a [`Recording`] against a fresh in-memory fake, served in-process exactly
/// as `collab serve` serves it, and compares every answer and each dataset's end
/// state with the recorded ones, both normalised (see `docs/fidelity.md`, "What
/// check-drift compares").
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), collab_fidelity::Error> {
/// use collab_fidelity::{DriftCheck, Recording};
///
/// let recording = Recording::from_json(r#"{"format": 1, "recordedAt": "2026-12-01T21:00:00.000Z",
///     "upstream": "https://api.lightly.ai", "recorder": "collab 0.1.0",
///     "callers": [], "datasets": [], "steps": []}"#)?;
/// let report = DriftCheck::new().with_file("session.json").run(&recording).await?;
/// assert!(!report.has_drift());
/// assert!(report.text().starts_with("checked session.json against the fake"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct DriftCheck {
    file: String,
}

impl Default for DriftCheck {
    fn default() -> Self {
        Self::new()
    }
}

impl DriftCheck {
    /// A check whose report names the recording `the recording`.
    pub fn new() -> Self {
        Self {
            file: "the recording".to_owned(),
        }
    }

    /// How the report names the recording (its `file`), e.g. the file's path.
    #[must_use]
    pub fn with_file(mut self, file: impl Into<String>) -> Self {
        self.file = file.into();
        self
    }

    /// Replays `recording` and compares; the drift, if any, is in the report.
    ///
    /// # Errors
    ///
    /// [`Error::UnusableRecording`]: a dataset id that is not one, a start state that
    /// is not a list of configs or was read by no caller of the recording, a step
    /// whose method is not an HTTP method. [`Error::Unavailable`]: the fake could not
    /// start or answer.
    pub async fn run(&self, recording: &Recording) -> Result<Report, Error> {
        replay::replay(recording, self.file.clone()).await
    }
}
