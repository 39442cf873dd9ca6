//! An axum server that serves Lightly's Collaboration API over any
//! [`AccessConfigRepository`](collab_core::AccessConfigRepository).
//!
//! The server speaks the API exactly as Lightly's clients expect it (`collab-http`,
//! Lightly's Python client): the three routes, their status codes, camelCase JSON,
//! `ApiErrorResponse` bodies for every failure, and both of Lightly's ways of sending a
//! token (`?token=` and `Authorization: Bearer`). What happens to the data is the
//! repository's business: usually `collab-fake`'s in-memory store, for offline work
//! and tests, but any backend (or decorator stack) works.
//!
//! # Serving the in-memory fake
//!
//! ```
//! use collab_core::DatasetId;
//! use collab_fake::InMemoryStore;
//! use collab_server::{ServerConfig, bind};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let dataset: DatasetId = "0123456789abcdef01234567".parse()?;
//!     let store = InMemoryStore::new();
//!     store.add_dataset(dataset, "alice");
//!
//!     // Each request acts as the user its token belongs to.
//!     let config = ServerConfig::new(move |user: &str| store.session(user))
//!         .with_user("alice", "alice-token");
//!     let server = bind("127.0.0.1:0".parse()?, config).await?.spawn();
//!
//!     let url = format!("{}/v1/datasets/{dataset}/collaboration/access", server.base_url());
//!     let client = reqwest::Client::new();
//!     let created = client
//!         .post(&url)
//!         .bearer_auth("alice-token")
//!         .json(&serde_json::json!({"accessType": "WRITE", "users": ["ann@example.com"]}))
//!         .send()
//!         .await?;
//!     assert_eq!(created.status(), 201);
//!
//!     let configs: serde_json::Value = client
//!         .get(format!("{url}?token=alice-token"))
//!         .send()
//!         .await?
//!         .json()
//!         .await?;
//!     assert_eq!(configs[0]["users"], serde_json::json!(["ann@example.com"]));
//!
//!     server.shutdown().await; // graceful: requests in flight finish first
//!     Ok(())
//! }
//! ```
//!
//! For a server run from the command line, serve in the foreground until Ctrl-C or
//! `SIGTERM`: `bind(addr, config).await?.serve(shutdown_signal()).await`.
//!
//! # Inside a larger application
//!
//! [`router`] gives the plain axum [`Router`](axum::Router), with its middleware
//! (logging, timeout, body limit, error bodies), to `merge` or `nest` elsewhere.
//!
//! # Failure rules
//!
//! Every request that hyper can parse as HTTP and that is malformed (bad ids, bad
//! JSON, missing credentials, a body over the limit or not arriving in time) answers
//! a `4xx` with an `ApiErrorResponse` body, never a `5xx`, a dropped connection or a
//! panic; see [`router`] for the statuses. Requests that hyper rejects at the
//! protocol level, before the router sees them (a malformed request line or header,
//! a URI or header section over hyper's limits), get hyper's own `400`, `414` or
//! `431` without a body. Tokens are
//! compared in constant time, held as [`SecretString`](secrecy::SecretString), left
//! out of `Debug`, and never logged: the request log has the path without its query
//! string.
#![warn(missing_docs, unreachable_pub)]

mod auth;
mod busy;
mod config;
mod error;
mod extract;
mod handlers;
mod in_flight;
mod json;
mod logging;
mod object_only;
mod openapi;
mod provider;
mod retry_after;
mod router;
mod serve;
mod signals;
mod state;
mod watched_io;

pub use config::{
    DEFAULT_BODY_LIMIT, DEFAULT_BODY_READ_TIMEOUT, DEFAULT_HEADER_READ_TIMEOUT,
    DEFAULT_IDLE_TIMEOUT, DEFAULT_LINGER_BYTES, DEFAULT_LINGER_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS, DEFAULT_REQUEST_TIMEOUT, DEFAULT_SHUTDOWN_GRACE,
    DEFAULT_WRITE_TIMEOUT, ServerConfig,
};
pub use openapi::OPENAPI_JSON;
pub use provider::RepositoryProvider;
pub use router::router;
pub use serve::{BoundServer, ServerHandle, bind, shutdown_signal};
pub use signals::{ShutdownSignal, ShutdownSignals};
