//! [`CacheStats`]: what the cache did, counted since it was built.

use std::sync::atomic::{AtomicU64, Ordering};

use collab_core::DatasetId;

/// What a [`CachedRepository`](crate::CachedRepository) did since it was built, read
/// with [`CachedRepository::stats`](crate::CachedRepository::stats).
///
/// Every `list` call is either a hit or a miss. A miss is answered by a load it runs
/// itself (counted in `loads`) or by one that another caller runs (counted in
/// `coalesced_waits`), so once no call is in flight and none was cancelled,
/// `misses == loads + coalesced_waits`.
///
/// Each counter is exact; a snapshot is not taken atomically across counters, so while
/// calls are in flight the identity above may be off by the calls in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct CacheStats {
    /// `list` calls answered from memory: the dataset's entry was present and younger
    /// than the time to live, and the call waited for no load.
    pub hits: u64,
    /// `list` calls that found no entry they could use (none yet, expired, evicted, or
    /// retired by a write) and so waited for a load.
    pub misses: u64,
    /// Calls to the inner repository's `list` made by the cache, successful or not.
    /// Concurrent misses on one dataset share one load, so this is at most `misses`.
    pub loads: u64,
    /// Misses answered with the outcome (list or error) of a load that another caller
    /// ran, instead of calling the inner repository themselves. Counted only when that
    /// outcome is the answer: a list found, or waited for, that had outlived the time
    /// to live is dropped, and the miss is counted by the load it then runs (or joins).
    pub coalesced_waits: u64,
    /// Times a dataset's cached list was retired: once per write through the cache
    /// (`create_or_update` or `delete`, whether it succeeded, failed or was cancelled)
    /// and once per [`CachedRepository::invalidate`](crate::CachedRepository::invalidate).
    pub invalidations: u64,
    /// `list` calls sent uncached to the inner repository because the fleet's shared
    /// generations (see `CachedRepository::with_coherence`) could not be read, e.g.
    /// Redis was unreachable. Each is also counted as a miss and a load.
    pub uncached_reads: u64,
    /// `list_fresh` calls: reads sent to the inner repository whatever the cache held
    /// (what `SharingService` reads before it writes), whose answer then became the
    /// dataset's entry. Neither hits nor misses.
    pub fresh_reads: u64,
    /// Writes whose shared generation could not be replaced: before the write (the
    /// write was then not sent) or after it (other caches may answer the state from
    /// during the write until their time to live runs out).
    pub coherence_failures: u64,
}

/// The live counters behind [`CacheStats`].
///
/// Relaxed ordering: the counters order nothing, they only count.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    loads: AtomicU64,
    coalesced_waits: AtomicU64,
    invalidations: AtomicU64,
    uncached_reads: AtomicU64,
    fresh_reads: AtomicU64,
    coherence_failures: AtomicU64,
}

/// Each count of what a list or a write did comes with its `tracing` event, so that
/// the log says what the counters count, on every path.
impl Counters {
    pub(crate) fn hit(&self, dataset: &DatasetId) {
        // At trace: hits are the bulk of a cache's calls.
        tracing::trace!(%dataset, "collab-cache: hit");
        self.hits.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn miss(&self, dataset: &DatasetId) {
        tracing::debug!(%dataset, "collab-cache: miss");
        self.misses.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn load(&self, dataset: &DatasetId) {
        tracing::debug!(%dataset, "collab-cache: loading from the inner repository");
        self.loads.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn coalesced_wait(&self, dataset: &DatasetId) {
        tracing::debug!(%dataset, "collab-cache: coalesced with a load in flight");
        self.coalesced_waits.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn invalidation(&self, dataset: &DatasetId) {
        tracing::debug!(%dataset, "collab-cache: invalidated");
        self.invalidations.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn fresh_read(&self, dataset: &DatasetId) {
        tracing::debug!(%dataset, "collab-cache: fresh read from the inner repository");
        self.fresh_reads.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn uncached_read(&self) {
        self.uncached_reads.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn coherence_failure(&self) {
        self.coherence_failures.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            loads: self.loads.load(Ordering::Relaxed),
            coalesced_waits: self.coalesced_waits.load(Ordering::Relaxed),
            invalidations: self.invalidations.load(Ordering::Relaxed),
            uncached_reads: self.uncached_reads.load(Ordering::Relaxed),
            fresh_reads: self.fresh_reads.load(Ordering::Relaxed),
            coherence_failures: self.coherence_failures.load(Ordering::Relaxed),
        }
    }
}
