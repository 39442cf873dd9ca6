//! Recordings read by `collab check-drift` (`collab_fidelity::Recording`).
//!
//! Invariants: a recording that is read, written back (`to_json`) and read again is
//! written the same way (the round trip is a fixed point after one pass; a number
//! with a fraction or exponent may move in its last digit, see `same`); the
//! credential lint runs on anything read and names only paths that exist in the file's
//! JSON (each starts with `$`). Refusals are errors, never panics.
#![no_main]

use collab_fidelity::Recording;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// Equal JSON, but for the last digits of a number with a fraction or exponent:
/// serde_json (without its `float_roundtrip` feature, as the workspace builds it) may
/// read such a number one unit in the last place off, so each pass can move it. The
/// API's data holds no such number (timestamps are integers).
fn same(first: &Value, second: &Value) -> bool {
    match (first, second) {
        (Value::Number(a), Value::Number(b)) if a.is_f64() || b.is_f64() => {
            let (a, b) = (
                a.as_f64().unwrap_or(f64::NAN),
                b.as_f64().unwrap_or(f64::NAN),
            );
            a == b || (a - b).abs() <= a.abs().max(b.abs()) * 1e-15
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(key, a)| b.get(key).is_some_and(|b| same(a, b)))
        }
        _ => first == second,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(recording) = Recording::from_json(text) else {
        return;
    };
    let written = recording.to_json();
    let again = Recording::from_json(&written)
        .unwrap_or_else(|error| panic!("{written} is not read back: {error}"));
    let rewritten = again.to_json();
    let (first, second): (Value, Value) = (
        serde_json::from_str(&written).expect("JSON"),
        serde_json::from_str(&rewritten).expect("JSON"),
    );
    assert!(same(&first, &second), "{written}\n{rewritten}");
    for suspect in recording.credential_suspects() {
        assert!(suspect.starts_with('$'), "{suspect}");
    }
});
