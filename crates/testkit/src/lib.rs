//! The conformance suite of the `AccessConfigRepository` port.
//!
//! Every adapter (the in-memory fake, the HTTP adapter against `collab serve`, the
//! cache over either) runs the same checks, so the adapters cannot drift apart:
//!
//! - [`run_conformance`] runs each plain async check of [`conformance`] against a
//!   [`Fixture`] the adapter provides;
//! - [`check_against_model`] runs random call sequences against the adapter and a
//!   reference model ([`model::SharingModel`], proptest-state-machine) and checks they
//!   agree after every step.
//!
//! ```
//! use collab_fake::InMemoryStore;
//! use collab_testkit::{Fixture, dataset_ids, run_conformance};
//!
//! fn fake_fixture() -> Fixture<collab_fake::Session> {
//!     let (dataset, other_dataset, unknown_dataset) = dataset_ids();
//!     let store = InMemoryStore::new();
//!     store.add_dataset(dataset, "alice");
//!     store.add_dataset(other_dataset, "alice");
//!     store.add_user("bob");
//!     Fixture {
//!         owner: store.session("alice"),
//!         stranger: store.session("bob"),
//!         unauthenticated: store.session("nobody"),
//!         owner_name: "alice".into(),
//!         dataset,
//!         other_dataset,
//!         unknown_dataset,
//!     }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! run_conformance(&fake_fixture()).await;
//! # });
//! collab_testkit::check_against_model(8, || async { fake_fixture() });
//! ```
#![warn(missing_docs, unreachable_pub)]

pub mod conformance;
mod fixture;
pub mod model;

pub use conformance::run_conformance;
pub use fixture::{Fixture, dataset_ids};
pub use model::check_against_model;
