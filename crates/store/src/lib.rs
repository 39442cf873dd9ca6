//! A durable store for the Collaboration API: users, datasets and configs in one
//! SQLite file, behind the same rules as the in-memory fake.
//!
//! [`DurableStore::open`] opens (or creates) the file and takes it for this process
//! alone; [`DurableStore::session`] gives a [`DurableSession`] that acts as one user
//! and implements [`AccessConfigRepository`](collab_core::AccessConfigRepository). The
//! service's rules (owner only, one config per dataset and access type, replace keeps
//! id and `createdAt`, the two not-founds, time moves forward) are not written here:
//! they are [`collab_core::rules`], which the fake uses too. This crate only loads a
//! dataset's rows, asks the rules, and writes the answer in one transaction.
//!
//! [`Fixtures`] are the store's contents as a file (TOML or JSON): `collab serve
//! --seed` starts from one, `collab store export` and `import` dump and load them.
//!
//! The file: WAL mode, `synchronous=FULL` (a write is on disk when its call returns),
//! exclusive locking mode (another process gets [`StoreError::Locked`]), and a schema
//! version (`PRAGMA user_version`, see [`SCHEMA_VERSION`]) so that a store made by an
//! older build is migrated and one made by a newer build is refused.
#![warn(missing_docs, unreachable_pub)]

mod admin;
mod error;
mod permissions;
#[cfg(test)]
mod read_path_tests;
mod rows;
mod schema;
mod seed;
mod session;
mod store;
mod stored_user;

pub use collab_core::fixtures::{
    ConfigFixture, DatasetFixture, FixtureError, Fixtures, UserFixture,
};
pub use error::StoreError;
pub use schema::SCHEMA_VERSION;
pub use seed::SeedReport;
pub use session::DurableSession;
pub use store::{Counts, DurableStore};
pub use stored_user::StoredUser;
