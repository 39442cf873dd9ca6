//! An in-memory, multi-user fake of Lightly's Collaboration service.
//!
//! [`InMemoryStore`] holds users and datasets; [`InMemoryStore::session`] gives a
//! [`Session`] that acts as one user and implements
//! [`AccessConfigRepository`](collab_core::AccessConfigRepository) with the service's
//! rules: one config per dataset and access type, replace on update keeping id and
//! creation time, only the owner manages sharing, distinct not-found errors. It runs
//! the same conformance suite (`collab-testkit`) as every other adapter, so a test that
//! passes against the fake means something against the real API.
//!
//! Time comes from a [`Clock`]: the [`SystemClock`], or a [`ManualClock`] for
//! deterministic tests.
#![warn(missing_docs, unreachable_pub)]

mod admin;
mod clock;
mod ids;
mod session;
mod store;

pub use clock::{Clock, ManualClock, SystemClock};
pub use session::Session;
pub use store::InMemoryStore;
