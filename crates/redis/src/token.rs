//! Random values for lock tokens and generations, from std's randomly keyed hasher
//! (unique enough for tokens; not for secrets).

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A random 64-bit value: never the same twice in one process (a counter goes into
/// it), and from independently keyed hashers across processes.
pub(crate) fn random_u64() -> u64 {
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    RandomState::new().hash_one((count, std::process::id(), SystemTime::now()))
}

/// A lock owner's token: 128 random bits in hex.
pub(crate) fn random_token() -> String {
    format!("{:016x}{:016x}", random_u64(), random_u64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_differ() {
        let tokens: std::collections::HashSet<String> = (0..1000).map(|_| random_token()).collect();
        assert_eq!(tokens.len(), 1000);
    }
}
