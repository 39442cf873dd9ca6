//! [`CachedRepository`]: the decorator itself.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use collab_core::coordination::{DatasetGenerations, Generation};
use collab_core::{
    AccessConfigId, AccessConfigList, AccessConfigRepository, DatasetId, Result, ShareRequest,
};
use moka::future::Cache;
use moka::ops::compute::Op;
use tokio::time::Instant;

use crate::config::CacheConfig;
use crate::generation::Generations;
use crate::stats::{CacheStats, Counters};

/// A cache entry's key: the dataset, the local generation it was loaded in (see the
/// crate docs, "Read-your-writes") and the shared one (see "Coherence across a fleet";
/// always [`NO_SHARED_GENERATION`] without coherence).
type EntryKey = (DatasetId, u64, Generation);

/// The shared generation of every entry of a cache without coherence.
const NO_SHARED_GENERATION: Generation = Generation(0);

/// The longest time to live moka accepts (1000 years); longer ones are clamped to it.
const MOKA_MAX_TIME_TO_LIVE: Duration = Duration::from_secs(1_000 * 365 * 24 * 3600);

/// How many times a miss asks moka for a load before calling the inner repository
/// directly. More than one is needed only when every answer it got had outlived the
/// time to live while it waited (loads slower than the time to live).
const MAX_LOAD_ATTEMPTS: usize = 3;

/// One dataset's list and when the load that fetched it began.
#[derive(Clone)]
struct CachedList {
    configs: AccessConfigList,
    loaded_at: Instant,
}

impl CachedList {
    /// Whether the list is younger than `time_to_live`, by tokio's clock.
    fn is_fresh(&self, time_to_live: Duration) -> bool {
        Instant::now().saturating_duration_since(self.loaded_at) < time_to_live
    }

    fn is_same(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.configs, &other.configs) && self.loaded_at == other.loaded_at
    }
}

/// A caching decorator over any [`AccessConfigRepository`]: answers repeated `list`
/// calls for a dataset from memory, sends concurrent misses on one dataset to the
/// inner repository as one call, and never answers a read with the state from before
/// a write that went through it and returned.
///
/// See the [crate docs](crate) for the guarantees, how they are kept, and how to stack
/// the cache with the HTTP adapter.
///
/// ```
/// use collab_cache::{CacheConfig, CachedRepository};
/// use collab_core::{AccessConfigRepository, DatasetId, ShareRequest};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> collab_core::Result<()> {
/// let dataset: DatasetId = "0123456789abcdef01234567".parse().unwrap();
/// let store = collab_fake::InMemoryStore::new();
/// store.add_dataset(dataset, "alice");
///
/// let repo = CachedRepository::new(store.session("alice"), CacheConfig::default());
/// repo.create_or_update(&dataset, &ShareRequest::write(["ann@example.com"], [""; 0])?)
///     .await?;
/// let first = repo.list(&dataset).await?; // a miss: loaded from the store
/// let second = repo.list(&dataset).await?; // a hit: the same shared list
/// assert!(std::sync::Arc::ptr_eq(&first, &second));
/// assert_eq!(second[0].users, ["ann@example.com"]);
///
/// let stats = repo.stats();
/// assert_eq!((stats.hits, stats.misses, stats.loads), (1, 1, 1));
/// # Ok(())
/// # }
/// ```
pub struct CachedRepository<R> {
    inner: R,
    config: CacheConfig,
    entries: Cache<EntryKey, CachedList>,
    generations: Generations,
    counters: Counters,
    /// The fleet's shared generations, when the cache keeps coherent with other caches.
    coherence: Option<Arc<dyn DatasetGenerations>>,
    /// Whether the shared generations were unreachable at the last attempt (so that
    /// the log says when that starts and ends, not at every call).
    coherence_down: AtomicBool,
}

impl<R> CachedRepository<R> {
    /// Wraps `inner`, keeping lists as `config` says.
    pub fn new(inner: R, config: CacheConfig) -> Self {
        let entries = Cache::builder()
            .name("collab-cache")
            .max_capacity(config.max_datasets)
            // The time to live is enforced on every read by tokio's clock (see
            // `CachedList::is_fresh`); moka's own expiry frees the memory of lists
            // nobody reads again.
            .time_to_live(config.time_to_live.min(MOKA_MAX_TIME_TO_LIVE))
            .build();
        Self {
            inner,
            config,
            entries,
            generations: Generations::new(),
            counters: Counters::default(),
            coherence: None,
            coherence_down: AtomicBool::new(false),
        }
    }

