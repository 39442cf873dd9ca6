//! Work with Lightly's Collaboration API from Rust: one port, several backends.
//!
//! This facade re-exports the workspace's crates, each behind a feature. The default
//! is what an application needs: the port and its types ([`core`], always), the HTTP
//! client (`http`), the cache (`cache`) and the in-memory fake (`fake`). Nothing of the
//! server, the durable store, Redis or the command line is built unless asked for.
//!
//! | feature | module | what | default |
//! |---|---|---|---|
//! | (always) | [`core`] | domain types, the [`AccessConfigRepository`](core::AccessConfigRepository) port, errors, [`SharingService`](core::SharingService) | yes |
//! | `http` | `http` | Lightly's API (or `collab serve`) over HTTP: retries, timeouts, redaction | yes |
//! | `cache` | `cache` | the caching decorator over any repository | yes |
//! | `fake` | `fake` | the in-memory fake with the service's rules | yes |
//! | `mock` | `core::MockAccessConfigRepository` | mockall's generated mock | no |
//! | `faults` | `faults` | fault rules and the decorator that applies them over any repository | no |
//! | `testing` | `testing` (and `server::testing`) | the in-process `TestServer`, the typed `ControlClient` of `collab serve`'s control plane, and the `FaultRule` it arms; turns on `server`, `faults`, `fake` | no |
//! | `testkit` | `testkit` | the conformance suite, the model test, proptest strategies | no |
//! | `server` | `server` | the API served over any repository, with the control plane | no |
//! | `store` | `store` | the durable store (one SQLite file) behind `collab serve --data` | no |
//! | `redis` | `redis` | the fleet lock and cache coherence across processes | no |
//! | `fixtures` | `core::fixtures` (files) | reading and writing fixture files (TOML, JSON) | no |
//! | `cli` | `cli` | the command line as a library (the `collab` binary is the workspace root's) | no |
//!
//! One list per use, the same in the README and in `docs/testing.md`:
//!
//! ```toml
//! # An application (a service, a tool) that talks to Lightly's API:
//! [dependencies]
//! collab = { path = "../collab" }                 # defaults: http, cache, fake
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//!
//! # Its tests: the in-process server, fault rules, the testkit, the mock; tokio's
//! # `test-util` for paused time (`#[tokio::test(start_paused = true)]`).
//! [dev-dependencies]
//! collab = { path = "../collab", features = ["testing", "testkit", "mock"] }
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "test-util"] }
//!
//! # An adapter author (a backend of your own), in a crate of its own:
//! # [dependencies]      collab = { path = "../collab", default-features = false }
//! # [dev-dependencies]  collab = { path = "../collab", default-features = false, features = ["testkit"] }
//! ```
//!
//! A fleet of processes adds `redis`. The package is not published on crates.io:
//! depend on it by path (a clone next to your project) or by git (`collab = { git =
//! "https://example.invalid/collab" }`).
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
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs, unreachable_pub)]

pub use collab_core as core;

#[cfg(feature = "cache")]
pub use collab_cache as cache;
#[cfg(feature = "cli")]
pub use collab_cli as cli;
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
#[cfg(feature = "testkit")]
pub use collab_testkit as testkit;

/// What a test of an application needs against a server, in one place (feature
/// `testing`): the in-process [`TestServer`](testing::TestServer), the typed
/// [`ControlClient`](testing::ControlClient) of `collab serve`'s control plane, and the
/// [`FaultRule`](testing::FaultRule) that [`ControlClient::arm_fault`](testing::ControlClient::arm_fault)
/// takes (with the in-process [`Faults`](testing::Faults) and
/// [`FaultyRepository`](testing::FaultyRepository) that apply the same rules).
///
/// ```
/// use collab::testing::{FaultRule, RequestFilter, TestServer};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let server = TestServer::start().await?;
/// let rule = FaultRule::from_json(r#"{"operation": "list", "status": 503, "times": 1}"#)?;
/// server.control().arm_fault(&rule).await?;
/// assert!(server.control().requests(&RequestFilter::new()).await?.is_empty());
/// # Ok(())
/// # }
/// ```
#[cfg(feature = "testing")]
pub mod testing {
    pub use collab_faults::{FaultRule, Faults, FaultyRepository};
    pub use collab_server::testing::*;
}

/// The README's Rust examples, compiled as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeExamples;

/// `docs/testing.md`'s Rust examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/testing.md")]
pub struct TestingGuideExamples;
