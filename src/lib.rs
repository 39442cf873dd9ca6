//! Work with Lightly's Collaboration API from Rust: one port, several backends.
//!
//! This facade re-exports the workspace's crates, each behind a feature of the same
//! name (all but `mock` on by default):
//!
//! | module | crate | what |
//! |---|---|---|
//! | [`core`] | `collab-core` | domain types, the [`AccessConfigRepository`](core::AccessConfigRepository) port, errors, sharing logic |
//! | `fake` | `collab-fake` | in-memory fake with the service's rules |
//! | `http` | `collab-http` | the real API (or `collab serve`) over HTTP |
//! | `cache` | `collab-cache` | caching decorator over any backend |
//! | `server` | `collab-server` | serves the API over any backend |
//! | `store` | `collab-store` | durable store (one SQLite file) with the fake's rules |
//! | `redis` | `collab-redis` | fleet coordination on Redis: lock and cache coherence |
//! | `faults` | `collab-faults` | deterministic fault rules and a decorator that applies them over any backend |
//!
//! Three more features: `cli` (default) builds the `collab` binary and what it needs
//! (clap, the server, the fake, logging); `testing` (default) adds `server::testing`,
//! the in-process `TestServer` and the typed `ControlClient` of `collab serve`'s control
//! plane; `mock` adds mockall's `core::MockAccessConfigRepository`. A library that only
//! talks to the API needs none of them. The package is not published on crates.io:
//! depend on it by path (a clone next to your project) or by git:
//!
//! ```toml
//! collab = { path = "../collab", default-features = false, features = ["http"] }
//! # or
//! collab = { git = "https://example.invalid/collab", default-features = false, features = ["http"] }
//! ```
//!
//! Implementing the port needs no `async-trait` dependency of your own: the attribute
//! is re-exported as `collab::core::async_trait`.
//!
//! ```
//! use collab::core::{
//!     AccessConfigId, AccessConfigList, AccessConfigRepository, DatasetId, Error, Result,
//!     ShareRequest,
//! };
//!
//! /// A backend that refuses everything, e.g. for a read-only deployment.
//! struct ReadOnly;
//!
//! #[collab::core::async_trait]
//! impl AccessConfigRepository for ReadOnly {
//!     async fn create_or_update(&self, _: &DatasetId, _: &ShareRequest) -> Result<AccessConfigId> {
//!         Err(Error::Forbidden { message: "read-only".into() })
//!     }
//!     async fn delete(&self, _: &DatasetId, _: &AccessConfigId) -> Result<()> {
//!         Err(Error::Forbidden { message: "read-only".into() })
//!     }
//!     async fn list(&self, _: &DatasetId) -> Result<AccessConfigList> {
//!         Ok(Vec::new().into())
//!     }
//! }
//! let repo: std::sync::Arc<dyn AccessConfigRepository> = std::sync::Arc::new(ReadOnly);
//! # drop(repo);
//! ```
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
//! repo.create_or_update(&dataset, &ShareRequest::users_only(["ann@example.com"])?).await?;
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
#[cfg(feature = "faults")]
pub use collab_faults as faults;
#[cfg(feature = "http")]
pub use collab_http as http;
#[cfg(feature = "redis")]
pub use collab_redis as redis;
#[cfg(feature = "server")]
pub use collab_server as server;
#[cfg(feature = "store")]
pub use collab_store as store;

/// The README's Rust examples, compiled as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeExamples;
