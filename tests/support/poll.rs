//! Bounded waits, in one place: each checks its condition every [`INTERVAL`] for at most
//! the time it is given, and panics naming what did not happen.

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How often a condition is checked: short enough not to slow a test down, long enough
/// not to take a core from the processes under test.
pub const INTERVAL: Duration = Duration::from_millis(10);

/// Checks `check` until it gives a value, for at most `within`; panics naming `what`.
pub fn poll<T>(what: &str, within: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(started.elapsed() < within, "{what}: not within {within:?}");
        std::thread::sleep(INTERVAL);
    }
}

/// Waits until `done` holds, for at most `within`; panics naming `what`.
pub fn until(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    poll(what, within, || done().then_some(()))
}

/// Reads `lines` (a child's stdout, line by line) until the child closes it, which it
/// does when it exits; `false` when `within` passed first.
pub fn until_closed(lines: &Receiver<String>, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(_) => continue,
            Err(RecvTimeoutError::Disconnected) => return true,
            Err(RecvTimeoutError::Timeout) => return false,
        }
    }
}
