//! The comparison of a recorded answer (the API's) with the fake's, both normalised:
//! what differs, by JSON path, and how much it matters.
//!
//! Fields are judged from the API's side: a field the API's answer lacks but the
//! fake gives is *missing* (drift: code written against the fake expects it); a field
//! the API gives but the fake lacks is *extra* (a warning: the API says more). Paths
//! learned as noise are not compared; differences at a documented gap are counted as
//! such.

use std::collections::BTreeSet;

use serde_json::Value;

use super::report::{Finding, Severity};
use crate::recording::paths;
use crate::recording::{Gap, Message};

/// What is left out or accepted when comparing.
pub(crate) struct Rules<'a> {
    /// Paths that changed on their own between two reads of the API.
    pub(crate) noise: &'a BTreeSet<String>,
    /// Known gaps, with why.
    pub(crate) gaps: &'a [Gap],
}

/// The differences between the API's answer and the fake's (bodies normalised).
pub(crate) fn compare(recorded: &Message, replayed: &Message, rules: &Rules<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    if recorded.status != replayed.status {
        // Another status is another answer: its body cannot be compared field by field.
        findings.push(Finding::new(
            Severity::Drift,
            "status",
            None,
            Some(recorded.status.into()),
            Some(replayed.status.into()),
        ));
        return findings;
    }
    match (&recorded.body, &replayed.body) {
        (Some(api), Some(fake)) => walk(api, fake, paths::ROOT, rules, &mut findings),
        (None, None) if recorded.body_text == replayed.body_text => {}
        _ => findings.push(Finding::new(
            Severity::Drift,
            "body",
            None,
            Some(shown(recorded)),
            Some(shown(replayed)),
        )),
    }
    for finding in &mut findings {
        if let Some(gap) = rules
            .gaps
            .iter()
            .find(|gap| finding.path.as_deref() == Some(gap.path.as_str()))
        {
            finding.severity = Severity::Gap;
            finding.reason = Some(gap.reason.clone());
        }
    }
    findings
}

/// A body as the report shows it.
fn shown(message: &Message) -> Value {
    match (&message.body, &message.body_text) {
        (Some(json), _) => json.clone(),
        (None, Some(text)) => Value::String(text.clone()),
        (None, None) => Value::Null,
    }
}

fn walk(api: &Value, fake: &Value, path: &str, rules: &Rules<'_>, findings: &mut Vec<Finding>) {
    if rules.noise.contains(path) {
        return;
    }
    let found = |severity, what: &'static str, api: Option<&Value>, fake: Option<&Value>| {
        Finding::new(
            severity,
            what,
            Some(path.to_owned()),
            api.cloned(),
            fake.cloned(),
        )
    };
    match (api, fake) {
        (Value::Object(api_fields), Value::Object(fake_fields)) => {
            for (key, value) in api_fields {
                let child = paths::field(path, key);
                match fake_fields.get(key) {
                    Some(other) => walk(value, other, &child, rules, findings),
                    None if rules.noise.contains(&child) => {}
                    None => findings.push(Finding::new(
                        Severity::Warning,
                        "extra field",
                        Some(child),
                        Some(value.clone()),
                        None,
                    )),
                }
            }
            for (key, value) in fake_fields {
                let child = paths::field(path, key);
                if !api_fields.contains_key(key) && !rules.noise.contains(&child) {
                    findings.push(Finding::new(
                        Severity::Drift,
                        "missing field",
                        Some(child),
                        None,
                        Some(value.clone()),
                    ));
                }
            }
        }
        (Value::Array(api_items), Value::Array(fake_items)) => {
            if api_items.len() != fake_items.len() {
                findings.push(found(Severity::Drift, "value", Some(api), Some(fake)));
                return;
            }
            let child = paths::element(path);
            for (a, f) in api_items.iter().zip(fake_items) {
                walk(a, f, &child, rules, findings);
            }
        }
        (a, f) if kind(a) != kind(f) => {
            findings.push(found(Severity::Drift, "type", Some(a), Some(f)));
        }
        (a, f) if a == f => {}
        (a, f) => {
            let (severity, what) = match path {
                "$.code" => (Severity::Drift, "error code"),
                "$.error" | "$.message" => (Severity::Warning, "error message"),
                _ => (Severity::Drift, "value"),
            };
            findings.push(found(severity, what, Some(a), Some(f)));
        }
    }
}

/// A JSON value's type, as a schema names it.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn answer(status: u16, body: Value) -> Message {
        Message {
            status,
            headers: Default::default(),
            body: Some(body),
            body_text: None,
        }
    }

    fn whats(findings: &[Finding]) -> Vec<(Severity, &'static str, Option<&str>)> {
        findings
            .iter()
            .map(|f| (f.severity, f.what, f.path.as_deref()))
            .collect()
    }

    #[test]
    fn each_kind_of_difference_is_named_with_its_severity_and_path() {
        let noise = BTreeSet::new();
        let rules = Rules {
            noise: &noise,
            gaps: &[],
        };
        let api = answer(
            404,
            json!({"code": "NOT_FOUND", "error": "gone", "extra": 1}),
        );
        let fake = answer(
            404,
            json!({"code": "DATASET_UNKNOWN", "error": "no such dataset"}),
        );
        assert_eq!(
            whats(&compare(&api, &fake, &rules)),
            [
                (Severity::Drift, "error code", Some("$.code")),
                (Severity::Warning, "error message", Some("$.error")),
                (Severity::Warning, "extra field", Some("$.extra")),
            ]
        );
        let api = answer(200, json!([{"userEmails": [], "n": "1"}]));
        let fake = answer(200, json!([{"users": [], "n": 1}]));
        assert_eq!(
            whats(&compare(&api, &fake, &rules)),
            [
                (Severity::Drift, "type", Some("$[*].n")),
                (Severity::Warning, "extra field", Some("$[*].userEmails")),
                (Severity::Drift, "missing field", Some("$[*].users")),
            ]
        );
        let findings = compare(&answer(200, json!({})), &answer(201, json!({})), &rules);
        assert_eq!(whats(&findings), [(Severity::Drift, "status", None)]);
    }

    #[test]
    fn noise_is_not_compared_and_a_gap_is_counted_with_its_reason() {
        let noise: BTreeSet<String> = ["$.etag".to_owned()].into();
        let gaps = [Gap {
            path: "$.error".to_owned(),
            reason: "texts are the fake's own".to_owned(),
        }];
        let rules = Rules {
            noise: &noise,
            gaps: &gaps,
        };
        let api = answer(400, json!({"etag": 1, "error": "bad"}));
        let fake = answer(400, json!({"error": "invalid"}));
        let findings = compare(&api, &fake, &rules);
        assert_eq!(
            whats(&findings),
            [(Severity::Gap, "error message", Some("$.error"))]
        );
        assert_eq!(
            findings[0].reason.as_deref(),
            Some("texts are the fake's own")
        );
    }
}
