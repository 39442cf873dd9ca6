//! The recording file, format 1 (JSON), as `docs/fidelity.md` documents it: what a
//! [`Recorder`](crate::Recorder) (`collab record`) makes and a
//! [`DriftCheck`](crate::DriftCheck) (`collab check-drift`) reads. No field ever holds
//! a credential: callers are named by placeholders (`<user:1>`).
//!
//! - [`paths`]: JSON paths as the file and the report spell them;
//! - [`secrets`]: credentials replaced by placeholders, and the search of the file's
//!   bytes for them before it is handed out.

pub(crate) mod paths;
pub(crate) mod secrets;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Error;

/// The one format version this build writes and reads.
pub const FORMAT: u32 = 1;

/// The request headers kept in a recording and forwarded upstream (besides
/// `Authorization`, which is forwarded as given and recorded as a placeholder).
/// `user-agent` stays: it chooses the wire generation the API answers in.
pub(crate) const REQUEST_HEADERS: &[&str] = &["accept", "content-type", "user-agent"];
/// The answer headers kept in a recording and returned to the caller.
pub(crate) const RESPONSE_HEADERS: &[&str] = &["allow", "content-type", "retry-after"];

/// A whole recording: the file's one object.
///
/// Its fields are format 1's and stay as they are: a new field would be a new format
/// (and a new [`FORMAT`]), so the struct is not `#[non_exhaustive]`.
///
/// ```
/// use collab_fidelity::{Error, Recording};
///
/// let recording = Recording::from_json(r#"{"format": 1, "recordedAt": "2026-12-01T21:00:00.000Z",
///     "upstream": "https://api.lightly.ai", "recorder": "collab 0.1.0",
///     "callers": [], "datasets": [], "steps": []}"#)?;
/// assert_eq!(recording.upstream, "https://api.lightly.ai");
/// assert!(recording.credential_suspects().is_empty());
///
/// let newer = Recording::from_json(r#"{"format": 9}"#).unwrap_err();
/// assert!(matches!(newer, Error::UnusableRecording { .. }));
/// assert!(newer.to_string().contains("format 9"));
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Recording {
    /// Always [`FORMAT`].
    pub format: u32,
    /// When the recording stopped (RFC 3339, UTC).
    pub recorded_at: String,
    /// The API recorded (scheme, host, port and path; never a query or user info).
    pub upstream: String,
    /// The tool that recorded, e.g. `collab 0.1.0`.
    pub recorder: String,
    /// Every distinct credential seen, as its placeholder.
    pub callers: Vec<Caller>,
    /// Each dataset touched: its configs before the first request and after the last.
    pub datasets: Vec<DatasetStates>,
    /// The requests and answers, in the order the upstream answered them.
    pub steps: Vec<Step>,
    /// Differences known and accepted (a documented gap of the fake), each with why:
    /// counted in the report, not hidden.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gaps: Vec<Gap>,
}

/// A caller: one distinct credential, never the credential itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Caller {
    /// `<user:N>`, as it stands in the steps' queries and `Authorization` headers.
    pub placeholder: String,
    /// Whether the upstream accepted the credential.
    pub credential: CredentialState,
}

/// What the upstream made of a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CredentialState {
    /// Never answered `401`: a user of the upstream.
    Valid,
    /// Answered `401` at least once: replayed as a token the fake does not know.
    Invalid,
}

/// A dataset's configs as read from the upstream at the start and at the end.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DatasetStates {
    /// The dataset's id.
    pub id: String,
    /// Read before the first request that touched it (absent: no caller had a credential).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<StateRead>,
    /// Read when the recording stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<StateRead>,
}

/// One read of a dataset's configs (`GET .../collaboration/access`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StateRead {
    /// Who read it (a placeholder).
    pub caller: String,
    /// The allowlisted request headers it was read with (the caller's `User-Agent`).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The answer.
    pub response: Message,
}

/// One request and its answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Step {
    /// What the caller sent.
    pub request: Request,
    /// What the upstream answered.
    pub response: Message,
    /// JSON paths of the answer that changed between two reads (`--repeat-reads`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub noise: Vec<String>,
}

/// A request as recorded.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query's pairs, decoded, in order; `token`'s value is a placeholder.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub query: Vec<(String, String)>,
    /// Allowlisted headers, lower-case names; `authorization` holds a placeholder.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The body: JSON when it parses as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// The body when it is not JSON (and not empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_text: Option<String>,
}

