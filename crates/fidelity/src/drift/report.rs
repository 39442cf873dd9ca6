//! The report of a check: per step and per end state, what differs; as text for
//! people or as one JSON document (`--json`).

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

/// How much a difference matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Severity {
    /// The fake answers otherwise than the API: exit 1.
    Drift,
    /// Worth a look, not a failure (an extra field, another error text).
    Warning,
    /// A difference listed in the recording as a known gap, with its reason.
    Gap,
}

impl Severity {
    fn word(self) -> &'static str {
        match self {
            Self::Drift => "drift",
            Self::Warning => "warning",
            Self::Gap => "known gap",
        }
    }
}

/// One difference.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Finding {
    /// How much it matters.
    pub severity: Severity,
    /// What differs: `status`, `error code`, `missing field`, `type`, `value`,
    /// `body`, `extra field`, `error message`.
    pub what: &'static str,
    /// Where, as a JSON path of the answer's body (none for the status).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The API's value (normalised), if it has one there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api: Option<Value>,
    /// The fake's value (normalised), if it has one there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fake: Option<Value>,
    /// Why, for a known gap.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Finding {
    /// A finding without a reason.
    pub(crate) fn new(
        severity: Severity,
        what: &'static str,
        path: Option<String>,
        api: Option<Value>,
        fake: Option<Value>,
    ) -> Self {
        Self {
            severity,
            what,
            path,
            api,
            fake,
            reason: None,
        }
    }

    fn line(&self) -> String {
        let mut line = format!("{}: {}", self.severity.word(), self.what);
        if let Some(path) = &self.path {
            let _ = write!(line, " at {path}");
        }
        let value = |value: &Option<Value>| match value {
            Some(value) => value.to_string(),
            None => "nothing".to_owned(),
        };
        let _ = write!(
            line,
            ": the API answered {}, the fake {}",
            value(&self.api),
            value(&self.fake)
        );
        if let Some(reason) = &self.reason {
            let _ = write!(line, " ({reason})");
        }
        line
    }
}

/// What one replayed step gave.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StepReport {
    /// Its place in the recording, from 1.
    pub step: usize,
    /// Its method.
    pub method: String,
    /// Its path (as recorded).
    pub path: String,
    /// What differs.
    pub findings: Vec<Finding>,
}

/// What one dataset's end state gave.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EndStateReport {
    /// The dataset.
    pub dataset: String,
    /// What differs.
    pub findings: Vec<Finding>,
}

/// The whole check.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Report {
    /// The recording checked.
    pub file: String,
    /// When it was recorded.
    pub recorded_at: String,
    /// Against what.
    pub upstream: String,
    /// Every step, in order.
    pub steps: Vec<StepReport>,
    /// Every dataset's end state.
    pub end_states: Vec<EndStateReport>,
    /// The counts.
    pub summary: Summary,
}

/// How many of each.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Summary {
    /// Steps replayed.
    pub steps: usize,
    /// End states compared.
    pub end_states: usize,
    /// Differences that are drift.
    pub drifts: usize,
    /// Warnings.
    pub warnings: usize,
    /// Differences at documented gaps.
    pub gaps: usize,
}

impl Report {
    /// A report of these steps and end states, counted.
    pub(crate) fn new(
        file: String,
        recorded_at: String,
        upstream: String,
        steps: Vec<StepReport>,
        end_states: Vec<EndStateReport>,
    ) -> Self {
        let mut summary = Summary {
            steps: steps.len(),
            end_states: end_states.len(),
            ..Summary::default()
        };
        let all = steps
            .iter()
            .flat_map(|s| &s.findings)
            .chain(end_states.iter().flat_map(|e| &e.findings));
        for finding in all {
            match finding.severity {
                Severity::Drift => summary.drifts += 1,
                Severity::Warning => summary.warnings += 1,
                Severity::Gap => summary.gaps += 1,
            }
        }
        Self {
            file,
            recorded_at,
            upstream,
            steps,
            end_states,
            summary,
        }
    }

    /// Whether any finding is drift (what makes `collab check-drift` exit 1).
    pub fn has_drift(&self) -> bool {
        self.summary.drifts > 0
    }

    /// Every finding, of the steps then of the end states.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.steps
            .iter()
            .flat_map(|step| &step.findings)
            .chain(self.end_states.iter().flat_map(|end| &end.findings))
    }

    /// The report for people: one line per difference, then the counts.
    pub fn text(&self) -> String {
        let mut text = format!(
            "checked {} against the fake (recorded {} against {})\n",
            self.file, self.recorded_at, self.upstream
        );
        for step in &self.steps {
            for finding in &step.findings {
                let _ = writeln!(
                    text,
                    "step {} {} {}: {}",
                    step.step,
                    step.method,
                    step.path,
                    finding.line()
                );
            }
        }
        for end in &self.end_states {
            for finding in &end.findings {
                let _ = writeln!(
                    text,
                    "end state of dataset {}: {}",
                    end.dataset,
                    finding.line()
                );
            }
        }
        let s = self.summary;
        let verdict = if s.drifts == 0 { "no drift" } else { "DRIFT" };
        let _ = writeln!(
            text,
            "{verdict}: {} steps and {} end states compared; {} drifts, {} warnings, {} at known gaps",
            s.steps, s.end_states, s.drifts, s.warnings, s.gaps
        );
        text
    }

    /// The report as one JSON document.
    pub fn json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}
