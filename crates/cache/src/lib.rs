//! A caching decorator over any [`AccessConfigRepository`]: [`CachedRepository`].
//!
//! Applications list a dataset's sharing often and change it rarely, and Lightly's API
//! is a remote call with rate limits. [`CachedRepository`] wraps any repository (the
//! HTTP adapter, the in-memory fake, your own), answers repeated `list` calls from
//! memory, and stays exactly as correct as the repository it wraps for everything that
//! goes through it.
//!
//! ```
//! use std::sync::Arc;
//! use collab_cache::{CacheConfig, CachedRepository};
//! use collab_core::AccessConfigRepository;
//!
//! let store = collab_fake::InMemoryStore::new(); // or collab_http::HttpRepository
//! let repo = CachedRepository::new(store.session("alice"), CacheConfig::default());
//! let repo: Arc<dyn AccessConfigRepository> = Arc::new(repo);
//! ```
//!
//! # What it guarantees
//!
//! - **Hits are cheap.** A dataset's list is kept as the port's
//!   [`AccessConfigList`](collab_core::AccessConfigList) (`Arc<[AccessConfig]>`), so a
//!   hit hands out a clone of the `Arc`: no copy of the list, no call.
//! - **Bounded age and size.** A list is answered from memory for at most
//!   [`CacheConfig::time_to_live`] (default 30 s) after the load that fetched it began,
//!   and at most [`CacheConfig::max_datasets`] lists (default 10 000) are kept.
//! - **One load per stampede.** Concurrent misses on one dataset make one call to the
//!   inner repository; every caller that waited gets its list, or its error (moka's
//!   `try_get_with` coalesces them).
//! - **Errors are not cached.** A failed load is handed to the callers that waited for
//!   it and forgotten; the next call loads again.
//! - **Read-your-writes.** Once a `create_or_update` or `delete` through the cache has
//!   returned, successfully or not, no `list` through the same cache that starts
//!   afterwards answers the state from before that write, whatever loads were in
//!   flight when it happened. Failed writes count: one that failed as
//!   [`Error::Unavailable`](collab_core::Error::Unavailable) (a timeout, say) may have
//!   changed the dataset. The exception, which no client-side cache can see, is an
//!   effect that lands at the service only *after* the write returned or was
//!   cancelled: see [below](#writes-whose-outcome-is-unknown).
//!
//! Changes made *elsewhere* (another process, Lightly's web app, a direct call on
//! [`CachedRepository::get_ref`]) are seen once the time to live has run out, or at
//! once after [`CachedRepository::invalidate`].
//! - **No lost update.** A read that decides what to write
//!   ([`AccessConfigRepository::list_fresh`](collab_core::AccessConfigRepository::list_fresh), which `SharingService` uses for every plan
//!   and again right before it writes) is never answered from memory: it goes to the
//!   inner repository, and its answer becomes the dataset's entry. So a change made
//!   elsewhere within the time to live is kept by a grant or revoke through the cache,
//!   not overwritten with the cached state. The window that remains (a change landing
//!   between that read and the write, one round trip) is the API's, not the cache's:
//!   see the port's "Fresh reads".
//!
//! # Read-your-writes: how it is kept
//!
//! Invalidating the dataset's entry after a write is not enough. A load that began
//! *before* the write may return the pre-write list *after* the write has invalidated
//! the entry: moka then stores it (invalidation does not cancel an in-flight load),
//! and worse, moka lets a reader that starts after the write join that in-flight load
//! and take its pre-write answer.
//!
//! So each dataset has a **generation**, a counter that every write advances when the
//! inner write has ended (however it ended), before the write returns. Entries are
//! keyed by *(dataset, generation)*: a reader reads the current generation first and
//! then looks up, or loads, only the entry of that generation.
//!
//! - A load keyed by generation *g* began after the reader that started it had read
//!   *g*; the counter only grows, so it began after every write whose advance produced
//!   a generation up to *g* had ended at the inner repository. It can only see the
//!   state after those writes.
//! - A reader that starts after a write has returned reads a generation at least the
//!   one that write produced. It therefore neither joins nor reads a load keyed by an
//!   older generation: a load that began before the write stores its answer under its
//!   own, retired key, where no later reader looks, and which is then freed.
//! - One advance, after the inner write, suffices: an advance before it would only turn
//!   away readers running concurrently with the write, which may see either state.
//!
//! The counters are striped (4096 atomics, a dataset using the one its id hashes to),
//! so their memory is fixed and no lock is taken; a write to a dataset sharing a stripe
//! costs another dataset a spurious miss, never a stale answer.
//!
//! The time to live is checked on every read by tokio's clock
//! ([`tokio::time::Instant`]), which paused-time tests control (`#[tokio::test(start_paused = true)]`, tokio's `test-util` feature); moka's own expiry,
//! set to the same duration, frees the memory of lists nobody reads again.
//!
//! # Coherence across a fleet
//!
//! Each cache's generations live in its own process, so by themselves they say nothing
//! about writes made through *another* replica's cache. With
//! [`CachedRepository::with_coherence`], the cache also follows a **shared**
//! generation per dataset, kept by an implementation of the core's
//! [`DatasetGenerations`](collab_core::coordination::DatasetGenerations) port that
//! every replica reaches (`collab-redis`'s `RedisCoordinator`):
//!
//! - every write replaces the dataset's shared generation **before** it is sent (if
//!   that fails, the write is not sent and fails as
//!   [`Error::Unavailable`](collab_core::Error::Unavailable) saying nothing was
//!   written) and **after** it ended (if that fails, the write's outcome is returned,
//!   the failure is logged and counted in [`CacheStats::coherence_failures`]);
//! - every `list` reads the shared generation (one round trip) and keys its entry by
//!   it, next to the local one: an entry is served only while the generation it was
//!   loaded under is current.
//!
//! So a `list` that starts on any replica after a write returned on any other reads a
//! shared generation set after that write ended, and only serves an entry whose load
//! began after that: the same argument as above, with the shared generation in the
//! local one's place. The replacement before the write retires, at once, what other
//! replicas held; the one after retires what they loaded while the write was in flight.
//!
//! When the shared generations cannot be read (Redis unreachable), `list` goes to the
//! inner repository uncached (correct, slower): logged once when it starts and once
//! when it ends, and counted in [`CacheStats::uncached_reads`].
//!
//! # Writes whose outcome is unknown
//!
//! A write that ends without the service's answer may change the dataset later than
//! that: a request already on the wire can still reach the service, and be applied,
//! after the caller has stopped waiting for it. This happens when a write fails as
//! [`Error::Unavailable`](collab_core::Error::Unavailable) after its request was sent,
//! and when a write's future is dropped halfway (cancelled: a `tokio::time::timeout`
//! or `select!` around it, an aborted task).
//!
//! The cache retires the dataset's list when the write returns, or, for a cancelled
//! write, when its future is dropped (a drop guard does it), so nothing loaded before
//! that moment is answered again. But it cannot know when, or whether, the service
//! applies the write: a `list` that loads between that moment and the write landing
//! gets the old state, and the cache answers it for up to the time to live. So:
//!
//! - **Put timeouts inside**, on the HTTP adapter (`collab_http`'s
//!   `with_request_timeout` and `RetryPolicy::max_elapsed`): its per-attempt timeout
//!   ends each request before the write returns, so no attempt is still being sent or
//!   retried after that, and the write then returns `Unavailable`, which tells you the
//!   outcome is unknown.
//! - **Do not cancel writes from outside**: a cancellation says nothing about whether
//!   the write happened, nor when.
//! - **Call [`CachedRepository::invalidate`]** once the outcome is known, or when it
//!   should have landed, after a write that ended without an answer: the next `list`
//!   loads afresh.
//!
//! # Stacking with the HTTP adapter: cache outside, retries and timeouts inside
//!
//! Put the cache *outside* `collab_http::HttpRepository`, whose retries and
//! per-attempt timeouts stay inside it, next to the network:
//!
//! ```text
//! application -> CachedRepository -> HttpRepository (timeout per attempt, retries) -> network
//! ```
//!
//! - A hit never reaches the network, so it must not pay for (or be delayed by)
//!   retries and timeouts: they belong to the calls that are made.
//! - A stampede makes **one** load, and that load retries on behalf of every waiter. With
//!   retries outside the cache, each waiter would get the first failure and retry on
//!   its own schedule, turning one failed load into many calls against a rate-limited
//!   API, exactly what the cache is there to avoid.
//! - Errors are not cached, so a rate-limit or outage error is not replayed to later
//!   callers; the next call loads again (after the adapter's own retries gave up).
//! - A write is invalidated once, after the adapter's last attempt, whatever the
//!   outcome: with retries outside, the cache would retire the entry after each attempt,
//!   harmlessly but for nothing. A write that fails as unavailable (a timeout after
//!   the request was sent) has an unknown outcome, and the cache treats it as done
//!   when it returns (see [above](#writes-whose-outcome-is-unknown) for an effect that
//!   lands later).
//! - Timeouts go inside too: bound a call with the adapter's request timeout and
//!   `RetryPolicy::max_elapsed`, not with a `tokio::time::timeout` around a call on the
//!   cache. Around a `list` an outer deadline is harmless (a call dropped while waiting
//!   leaves the other waiters waiting; if it was the one running the load, one of them
//!   runs it again), but around a write it cancels the adapter's retries half-way and
//!   leaves the write's outcome unknown without saying so, and its effect may land
//!   after the cache retired the dataset's list.
//!
//! The same composition, shown over the in-memory fake so that it runs anywhere (with
//! the HTTP adapter, put the `HttpRepository` where the fake's session is):
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use collab_cache::{CacheConfig, CachedRepository};
//! use collab_core::{AccessConfigRepository, DatasetId, ShareRequest};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> collab_core::Result<()> {
//! let dataset: DatasetId = "0123456789abcdef01234567".parse().unwrap();
//! let store = collab_fake::InMemoryStore::new();
//! store.add_dataset(dataset, "alice");
//!
//! // The backend, with its own retries and timeouts (here: the fake, which needs none).
//! let backend = store.session("alice");
//! // The cache outside it.
//! let config = CacheConfig::new().with_time_to_live(Duration::from_secs(10));
//! let repo: Arc<dyn AccessConfigRepository> = Arc::new(CachedRepository::new(backend, config));
//!
//! assert!(repo.list(&dataset).await?.is_empty());
//! repo.create_or_update(&dataset, &ShareRequest::write(["ann@example.com"], ["acme"])?)
//!     .await?;
//! // Read-your-writes: the empty list cached before the write is never answered again.
//! let configs = repo.list(&dataset).await?;
//! assert_eq!(configs[0].users, ["ann@example.com"]);
//! # Ok(())
//! # }
//! ```
//!
//! [`AccessConfigRepository`]: collab_core::AccessConfigRepository

mod config;
mod generation;
mod repository;
mod stats;

pub use config::CacheConfig;
pub use repository::CachedRepository;
pub use stats::CacheStats;