    /// Keeps this cache coherent with every other cache (in any process) that uses the
    /// same shared `generations` (e.g. `collab-redis`'s): see the crate docs,
    /// "Coherence across a fleet".
    ///
    /// ```
    /// use std::sync::Arc;
    /// use collab_cache::{CacheConfig, CachedRepository};
    /// use collab_core::coordination::InProcessGenerations;
    ///
    /// let store = collab_fake::InMemoryStore::new();
    /// let generations = Arc::new(InProcessGenerations::new()); // or collab-redis's
    /// let replica_a = CachedRepository::new(store.session("alice"), CacheConfig::default())
    ///     .with_coherence(generations.clone());
    /// let replica_b = CachedRepository::new(store.session("alice"), CacheConfig::default())
    ///     .with_coherence(generations);
    /// ```
    #[must_use]
    pub fn with_coherence(mut self, generations: impl DatasetGenerations + 'static) -> Self {
        self.coherence = Some(Arc::new(generations));
        self
    }

    /// The wrapped repository.
    ///
    /// A write made directly through it bypasses the cache: lists cached before it may
    /// be answered until their time to live runs out, unless you call
    /// [`invalidate`](Self::invalidate) after it. There is no `get_mut`: swapping or
    /// reconfiguring the inner repository under a full cache would let the cache answer
    /// for a backend that no longer holds that state.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// Unwraps the inner repository, dropping everything cached.
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// The configuration the cache was built with.
    pub fn config(&self) -> &CacheConfig {
        &self.config
    }

    /// What the cache did since it was built (see [`CacheStats`] for each counter).
    pub fn stats(&self) -> CacheStats {
        self.counters.snapshot()
    }

    /// Forgets the dataset's cached list, e.g. after a change made elsewhere: the next
    /// `list` of it loads from the inner repository, and a load already in flight will
    /// not answer calls made after this returns.
    pub async fn invalidate(&self, dataset: &DatasetId) {
        let left = self.retire(dataset);
        // Entries of the retired generation are unreachable whatever their shared one;
        // moka frees them as they expire or are evicted.
        self.entries
            .invalidate(&(*dataset, left, NO_SHARED_GENERATION))
            .await;
    }

    /// Retires the dataset's generation: no `list` starting from now on reads, or
    /// joins a load of, an entry keyed by an older one. Synchronous, so that a write's
    /// drop guard can call it too. Returns the generation left behind.
    fn retire(&self, dataset: &DatasetId) -> u64 {
        self.counters.invalidation(dataset);
        self.generations.advance(dataset)
    }

    /// How many lists the cache holds, as moka counts them: it lags behind until moka's
    /// maintenance runs (see [`run_pending_tasks`](Self::run_pending_tasks)), and may
    /// include lists already retired by a write that nobody can read any more.
    pub fn entry_count(&self) -> u64 {
        self.entries.entry_count()
    }

    /// Runs moka's pending maintenance now (evictions, expirations), which it otherwise
    /// does on its own as the cache is used; [`entry_count`](Self::entry_count) is
    /// exact right after it.
    pub async fn run_pending_tasks(&self) {
        self.entries.run_pending_tasks().await;
    }

    /// Answers a miss: a load through moka, which runs one load per key at a time and
    /// hands its outcome to every caller waiting on that key.
    async fn load(&self, key: EntryKey) -> Result<AccessConfigList>
    where
        R: AccessConfigRepository,
    {
        for _ in 0..MAX_LOAD_ATTEMPTS {
            let mut loaded_here = false;
            let outcome = self
                .entries
                .try_get_with(key, async {
                    loaded_here = true;
                    self.fetch(&key.0).await
                })
                .await;
            self.drop_if_retired(key).await;
            // A coalesced wait is counted only when its outcome is the answer, so that
            // every miss counts once, as a load or as a coalesced wait.
            let usable = match &outcome {
                Ok(cached) => loaded_here || cached.is_fresh(self.config.time_to_live),
                // An error shared by a failed load is the answer.
                Err(_) => true,
            };
            if usable && !loaded_here {
                self.counters.coalesced_wait(&key.0);
            }
            // The error is shared between the waiters; each gets its own copy.
            let cached = outcome.map_err(Arc::unwrap_or_clone)?;
            if usable {
                return Ok(cached.configs);
            }
            // We found a list, or joined a load, that had outlived the time to live
            // (moka still holds it, its clock not being tokio's, or the load was slower
            // than the time to live): drop exactly that entry, not a newer one, and retry.
            self.remove_if_same(key, &cached).await;
        }
        self.counters.load(&key.0);
        self.inner.list(&key.0).await
    }

