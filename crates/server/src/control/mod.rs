//! The control plane under `/_collab`: what a test suite steers and observes the
//! server with (health, the state, reset, users and datasets, the request journal),
//! behind the admin token, and the dashboard page that shows them (`/_collab/`). The
//! real API never uses the prefix.
//!
//! It reaches the state through [`StateAdmin`](collab_core::admin::StateAdmin), the
//! port that both stores implement, so the server still knows no store.

pub(crate) mod dashboard;
pub(crate) mod error;
pub(crate) mod journal;
pub(crate) mod plane;
pub(crate) mod routes;
pub(crate) mod snapshots;
pub(crate) mod verify;
