//! The server's behaviour over real sockets, in one test binary (linked once). One
//! module per concern:
//!
//! - the API: `api` (create, list, delete), `auth`, `errors`, `refusals`,
//!   `creator_values`, `generations` (the two wire generations), `concurrency`;
//! - connections and deadlines: `deadlines`, `timeout`, `limits`, `lingering`,
//!   `shutdown`, `shutdown_grace` (most on tokio's paused clock);
//! - `mount` (`router()` inside a host application);
//! - `control/` (the control plane under `/_collab`) and `openapi/` (the OpenAPI
//!   documents against real answers).
//!
//! Shared set-up is `support/` (a server over the fake, misbehaving backends, raw
//! HTTP/1.1, bounded polls). Two tests stay binaries of their own: `tests/layers.rs`
//! reads the source's imports and links nothing of the server; `tests/logging.rs`
//! installs the process-wide tracing subscriber. The tests here share the process
//! and change nothing process-wide (no environment variable, no global subscriber).

mod support;

mod api;
mod auth;
mod concurrency;
mod control;
mod creator_values;
mod deadlines;
mod errors;
mod generations;
mod limits;
mod lingering;
mod mount;
mod openapi;
mod refusals;
mod shutdown;
mod shutdown_grace;
mod timeout;
