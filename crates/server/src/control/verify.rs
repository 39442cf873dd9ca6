//! Verification of the journal: a request pattern and a count
//! (`POST /_collab/requests/verify`), answered with whether the count held, how many
//! entries matched and, when it did not hold, the entries nearest the pattern with the
//! fields in which each differs.
//!
//! The pattern is read against journal entries as the journal shows them (their JSON),
//! so that what a test asserts is exactly what it would read with `GET
//! /_collab/requests`.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::http::json::{JsonRefusal, read_one_json};

/// How many near misses a failed verification shows.
pub(crate) const NEAREST: usize = 3;

/// The operations an entry can name (`operation`), for refusing a misspelt pattern.
pub(crate) const OPERATIONS: [&str; 5] =
    ["list", "createOrUpdate", "delete", "versions", "openapi"];

/// A request pattern and a count, as a test sends them. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Verification {
    operation: Option<String>,
    method: Option<String>,
    path: Option<String>,
    dataset: Option<String>,
    user: Option<String>,
    status: Option<u16>,
    body: Option<BodyPattern>,
    count: Option<Count>,
}

/// What the request body must be.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
enum BodyPattern {
    /// Exactly this JSON value.
    EqualTo(Value),
    /// At least this: an object's fields recursively, an array's elements as a set.
    Contains(Value),
}

/// How many entries must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
enum Count {
    Exactly(u64),
    AtLeast(u64),
    AtMost(u64),
}

impl Count {
    fn holds(self, count: u64) -> bool {
        match self {
            Self::Exactly(n) => count == n,
            Self::AtLeast(n) => count >= n,
            Self::AtMost(n) => count <= n,
        }
    }

    /// Whether `count` is past the count's upper bound (too many, rather than too few).
    fn exceeded_by(self, count: u64) -> bool {
        match self {
            Self::Exactly(n) | Self::AtMost(n) => count > n,
            Self::AtLeast(_) => false,
        }
    }
}

/// A refused pattern: the field at fault and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PatternError {
    /// The field, as a path such as `count.exactly`.
    pub(crate) field: String,
    /// What is wrong with it.
    pub(crate) message: String,
}

/// One field in which an entry differs from the pattern.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub(crate) struct Difference {
    pub(crate) field: &'static str,
    pub(crate) expected: Value,
    pub(crate) actual: Value,
}

/// An entry near the pattern, with how it differs.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub(crate) struct NearMiss {
    pub(crate) entry: Value,
    pub(crate) differences: Vec<Difference>,
}

/// The answer: `{"held", "count", "nearest"}`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub(crate) struct Verdict {
    pub(crate) held: bool,
    pub(crate) count: u64,
    pub(crate) nearest: Vec<NearMiss>,
}

impl Verification {
    /// Reads a pattern from a request body, refusing unknown fields, wrong types and
    /// unknown operations with the field's path.
    pub(crate) fn parse(body: &str) -> Result<Self, PatternError> {
        let body = if body.trim().is_empty() { "{}" } else { body };
        // One pattern and nothing after it.
        let pattern: Self =
            read_one_json(body).map_err(|JsonRefusal { path, message }| PatternError {
                field: path.unwrap_or_else(|| "pattern".to_owned()),
                message,
            })?;
        if let Some(operation) = &pattern.operation
            && !OPERATIONS.contains(&operation.as_str())
        {
            return Err(PatternError {
                field: "operation".to_owned(),
                message: format!(
                    "unknown operation {operation:?}; expected one of {}",
                    OPERATIONS.join(", ")
                ),
            });
        }
        Ok(pattern)
    }

