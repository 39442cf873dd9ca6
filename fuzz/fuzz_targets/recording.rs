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
    assert_eq!(first, second, "{written}\n{rewritten}");
    for suspect in recording.credential_suspects() {
        assert!(suspect.starts_with('$'), "{suspect}");
    }
});
