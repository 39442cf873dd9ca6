//! The control plane's bodies: state documents (`PUT /_collab/state`), fault rules
//! (`POST /_collab/faults`), path patterns of rules, and verification patterns
//! (`POST /_collab/requests/verify`).
//!
//! The first byte picks the body's kind, the rest is its text. Invariants:
//! - a state document that the control plane accepts (read, then checked) passes the
//!   check again unchanged, and written back as JSON or TOML reads as the same document;
//! - a fault rule that is read, written back (`to_value`) and read again is the same
//!   rule, and its answer, if it has one, is within 200..=599;
//! - a path pattern that is read is written back as given, and matches the paths it
//!   names (itself, or anything under its prefix);
//! - a verification that is read counts no more entries than there are, holds exactly
//!   when its count says so (at least one without a count), and shows at most
//!   `NEAREST` entries only when it did not hold: the matching ones (no difference)
//!   when too many matched, else near misses each differing in one field at least.
//! Refusals are errors, never panics.
#![no_main]

use std::sync::LazyLock;

use collab_core::fixtures::Fixtures;
use collab_faults::{FaultRule, PathPattern};
use collab_server::testing::fuzzing;
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

fn state_document(text: &str) {
    // As `PUT /_collab/state` reads it: the document, then its check.
    let Ok(state) = Fixtures::from_json(text, "state").and_then(|state| state.checked("state"))
    else {
        return;
    };
    let again = state.clone().checked("again").expect("checked twice");
    assert_eq!(again, state);
    let json = state.to_json().expect("a read document is written");
    let again = Fixtures::from_json(&json, "again")
        .unwrap_or_else(|error| panic!("{json} is not read back: {error}"));
    assert_eq!(again, state, "{json}");
    let toml = state.to_toml().expect("a read document is written as TOML");
    let again = Fixtures::parse(&toml, "again.toml")
        .unwrap_or_else(|error| panic!("{toml} is not read back: {error}"));
    assert_eq!(again, state, "{toml}");
}

fn fault_rule(text: &str) {
    let Ok(rule) = FaultRule::from_json(text) else {
        return;
    };
    let written = rule.to_value();
    let again = FaultRule::from_value(written.clone())
        .unwrap_or_else(|error| panic!("{written} is not read back: {error}"));
    assert_eq!(again, rule, "{written}");
    if let Some((status, _)) = rule.action.error_response() {
        assert!((200..=599).contains(&status), "{status}");
    }
}

fn path_pattern(text: &str) {
    let Ok(pattern) = text.parse::<PathPattern>() else {
        return;
    };
    assert_eq!(pattern.as_str(), text);
    let named = text.strip_suffix('*').unwrap_or(text);
    if !named.contains('?') {
        assert!(pattern.matches(named), "{text} does not match {named}");
        assert!(pattern.matches(&format!("{named}?token=x")), "{text}");
    }
}

/// A journal as `GET /_collab/requests` shows it.
static ENTRIES: LazyLock<Vec<Value>> = LazyLock::new(|| {
    let list = "/v1/datasets/0123456789abcdef01234567/collaboration/access";
    vec![
        json!({"seq": 1, "method": "GET", "path": list, "operation": "list",
               "dataset": "0123456789abcdef01234567", "user": "alice", "status": 200}),
        json!({"seq": 2, "method": "POST", "path": list, "operation": "createOrUpdate",
               "dataset": "0123456789abcdef01234567", "user": "alice", "status": 201,
               "body": {"accessType": "WRITE", "users": ["ann@example.com"], "teams": []}}),
        json!({"seq": 3, "method": "DELETE", "path": format!("{list}/65a000000000000000000001"),
               "operation": "delete", "dataset": "0123456789abcdef01234567",
               "user": "bob", "status": 403}),
        json!({"seq": 4, "method": "GET", "path": "/v1/versions/pip/minimum",
               "operation": "versions", "status": 200}),
    ]
});

fn verification(text: &str) {
    let Ok(verdict) = fuzzing::verify(text, &ENTRIES) else {
        return;
    };
    assert!(verdict.count <= ENTRIES.len() as u64, "{verdict:?}");
    assert!(
        verdict.nearest_differences.len() <= fuzzing::NEAREST,
        "{verdict:?}"
    );
    if verdict.held {
        assert!(verdict.nearest_differences.is_empty(), "{verdict:?}");
    }
    // Too many: the matching entries themselves, with no difference; too few: the
    // nearest misses, each with one at least.
    let differences = &verdict.nearest_differences;
    if differences.iter().all(|&n| n == 0) {
        assert!(differences.len() as u64 <= verdict.count, "{verdict:?}");
    } else {
        assert!(differences.iter().all(|&n| n > 0), "{verdict:?}");
    }
    // Without a count (an empty body is no pattern at all), at least one.
    let pattern: Option<Value> = serde_json::from_str(text).ok();
    if pattern
        .and_then(|pattern| pattern.get("count").cloned())
        .is_none()
    {
        assert_eq!(verdict.held, verdict.count >= 1, "{text}: {verdict:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match kind % 4 {
        0 => state_document(text),
        1 => fault_rule(text),
        2 => path_pattern(text),
        _ => verification(text),
    }
});