    /// The dataset's shared generation, or `None` when the cache must not answer from
    /// memory because the shared generations cannot be read (logged when it starts and
    /// when it ends).
    async fn shared_generation(&self, dataset: &DatasetId) -> Option<Generation> {
        let Some(coherence) = &self.coherence else {
            return Some(NO_SHARED_GENERATION);
        };
        match coherence.current(dataset).await {
            Ok(generation) => {
                tracing::debug!(%dataset, "collab-cache: coherence check: shared generation read");
                if self.coherence_down.swap(false, Ordering::Relaxed) {
                    tracing::info!(
                        "shared cache generations reachable again: answering lists from memory"
                    );
                }
                Some(generation)
            }
            Err(error) => {
                if !self.coherence_down.swap(true, Ordering::Relaxed) {
                    tracing::warn!(%error, "shared cache generations unreachable: lists go uncached to the inner repository");
                }
                None
            }
        }
    }

    /// Before a write: replaces the shared generation, so that no cache of the fleet
    /// keeps answering from before the write. If it cannot, the write is not sent.
    async fn announce_write(&self, dataset: &DatasetId) -> Result<()> {
        match &self.coherence {
            Some(coherence) => coherence.advance(dataset).await.map_err(|error| {
                self.counters.coherence_failure();
                error.into_write_error(dataset)
            }),
            None => Ok(()),
        }
    }

    /// After a write: replaces the shared generation again, retiring what any cache
    /// loaded while the write was in flight. The write has happened, so a failure here
    /// is logged and counted, not returned: caches that loaded during the write may
    /// answer that load until their time to live runs out.
    async fn confirm_write(&self, dataset: &DatasetId) {
        if let Some(coherence) = &self.coherence
            && let Err(error) = coherence.advance(dataset).await
        {
            self.counters.coherence_failure();
            tracing::warn!(%dataset, %error, "could not retire the fleet's cached lists after a write; other caches may answer the state from during the write until their time to live runs out");
        }
    }

    /// One call to the inner repository's `list`, stamped with when it began.
    async fn fetch(&self, dataset: &DatasetId) -> Result<CachedList>
    where
        R: AccessConfigRepository,
    {
        self.counters.load(dataset);
        let loaded_at = Instant::now();
        let configs = self.inner.list(dataset).await?;
        Ok(CachedList { configs, loaded_at })
    }

    /// Frees the entry a load just stored if a write retired its generation meanwhile:
    /// no reader starting from now on looks it up (memory hygiene, not correctness).
    async fn drop_if_retired(&self, key: EntryKey) {
        if self.generations.current(&key.0) != key.1 {
            self.entries.invalidate(&key).await;
        }
    }

    async fn remove_if_same(&self, key: EntryKey, stale: &CachedList) {
        self.entries
            .entry(key)
            .and_compute_with(|entry| {
                let op = match entry {
                    Some(entry) if entry.value().is_same(stale) => Op::Remove,
                    _ => Op::Nop,
                };
                std::future::ready(op)
            })
            .await;
    }

    fn start_write(&self, dataset: &DatasetId) -> WriteInProgress<'_, R> {
        WriteInProgress {
            cache: self,
            dataset: *dataset,
            armed: true,
        }
    }
}

/// A write through the cache that has not ended yet. However it ends, the dataset's
/// generation is retired: by [`finish`](Self::finish) once the inner write has
/// returned, or by the drop guard if the write's future is dropped halfway (when the
/// inner write may or may not have happened, and may still happen later: see the
/// crate docs, "Writes whose outcome is unknown").
struct WriteInProgress<'a, R> {
    cache: &'a CachedRepository<R>,
    dataset: DatasetId,
    /// Whether dropping the guard still has to retire the generation.
    armed: bool,
}