/// An answer as recorded (or replayed).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Message {
    /// The HTTP status.
    pub status: u16,
    /// Allowlisted headers, lower-case names.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The body: JSON when it parses as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// The body when it is not JSON (and not empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_text: Option<String>,
}

/// A known difference between the API and the fake.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Gap {
    /// The JSON path it concerns, e.g. `$.error` or `$[*].creator` (see the report's paths).
    pub path: String,
    /// Why the fake answers otherwise.
    pub reason: String,
}

impl Recording {
    /// Reads a recording from its file's text, checking that it is one of format
    /// [`FORMAT`].
    ///
    /// # Errors
    ///
    /// [`Error::UnusableRecording`]: not JSON, no `format` number, another format, or
    /// a field that format 1 does not have or spells otherwise.
    pub fn from_json(text: &str) -> Result<Self, Error> {
        let document: Value =
            serde_json::from_str(text).map_err(|e| Error::unusable(format!("not JSON: {e}")))?;
        Self::from_value(document)
    }

    /// Reads a recording from a JSON document already parsed; see
    /// [`from_json`](Self::from_json).
    ///
    /// # Errors
    ///
    /// As [`from_json`](Self::from_json), but for the JSON syntax.
    pub fn from_value(document: Value) -> Result<Self, Error> {
        match document.get("format").and_then(Value::as_u64) {
            Some(format) if format == u64::from(FORMAT) => {}
            Some(format) => {
                return Err(Error::unusable(format!(
                    "a recording of format {format}; this collab reads format {FORMAT}"
                )));
            }
            None => {
                return Err(Error::unusable(
                    "not a recording of `collab record`: no \"format\" number",
                ));
            }
        }
        serde_json::from_value(document)
            .map_err(|e| Error::unusable(format!("not a usable recording: {e}")))
    }

    /// The file's text: pretty JSON, ending with a new line.
    pub fn to_json(&self) -> String {
        // Serialising plain strings, numbers and JSON values cannot fail.
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The JSON paths of the values that look like credentials (see [`lint`](crate::lint)),
    /// for a file written elsewhere or edited by hand: a recording made by a
    /// [`Recorder`](crate::Recorder) holds none.
    pub fn credential_suspects(&self) -> Vec<String> {
        serde_json::to_value(self)
            .map(|document| crate::lint::suspects(&document))
            .unwrap_or_default()
    }
}

impl Gap {
    /// A known gap at `path` (a JSON path such as `$.error`), with why.
    pub fn new(path: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

/// A body as recorded: JSON when it parses, text otherwise, nothing when empty.
pub(crate) fn body_of(text: &str) -> (Option<Value>, Option<String>) {
    if text.is_empty() {
        return (None, None);
    }
    match serde_json::from_str(text) {
        Ok(json) => (Some(json), None),
        Err(_) => (None, Some(text.to_owned())),
    }
}

/// The dataset a path is about: `/v1/datasets/{id}/...`.
pub(crate) fn dataset_of(path: &str) -> Option<&str> {
    let mut segments = path.trim_start_matches('/').split('/');
    match (segments.next(), segments.next(), segments.next()) {
        (Some("v1"), Some("datasets"), Some(id)) if !id.is_empty() => Some(id),
        _ => None,
    }
}

/// The path that lists a dataset's configs.
pub(crate) fn configs_path(dataset: &str) -> String {
    format!("/v1/datasets/{dataset}/collaboration/access")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dataset_of_a_path_is_its_third_segment_under_v1_datasets() {
        assert_eq!(
            dataset_of("/v1/datasets/5f0e4a6b2c1d3e4f5a6b7c8d/collaboration/access"),
            Some("5f0e4a6b2c1d3e4f5a6b7c8d")
        );
        assert_eq!(dataset_of("/v1/versions/pip/minimum"), None);
        assert_eq!(dataset_of("/v1/datasets/"), None);
    }

    #[test]
    fn a_body_is_json_text_or_nothing() {
        assert_eq!(body_of(""), (None, None));
        assert_eq!(body_of("[1]"), (Some(serde_json::json!([1])), None));
        assert_eq!(body_of("nope"), (None, Some("nope".to_owned())));
    }
}
