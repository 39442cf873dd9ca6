//! Fresh ObjectIds for the fake: unique, valid, shaped like MongoDB's.

use std::sync::atomic::{AtomicU64, Ordering};

use collab_core::{AccessConfigId, Timestamp, rules};

/// Counts across every store in the process, so ids never repeat even between stores.
static NEXT: AtomicU64 = AtomicU64::new(1);

/// A new id: the seconds of `now`, then a process-wide counter, which makes it unique.
pub(crate) fn fresh_config_id(now: Timestamp) -> AccessConfigId {
    rules::config_id(now, NEXT.fetch_add(1, Ordering::Relaxed))
}