impl<R> WriteInProgress<'_, R> {
    /// Ends the write after the inner write returned: retires the dataset's generation
    /// and frees the entry readers were using.
    async fn finish(mut self) {
        // Disarmed and retired in the same poll (`invalidate` retires before its first
        // await); if this future is dropped before it is first polled, the still armed
        // guard retires instead.
        self.armed = false;
        self.cache.invalidate(&self.dataset).await;
    }
}

impl<R> Drop for WriteInProgress<'_, R> {
    fn drop(&mut self) {
        if self.armed {
            self.cache.retire(&self.dataset);
        }
    }
}

#[async_trait]
#[deny(clippy::missing_trait_methods)]
impl<R: AccessConfigRepository> AccessConfigRepository for CachedRepository<R> {
    /// Writes through the inner repository, then retires the dataset's cached list,
    /// whatever the outcome: a failed write (an unavailable service, a timeout) may
    /// still have changed the dataset.
    async fn create_or_update(
        &self,
        dataset: &DatasetId,
        request: &ShareRequest,
    ) -> Result<AccessConfigId> {
        let write = self.start_write(dataset);
        self.announce_write(dataset).await?;
        let outcome = self.inner.create_or_update(dataset, request).await;
        self.confirm_write(dataset).await;
        write.finish().await;
        outcome
    }

    /// Deletes through the inner repository, then retires the dataset's cached list,
    /// whatever the outcome.
    async fn delete(&self, dataset: &DatasetId, config: &AccessConfigId) -> Result<()> {
        let write = self.start_write(dataset);
        self.announce_write(dataset).await?;
        let outcome = self.inner.delete(dataset, config).await;
        self.confirm_write(dataset).await;
        write.finish().await;
        outcome
    }

    /// Answers from memory when the dataset's list is cached and younger than the time
    /// to live; otherwise loads it once for all concurrent callers. Errors are handed
    /// to the callers that waited for that load, and never cached.
    async fn list(&self, dataset: &DatasetId) -> Result<AccessConfigList> {
        let time_to_live = self.config.time_to_live;
        if time_to_live.is_zero() {
            self.counters.miss(dataset);
            self.counters.load(dataset);
            return self.inner.list(dataset).await;
        }
        // The local generation first: a shared generation read after it can only be
        // as new or newer, never older than the writes the local one reflects.
        let local = self.generations.current(dataset);
        let Some(shared) = self.shared_generation(dataset).await else {
            self.counters.uncached_read();
            self.counters.miss(dataset);
            self.counters.load(dataset);
            return self.inner.list(dataset).await;
        };
        let key = (*dataset, local, shared);
        if let Some(cached) = self.entries.get(&key).await
            && cached.is_fresh(time_to_live)
        {
            self.counters.hit(dataset);
            return Ok(cached.configs);
        }
        self.counters.miss(dataset);
        // Boxed: moka's loading future is large, and inline it would make every call's
        // future (boxed by async-trait) that large too, slowing down hits.
        Box::pin(self.load(key)).await
    }

    /// Never answers from memory: asks the inner repository's `list_fresh`, and keeps
    /// what it answered as the dataset's entry (when no write retired the generation it
    /// was read under meanwhile), so that the next `list` is a hit on the fresh state.
    /// What `SharingService` reads to decide what to write; counted in
    /// [`CacheStats::fresh_reads`](crate::CacheStats::fresh_reads).
    async fn list_fresh(&self, dataset: &DatasetId) -> Result<AccessConfigList> {
        self.counters.fresh_read(dataset);
        if self.config.time_to_live.is_zero() {
            return self.inner.list_fresh(dataset).await;
        }
        // Read before the call, as a load does: an entry is keyed by generations read
        // before its read began, so a write that ends meanwhile retires it.
        let local = self.generations.current(dataset);
        let shared = self.shared_generation(dataset).await;
        let loaded_at = Instant::now();
        let configs = self.inner.list_fresh(dataset).await?;
        if let Some(shared) = shared {
            let key = (*dataset, local, shared);
            let entry = CachedList {
                configs: Arc::clone(&configs),
                loaded_at,
            };
            self.entries.insert(key, entry).await;
            self.drop_if_retired(key).await;
        }
        Ok(configs)
    }
}

impl<R: fmt::Debug> fmt::Debug for CachedRepository<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedRepository")
            .field("inner", &self.inner)
            .field("config", &self.config)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}
