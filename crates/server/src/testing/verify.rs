//! What a test asserts the journal holds: [`RequestPattern`] and [`Times`], sent to
//! `POST /_collab/requests/verify`, and the [`Verdict`] that comes back.

use std::fmt::{self, Write as _};

use collab_core::DatasetId;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A pattern of requests: every part optional; an empty pattern matches every entry.
///
/// ```
/// use collab_server::testing::{RequestPattern, Times};
///
/// let pattern = RequestPattern::new()
///     .operation("createOrUpdate")
///     .status(201)
///     .body_contains(serde_json::json!({"users": ["ann@example.com"]}))
///     .times(Times::Exactly(1));
/// assert_eq!(pattern.to_string(), r#"{"body":{"contains":{"users":["ann@example.com"]}},"count":{"exactly":1},"operation":"createOrUpdate","status":201}"#);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestPattern {
    fields: Map<String, Value>,
}

/// How many requests must match: the count of a [`RequestPattern`] (at least one when
/// none is given).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Times {
    /// Exactly this many.
    Exactly(u64),
    /// This many or more.
    AtLeast(u64),
    /// This many or fewer.
    AtMost(u64),
}

impl RequestPattern {
    /// The empty pattern.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only requests of this operation: `list`, `createOrUpdate`, `delete`,
    /// `versions` or `openapi`.
    pub fn operation(self, operation: &str) -> Self {
        self.with("operation", Value::from(operation))
    }

    /// Only requests of this method (case-insensitive).
    pub fn method(self, method: &str) -> Self {
        self.with("method", Value::from(method))
    }

    /// Only requests of this path: exact, or a prefix when it ends in `*`.
    pub fn path(self, path: &str) -> Self {
        self.with("path", Value::from(path))
    }

    /// Only requests about this dataset.
    pub fn dataset(self, dataset: &DatasetId) -> Self {
        self.with("dataset", Value::from(dataset.to_string()))
    }

    /// Only requests of this user.
    pub fn user(self, user: &str) -> Self {
        self.with("user", Value::from(user))
    }

    /// Only requests answered with this status.
    pub fn status(self, status: u16) -> Self {
        self.with("status", Value::from(status))
    }

    /// Only requests whose body is exactly `body`.
    pub fn body_equal_to(self, body: Value) -> Self {
        self.with("body", serde_json::json!({ "equalTo": body }))
    }

    /// Only requests whose body holds at least `body`: an object's fields recursively,
    /// an array's elements as a set (the API's lists of users and teams).
    pub fn body_contains(self, body: Value) -> Self {
        self.with("body", serde_json::json!({ "contains": body }))
    }

    /// How many requests must match.
    pub fn times(self, times: Times) -> Self {
        let (key, n) = match times {
            Times::Exactly(n) => ("exactly", n),
            Times::AtLeast(n) => ("atLeast", n),
            Times::AtMost(n) => ("atMost", n),
        };
        self.with("count", serde_json::json!({ key: n }))
    }

    /// The pattern as the control plane takes it.
    pub fn to_value(&self) -> Value {
        Value::Object(self.fields.clone())
    }

    fn with(mut self, key: &str, value: Value) -> Self {
        self.fields.insert(key.to_owned(), value);
        self
    }
}

impl fmt::Display for RequestPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_value())
    }
}

impl Serialize for RequestPattern {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.fields.serialize(serializer)
    }
}

/// The answer of a verification: whether the count held, how many entries matched,
/// and, when it did not hold, the entries nearest the pattern.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Verdict {
    /// Whether the count held.
    pub held: bool,
    /// How many entries matched the pattern.
    pub count: u64,
    /// When the count did not hold: up to three entries nearest the pattern (too few
    /// matched), or the matching ones (too many).
    pub nearest: Vec<NearMiss>,
}

/// An entry near the pattern, and how it differs.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct NearMiss {
    /// The journal entry, as `GET /_collab/requests` shows it.
    pub entry: Value,
    /// The fields in which it differs from the pattern (none when it matched).
    pub differences: Vec<Difference>,
}

/// One field in which an entry differs from the pattern.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Difference {
    /// The entry's field, such as `status`.
    pub field: String,
    /// What the pattern asked.
    pub expected: Value,
    /// What the entry holds.
    pub actual: Value,
}

impl Verdict {
    /// A message fit for a failed test: what was expected, how many matched, and the
    /// nearest entries with their differences.
    pub fn explain(&self, pattern: &RequestPattern) -> String {
        let mut message = format!(
            "expected requests matching {pattern}; {} matched",
            self.count
        );
        if self.nearest.is_empty() {
            message.push_str("; the journal holds no request near it");
        }
        for near in &self.nearest {
            let entry = &near.entry;
            let _ = write!(
                message,
                "\n  #{} {} {} -> {}",
                entry["seq"],
                entry["method"].as_str().unwrap_or("?"),
                entry["path"].as_str().unwrap_or("?"),
                entry["status"],
            );
            if near.differences.is_empty() {
                message.push_str(" (matched)");
            }
            for difference in &near.differences {
                let _ = write!(
                    message,
                    "\n      {}: expected {}, was {}",
                    difference.field, difference.expected, difference.actual
                );
            }
        }
        message
    }
}
