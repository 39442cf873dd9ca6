//! The conformance suite of the `AccessConfigRepository` port.
//!
//! Every adapter (the in-memory fake, the HTTP adapter against `collab serve`, the
//! cache over either) runs the same checks, so the adapters cannot drift apart:
//!
//! - [`run_conformance`] runs each plain async check of [`conformance`] against a
//!   [`Fixture`] the adapter provides;
//! - [`strategies`] has proptest strategies for the port's inputs (valid e-mails, team
//!   names, dataset and config ids, share requests) and [`proptest_async`], which runs
//!   an async property over a repository with one runtime for all its cases;
//! - [`check_against_model`] runs random call sequences against the adapter and a
//!   reference model ([`model::SharingModel`], proptest-state-machine) and checks they
//!   agree after every step.
//!
//! ```
//! # #[cfg(feature = "fake")] {
//! use collab_testkit::fake::fake_fixture;
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! collab_testkit::run_conformance(&fake_fixture()).await;
//! # });
//! collab_testkit::check_against_model(8, || async { fake_fixture() });
//! # }
//! ```
//!
//! A backend over the network sets up its users and datasets like
#![cfg_attr(feature = "fake", doc = "[`fake::populated_store`] (feature `fake`)")]
#![cfg_attr(
    not(feature = "fake"),
    doc = "`fake::populated_store` (feature `fake`)"
)]
//! and builds its fixture with [`Fixture::standard`].
#![warn(missing_docs, unreachable_pub)]

mod callsites;
pub mod conformance;
#[cfg(feature = "fake")]
pub mod fake;
mod fixture;
pub mod model;
pub mod snapshots;
pub mod strategies;

pub use callsites::keep_every_callsite_interested;
pub use conformance::run_conformance;
pub use fixture::{Fixture, OWNER, STRANGER, dataset_ids, unknown_config_id};
pub use model::check_against_model;
pub use snapshots::check_snapshots;
pub use strategies::proptest_async;
