//! Fleet coordination on Redis: many replicas of an application (and workers, cron
//! jobs, `collab --redis`) changing the same datasets lose no grant or revoke, and
//! none of their caches answers a read with the state from before a write that
//! returned anywhere.
//!
//! [`RedisCoordinator`] implements the core's coordination ports
//! ([`collab_core::coordination`]): the per-dataset lock that
//! `SharingService::with_fleet_locks` takes around each read-modify-write, and the
//! per-dataset generations that `CachedRepository::with_coherence` checks on every
//! read and replaces around every write.
//!
//! # Composing the fleet stack
//!
//! Every replica builds the same stack, with its own cache and its own connection:
//!
//! ```no_run
//! use std::sync::Arc;
//! use collab_cache::{CacheConfig, CachedRepository};
//! use collab_core::{AccessConfigRepository, DatasetId, SharingService};
//! use collab_redis::RedisConfig;
//!
//! # async fn replica(api: impl AccessConfigRepository + 'static) -> Result<(), Box<dyn std::error::Error>> {
//! // REDIS_URL if set, else redis://127.0.0.1:6379; keys prefixed "collab:".
//! // Refuses values that cannot work, naming the setting.
//! let redis = Arc::new(RedisConfig::new().url_from_env().build()?);
//! let repo = CachedRepository::new(api, CacheConfig::default()).with_coherence(Arc::clone(&redis));
//! let sharing = SharingService::new(repo).with_fleet_locks(redis);
//!
//! let dataset: DatasetId = "5f0e4a6b2c1d3e4f5a6b7c8d".parse()?;
//! sharing.grant(&dataset, ["ann@example.com"]).await?; // under the fleet lock
//! let users = sharing.shared_users(&dataset).await?; // never older than a returned write
//! # Ok(()) }
//! ```
//!
//! # What it guarantees
//!
//! - **No lost update** among callers that change sharing through a `SharingService`
//!   with the fleet locks: each read-modify-write holds the dataset's lock on Redis.
//!   The limits of a lease (a holder that stalls past its time to live) are in
//!   [`collab_core::coordination`]; a stall is detected before the write where
//!   possible ([`RedisConfig::lease_time_to_live`]).
//! - **No stale read after a write returned**, in any cache of the fleet: a write
//!   replaces the dataset's generation before and after it is sent, and a cache serves
//!   an entry only while the generation it was loaded under is current (one Redis
//!   round trip per read).
//! - **Failure is explicit.** Redis unreachable: reads go to the inner repository
//!   uncached (logged; counted in `CacheStats::uncached_reads`); writes through a
//!   coherent cache and taking a lock fail with
//!   [`Error::Unavailable`](collab_core::Error::Unavailable) whose source is a
//!   [`CoordinationError`](collab_core::coordination::CoordinationError), and nothing
//!   is written, unless [`RedisConfig::best_effort`] is set.
#![warn(missing_docs, unreachable_pub)]

mod config;
mod coordinator;
mod error;
mod lease;
#[cfg(feature = "testing")]
pub mod testing;
mod token;

pub use config::{RedisConfig, redact_url};
pub use coordinator::RedisCoordinator;
pub use error::Error;
