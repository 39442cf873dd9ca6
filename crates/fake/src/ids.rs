//! Fresh ObjectIds for the fake: unique, valid, shaped like MongoDB's.

use std::sync::atomic::{AtomicU64, Ordering};

use collab_core::{ObjectId, Timestamp};

/// Counts across every store in the process, so ids never repeat even between stores.
static NEXT: AtomicU64 = AtomicU64::new(1);

/// A new id: 4 bytes of seconds (as MongoDB puts first) and 8 bytes of a process-wide
/// counter, which makes it unique.
pub(crate) fn fresh_object_id(now: Timestamp) -> ObjectId {
    let seconds = u32::try_from(now.as_millis() / 1000).unwrap_or(u32::MAX);
    let count = NEXT.fetch_add(1, Ordering::Relaxed);
    let mut bytes = [0u8; 12];
    bytes[..4].copy_from_slice(&seconds.to_be_bytes());
    bytes[4..].copy_from_slice(&count.to_be_bytes());
    ObjectId::from_bytes(bytes)
}