    /// Checks the pattern and its count against `entries` (the journal's, oldest first).
    pub(crate) fn check(&self, entries: &[Value]) -> Verdict {
        let count_rule = self.count.unwrap_or(Count::AtLeast(1));
        let mut matched = Vec::new();
        let mut missed = Vec::new();
        for entry in entries {
            let differences = self.differences(entry);
            if differences.is_empty() {
                matched.push(entry);
            } else {
                missed.push((entry, differences));
            }
        }
        let count = matched.len() as u64;
        let held = count_rule.holds(count);
        let nearest = if held {
            Vec::new()
        } else if count_rule.exceeded_by(count) {
            // Too many: the matching entries themselves are what the test did not expect.
            matched
                .iter()
                .rev()
                .take(NEAREST)
                .map(|entry| NearMiss {
                    entry: (*entry).clone(),
                    differences: Vec::new(),
                })
                .collect()
        } else {
            // Too few: the entries that came closest, fewest differences first, the
            // newest first among equals.
            missed.reverse();
            missed.sort_by_key(|(_, differences)| differences.len());
            missed
                .into_iter()
                .take(NEAREST)
                .map(|(entry, differences)| NearMiss {
                    entry: entry.clone(),
                    differences,
                })
                .collect()
        };
        Verdict {
            held,
            count,
            nearest,
        }
    }

    /// The fields of `entry` that the pattern does not accept.
    fn differences(&self, entry: &Value) -> Vec<Difference> {
        let mut differences = Vec::new();
        let mut text =
            |field: &'static str, expected: &Option<String>, same: fn(&str, &str) -> bool| {
                if let Some(expected) = expected {
                    let actual = entry.get(field).cloned().unwrap_or(Value::Null);
                    if !actual.as_str().is_some_and(|actual| same(expected, actual)) {
                        differences.push(Difference {
                            field,
                            expected: Value::String(expected.clone()),
                            actual,
                        });
                    }
                }
            };
        text("operation", &self.operation, |a, b| a == b);
        text("method", &self.method, |a, b| a.eq_ignore_ascii_case(b));
        text("path", &self.path, path_matches);
        text("dataset", &self.dataset, |a, b| a.eq_ignore_ascii_case(b));
        text("user", &self.user, |a, b| a == b);
        if let Some(status) = self.status {
            let actual = entry.get("status").cloned().unwrap_or(Value::Null);
            if actual.as_u64() != Some(u64::from(status)) {
                differences.push(Difference {
                    field: "status",
                    expected: Value::from(status),
                    actual,
                });
            }
        }
        if let Some(body) = &self.body {
            let actual = entry.get("body").cloned().unwrap_or(Value::Null);
            let (accepted, expected) = match body {
                BodyPattern::EqualTo(expected) => (&actual == expected, expected),
                BodyPattern::Contains(expected) => (contains(&actual, expected), expected),
            };
            if !accepted {
                differences.push(Difference {
                    field: "body",
                    expected: expected.clone(),
                    actual,
                });
            }
        }
        differences
    }
}

/// A pattern's path: exact, or a prefix when it ends in `*`.
fn path_matches(pattern: &str, path: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => path.starts_with(prefix),
        None => pattern == path,
    }
}

/// Whether `actual` holds at least `expected`: an object's fields recursively, each
/// element of an array somewhere in the actual array (arrays as sets, as the API's lists
/// of users and teams are), anything else by equality.
fn contains(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Object(actual), Value::Object(expected)) => object_contains(actual, expected),
        (Value::Array(actual), Value::Array(expected)) => expected
            .iter()
            .all(|wanted| actual.iter().any(|held| contains(held, wanted))),
        _ => actual == expected,
    }
}

