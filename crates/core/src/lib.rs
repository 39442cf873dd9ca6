//! The domain core of the Collaboration API workspace: the types of Lightly's
//! Collaboration API, the [`AccessConfigRepository`] port every backend implements,
//! the port's [`Error`], and sharing logic ([`SharingService`]) that works over any
//! backend.
//!
//! This crate knows no backend. Pick one and inject it:
//!
//! - `collab-fake`: an in-memory fake with the service's rules, for tests and offline work;
//! - `collab-http`: Lightly's API (or `collab serve`) over HTTP;
//! - `collab-cache`: a caching decorator over any of them;
#![cfg_attr(
    feature = "mock",
    doc = "- [`MockAccessConfigRepository`] (feature `mock`): mockall's generated mock."
)]
#![cfg_attr(
    not(feature = "mock"),
    doc = "- `MockAccessConfigRepository` (feature `mock`): mockall's generated mock."
)]
//!
//! # Testing your code with the generated mock
//!
//! ```
//! # #[cfg(feature = "mock")] {
//! use collab_core::{DatasetId, MockAccessConfigRepository, SharingService};
//!
//! # tokio_test();
//! # fn tokio_test() {
//! let dataset: DatasetId = "0123456789abcdef01234567".parse().unwrap();
//! let mut repo = MockAccessConfigRepository::new();
//! // No config yet, so revoking changes nothing: no write may happen. The service
//! // decides what to write from a fresh read (`list_fresh`), never from `list`.
//! repo.expect_list_fresh().times(1).returning(|_| Ok(Vec::new().into()));
//! repo.expect_create_or_update().never();
//!
//! let sharing = SharingService::new(repo);
//! let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
//! let applied = runtime.block_on(sharing.revoke(&dataset, ["ann@example.com"])).unwrap();
//! assert!(applied.plan.is_noop() && !applied.wrote());
//! # }
//! # }
//! ```
#![warn(missing_docs, unreachable_pub)]

pub mod admin;
mod api_error;
pub mod coordination;
mod creator;
mod error;
pub mod fixtures;
mod id;
mod model;
mod repository;
pub mod request;
pub mod rules;
pub mod sharing;
mod text_enum;
pub mod time;
pub mod wire;

pub use api_error::{ApiErrorCode, ApiErrorResponse};
/// The attribute the port is declared with, re-exported so that implementing
/// [`AccessConfigRepository`] needs no `async-trait` dependency of a matching version:
/// write `#[collab_core::async_trait]` on the `impl` (see the trait's docs).
pub use async_trait::async_trait;
pub use creator::Creator;
pub use error::{Error, ErrorSource, FailedAttempts, Result};
pub use id::{AccessConfigId, DatasetId, OBJECT_ID_LEN, ObjectId, ParseIdError};
pub use model::{AccessConfig, CreateEntityResponse, SharedAccessType};
#[cfg(feature = "mock")]
pub use repository::MockAccessConfigRepository;
pub use repository::{AccessConfigList, AccessConfigRepository};
pub use request::ShareRequest;
pub use sharing::{Applied, SharingPlan, SharingService, UserChange};
pub use time::{BeforeEpoch, OutOfRange, Timestamp};
