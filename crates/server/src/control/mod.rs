//! The control plane under `/_collab`: what a test suite steers and observes the
//! server with (health, the state, reset, users and datasets, the request journal,
//! fault rules), behind the admin token, and the dashboard page that shows them
//! (`/_collab/`). The real API never uses the prefix; never imports the API.
//!
//! It reaches the state through [`StateAdmin`](collab_core::admin::StateAdmin), the
//! port that both stores implement, so the server still knows no store. What it
//! holds (the admin token, the journal, the armed rules) is in the server's state
//! ([`ControlPlane`](crate::state::control_plane::ControlPlane)), which the API's
//! fault gate reads too.

pub(crate) mod dashboard;
pub(crate) mod error;
pub(crate) mod routes;
pub(crate) mod snapshots;
pub(crate) mod verify;
