//! Generations: a counter per dataset that every write advances, so that a list loaded
//! before a write can never be mistaken for one loaded after it.
//!
//! The counters are striped: a fixed array of [`STRIPES`] atomics, a dataset using the
//! stripe its id hashes to. Memory stays fixed however many datasets pass through the
//! cache, and no lock is taken. Datasets sharing a stripe share a counter, so a write
//! to one also retires the others' cached lists: a spurious miss, never a stale answer,
//! rare with writes rare and [`STRIPES`] far above the number of datasets written at once.

use std::sync::atomic::{AtomicU64, Ordering};

use collab_core::DatasetId;

/// How many counters there are (a power of two): 32 KiB of `u64`s.
pub(crate) const STRIPES: usize = 4096;

/// The generation counters of all datasets.
#[derive(Debug)]
pub(crate) struct Generations {
    stripes: Box<[AtomicU64]>,
}

impl Generations {
    pub(crate) fn new() -> Self {
        Self {
            stripes: (0..STRIPES).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// The dataset's current generation.
    ///
    /// Acquire pairs with the release in [`advance`](Self::advance): a caller that sees
    /// a generation also sees everything the write that produced it did before.
    pub(crate) fn current(&self, dataset: &DatasetId) -> u64 {
        self.stripe(dataset).load(Ordering::Acquire)
    }

    /// Moves the dataset to a new generation; returns the generation it leaves.
    pub(crate) fn advance(&self, dataset: &DatasetId) -> u64 {
        self.stripe(dataset).fetch_add(1, Ordering::AcqRel)
    }

    fn stripe(&self, dataset: &DatasetId) -> &AtomicU64 {
        &self.stripes[stripe_index(dataset)]
    }
}

/// Fibonacci hashing of the id's 12 bytes: cheap, and spreads ids that differ only in
/// their trailing counter bytes (ids made one after another) over all stripes.
fn stripe_index(dataset: &DatasetId) -> usize {
    let bytes = dataset.object_id().bytes();
    let [a, b, c, d, rest @ ..] = bytes;
    let high = u64::from(u32::from_le_bytes([a, b, c, d]));
    let low = u64::from_le_bytes(rest);
    let mixed = (low ^ high.rotate_left(32)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    // The top bits of the product are the well-mixed ones.
    (mixed >> (u64::BITS - STRIPES.trailing_zeros())) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use collab_core::ObjectId;

    fn dataset(counter: u32) -> DatasetId {
        let mut bytes = [0x65, 0x4f, 0x00, 0x00, 1, 2, 3, 4, 5, 0, 0, 0];
        bytes[9..].copy_from_slice(&counter.to_be_bytes()[1..]);
        DatasetId::new(ObjectId::from_bytes(bytes))
    }

    #[test]
    fn advancing_one_dataset_moves_its_generation_forward() {
        let generations = Generations::new();
        let first = dataset(1);
        assert_eq!(generations.current(&first), 0);
        assert_eq!(generations.advance(&first), 0);
        assert_eq!(generations.advance(&first), 1);
        assert_eq!(generations.current(&first), 2);
    }

    #[test]
    fn consecutive_ids_spread_over_many_stripes() {
        let used: std::collections::HashSet<usize> =
            (0..1024).map(|n| stripe_index(&dataset(n))).collect();
        // 1024 balls in 4096 bins: about 900 distinct bins are expected at random.
        assert!(used.len() > 800, "only {} stripes used", used.len());
    }
}
