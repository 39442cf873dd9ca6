//! Work with Lightly's Collaboration API from Rust: one port, several backends.
//!
//! This facade re-exports the workspace's crates, each behind a feature of the same
//! name (all on by default):
//!
//! | module | crate | what |
//! |---|---|---|
//! | [`core`] | `collab-core` | domain types, the [`AccessConfigRepository`](core::AccessConfigRepository) port, errors, sharing logic |
//! | `fake` | `collab-fake` | in-memory fake with the service's rules |
//! | `http` | `collab-http` | the real API (or `collab serve`) over HTTP |
//! | `cache` | `collab-cache` | caching decorator over any backend |
//! | `server` | `collab-server` | serves the API over any backend |
//! | `redis` | `collab-redis` | fleet coordination on Redis: lock and cache coherence |
//!
//! ```
//! # #[cfg(feature = "fake")] {
//! use collab::core::{AccessConfigRepository, DatasetId, ShareRequest};
//! use collab::fake::InMemoryStore;
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let dataset: DatasetId = "0123456789abcdef01234567".parse()?;
//! let store = InMemoryStore::new();
//! store.add_dataset(dataset, "alice");
//! let repo = store.session("alice");
//! repo.create_or_update(&dataset, &ShareRequest::write(["ann@example.com"], [""; 0])?).await?;
//! assert_eq!(repo.list(&dataset).await?[0].users, ["ann@example.com"]);
//! # Ok::<(), collab::core::Error>(()) }).unwrap();
//! # }
//! ```
#![warn(missing_docs, unreachable_pub)]

pub use collab_core as core;

#[cfg(feature = "cache")]
pub use collab_cache as cache;
#[cfg(feature = "fake")]
pub use collab_fake as fake;
#[cfg(feature = "http")]
pub use collab_http as http;
#[cfg(feature = "redis")]
pub use collab_redis as redis;
#[cfg(feature = "server")]
pub use collab_server as server;

/// The README's Rust examples, compiled as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeExamples;
