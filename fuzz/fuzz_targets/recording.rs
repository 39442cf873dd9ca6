//! Recordings read by `collab check-drift` (`collab_fidelity::Recording`).
//!
//! Invariants: a recording that is read, written back (`to_json`) and read again is
//! written the same way (the round trip is a fixed point after one pass); the
//! credential lint runs on anything read and names only paths that exist in the file's
//! JSON (each starts with `$`). Refusals are errors, never panics.
#![no_main]

use collab_fidelity::Recording;
use libfuzzer_sys::fuzz_target;

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
    assert_eq!(again.to_json(), written);
    for suspect in recording.credential_suspects() {
        assert!(suspect.starts_with('$'), "{suspect}");
    }
});