fn object_contains(actual: &Map<String, Value>, expected: &Map<String, Value>) -> bool {
    expected
        .iter()
        .all(|(key, wanted)| actual.get(key).is_some_and(|held| contains(held, wanted)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_pattern_with_trailing_characters_is_refused() {
        // Found by the fuzz target control_bodies: the count was read, the rest ignored.
        let error = Verification::parse(r#"{"operation":"list","count":{"exactly":0}}/v1/*"#)
            .expect_err("trailing characters");
        assert_eq!(error.field, "pattern");
        assert!(
            error.message.starts_with("trailing characters"),
            "{error:?}"
        );
    }

    use super::*;
    use serde_json::json;

    fn entry(seq: u64, method: &str, path: &str, status: u16, body: Value) -> Value {
        json!({
            "seq": seq, "method": method, "path": path, "status": status,
            "operation": if method == "GET" { "list" } else { "createOrUpdate" },
            "user": "alice", "dataset": "5f0e4a6b2c1d3e4f5a6b7c8d", "body": body,
        })
    }

    fn journal() -> Vec<Value> {
        let path = "/v1/datasets/5f0e4a6b2c1d3e4f5a6b7c8d/collaboration/access";
        vec![
            entry(1, "GET", path, 200, Value::Null),
            entry(
                2,
                "POST",
                path,
                201,
                json!({"accessType": "WRITE", "users": ["ann@example.com", "bob@example.com"]}),
            ),
            entry(
                3,
                "POST",
                path,
                403,
                json!({"accessType": "WRITE", "users": ["eve@example.com"]}),
            ),
        ]
    }

    #[test]
    fn no_count_means_at_least_one_and_the_method_is_case_insensitive() {
        let verdict = Verification::parse(r#"{"method": "post"}"#)
            .unwrap()
            .check(&journal());
        assert_eq!((verdict.held, verdict.count), (true, 2));
        assert!(verdict.nearest.is_empty());
    }

    #[test]
    fn contains_treats_arrays_as_sets() {
        let pattern = r#"{"body": {"contains": {"users": ["bob@example.com", "ann@example.com"]}}, "count": {"exactly": 1}}"#;
        let verdict = Verification::parse(pattern).unwrap().check(&journal());
        assert!(verdict.held, "{verdict:?}");
        let equal = r#"{"body": {"equalTo": {"users": ["bob@example.com"]}}}"#;
        assert_eq!(
            Verification::parse(equal).unwrap().check(&journal()).count,
            0
        );
    }

    #[test]
    fn too_few_shows_the_nearest_with_their_differences() {
        let pattern = r#"{"operation": "createOrUpdate", "status": 201, "body": {"contains": {"users": ["eve@example.com"]}}}"#;
        let verdict = Verification::parse(pattern).unwrap().check(&journal());
        assert!(!verdict.held);
        assert_eq!(verdict.count, 0);
        assert_eq!(verdict.nearest.len(), 3);
        // seq 3 differs in status only; seq 2 in body only: newest first among equals.
        assert_eq!(verdict.nearest[0].entry["seq"], 3);
        assert_eq!(
            verdict.nearest[0].differences,
            vec![Difference {
                field: "status",
                expected: json!(201),
                actual: json!(403)
            }]
        );
        assert_eq!(verdict.nearest[1].entry["seq"], 2);
        assert_eq!(verdict.nearest[1].differences[0].field, "body");
        assert_eq!(verdict.nearest[2].entry["seq"], 1);
        assert_eq!(verdict.nearest[2].differences.len(), 3);
    }

    #[test]
    fn too_many_shows_the_matching_entries() {
        let verdict = Verification::parse(r#"{"method": "POST", "count": {"atMost": 1}}"#)
            .unwrap()
            .check(&journal());
        assert!(!verdict.held);
        assert_eq!(verdict.count, 2);
        let seqs: Vec<_> = verdict
            .nearest
            .iter()
            .map(|near| near.entry["seq"].clone())
            .collect();
        assert_eq!(seqs, vec![json!(3), json!(2)]);
        assert!(
            verdict
                .nearest
                .iter()
                .all(|near| near.differences.is_empty())
        );
    }

    #[test]
    fn a_path_pattern_ending_in_a_star_is_a_prefix() {
        let verdict = Verification::parse(r#"{"path": "/v1/datasets/*", "count": {"exactly": 3}}"#)
            .unwrap()
            .check(&journal());
        assert!(verdict.held);
    }

    #[test]
    fn a_bad_pattern_names_its_field() {
        let refusals = [
            (r#"{"count": {"exactly": -1}}"#, "count.exactly"),
            (r#"{"count": {"several": 2}}"#, "count"),
            (r#"{"status": "two hundred"}"#, "status"),
            (r#"{"operation": "share"}"#, "operation"),
            (r#"{"verb": "GET"}"#, "verb"),
            (r#"{"body": {"like": 1}}"#, "body"),
        ];
        for (pattern, field) in refusals {
            let error = Verification::parse(pattern).unwrap_err();
            assert_eq!(error.field, field, "{pattern}: {error:?}");
            assert!(!error.message.is_empty());
        }
    }

    #[test]
    fn an_empty_body_is_the_empty_pattern() {
        let verdict = Verification::parse("").unwrap().check(&journal());
        assert_eq!((verdict.held, verdict.count), (true, 3));
        assert!(!Verification::parse("").unwrap().check(&[]).held);
    }
}
