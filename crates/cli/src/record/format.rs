//! The recording file, format 1 (JSON), as `docs/fidelity.md` documents it: what
//! `collab record` writes and `collab check-drift` reads. No field ever holds a
//! credential: callers are named by placeholders (`<user:1>`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The one format version this build writes and reads.
pub(crate) const FORMAT: u32 = 1;

/// The request headers kept in a recording and forwarded upstream (besides
/// `Authorization`, which is forwarded as given and recorded as a placeholder).
/// `user-agent` stays: it chooses the wire generation the API answers in.
pub(crate) const REQUEST_HEADERS: &[&str] = &["accept", "content-type", "user-agent"];
/// The answer headers kept in a recording and returned to the caller.
pub(crate) const RESPONSE_HEADERS: &[&str] = &["allow", "content-type", "retry-after"];

/// A whole recording.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Recording {
    /// Always [`FORMAT`].
    pub(crate) format: u32,
    /// When the recording stopped (RFC 3339, UTC).
    pub(crate) recorded_at: String,
    /// The API recorded (scheme, host, port and path; never a query or user info).
    pub(crate) upstream: String,
    /// The tool that recorded, e.g. `collab 0.1.0`.
    pub(crate) recorder: String,
    /// Every distinct credential seen, as its placeholder.
    pub(crate) callers: Vec<Caller>,
    /// Each dataset touched: its configs before the first request and after the last.
    pub(crate) datasets: Vec<DatasetStates>,
    /// The requests and answers, in the order the upstream answered them.
    pub(crate) steps: Vec<Step>,
    /// Differences known and accepted (a documented gap of the fake), each with why:
    /// counted in the report, not hidden.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) gaps: Vec<Gap>,
}

/// A caller: one distinct credential, never the credential itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Caller {
    /// `<user:N>`, as it stands in the steps' queries and `Authorization` headers.
    pub(crate) placeholder: String,
    /// Whether the upstream accepted the credential.
    pub(crate) credential: CredentialState,
}

/// What the upstream made of a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum CredentialState {
    /// Never answered `401`: a user of the upstream.
    Valid,
    /// Answered `401` at least once: replayed as a token the fake does not know.
    Invalid,
}

/// A dataset's configs as read from the upstream at the start and at the end.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct DatasetStates {
    /// The dataset's id.
    pub(crate) id: String,
    /// Read before the first request that touched it (absent: no caller had a credential).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) start: Option<StateRead>,
    /// Read when the recording stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) end: Option<StateRead>,
}

/// One read of a dataset's configs (`GET .../collaboration/access`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct StateRead {
    /// Who read it (a placeholder).
    pub(crate) caller: String,
    /// The allowlisted request headers it was read with (the caller's `User-Agent`).
    #[serde(default)]
    pub(crate) headers: BTreeMap<String, String>,
    /// The answer.
    pub(crate) response: Message,
}

/// One request and its answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Step {
    /// What the caller sent.
    pub(crate) request: Request,
    /// What the upstream answered.
    pub(crate) response: Message,
    /// JSON paths of the answer that changed between two reads (`--repeat-reads`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) noise: Vec<String>,
}

/// A request as recorded.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Request {
    /// `GET`, `POST`, ...
    pub(crate) method: String,
    /// The path, without the query.
    pub(crate) path: String,
    /// The query's pairs, decoded, in order; `token`'s value is a placeholder.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) query: Vec<(String, String)>,
    /// Allowlisted headers, lower-case names; `authorization` holds a placeholder.
    #[serde(default)]
    pub(crate) headers: BTreeMap<String, String>,
    /// The body: JSON when it parses as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) body: Option<Value>,
    /// The body when it is not JSON (and not empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) body_text: Option<String>,
}

/// An answer as recorded (or replayed).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Message {
    /// The HTTP status.
    pub(crate) status: u16,
    /// Allowlisted headers, lower-case names.
    #[serde(default)]
    pub(crate) headers: BTreeMap<String, String>,
    /// The body: JSON when it parses as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) body: Option<Value>,
    /// The body when it is not JSON (and not empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) body_text: Option<String>,
}

/// A known difference between the API and the fake.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Gap {
    /// The JSON path it concerns, e.g. `$.error` or `$[*].creator` (see the report's paths).
    pub(crate) path: String,
    /// Why the fake answers otherwise.
    pub(crate) reason: String,
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
