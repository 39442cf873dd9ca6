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
//! use collab_server::ServerConfig;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let dataset: DatasetId = "0123456789abcdef01234567".parse()?;
//!     let store = InMemoryStore::new();
//!     store.add_dataset(dataset, "alice");
//!
//!     // Each request acts as the user its token belongs to. `build` checks the
//!     // settings together and names the setter of one that cannot work.
//!     let server = ServerConfig::new(move |user: &str| store.session(user))
//!         .with_user("alice", "alice-token")
//!         .build()?
//!         .bind("127.0.0.1:0".parse()?)
//!         .await?
//!         .spawn();
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
//! One way to configure, as in the other crates: [`ServerConfig`]'s `with_*` setters,
//! then [`ServerConfig::build`] into a [`Server`]. [`bind`]`(addr, config)` is
//! `config.build()?.bind(addr)` in one call, with an invalid config an `InvalidInput`
//! I/O error.
//!
//! For a server run from the command line, serve in the foreground until Ctrl-C or
//! `SIGTERM`: `server.bind(addr).await?.serve(signal).await`, where `signal` is any
//! future (`tokio::signal::ctrl_c()`, say; `collab serve` listens for both signals, and a
//! second one ends the grace period at once).
//!
//! # Connections: deadlines and limits
//!
//! [`bind`] serves each connection with hyper-util's HTTP/1 and HTTP/2 builder (with
//! tokio's timer), under deadlines and limits that no client can stretch. Each is a
//! [`ServerConfig`] setter; the defaults:
//!
//! | limit | default | what happens |
//! |---|---|---|
//! | header read | [`DEFAULT_HEADER_READ_TIMEOUT`] (10 s) | a request head not in full within it, from the connection's acceptance (first request) or the head's first byte (later ones), closes the connection |
//! | idle keep-alive | [`DEFAULT_IDLE_TIMEOUT`] (30 s) | no byte of a next request within it after an answer closes the connection |
//! | body read | [`DEFAULT_BODY_READ_TIMEOUT`] (10 s, at most half the request timeout) | `400` |
//! | request | [`DEFAULT_REQUEST_TIMEOUT`] (30 s) | `503` with `Retry-After` |
//! | write | [`DEFAULT_WRITE_TIMEOUT`] (10 s) | a write of an answer that makes no progress for this long (a client that does not read) drops the connection and the answer it pinned |
//! | connections | [`DEFAULT_MAX_CONNECTIONS`] (512) | past it, up to 64 more are answered `503` with `Retry-After` and `Connection: close`; any beyond are closed at once |
//! | lingering close | [`DEFAULT_LINGER_TIMEOUT`] (5 s), [`DEFAULT_LINGER_BYTES`] (64 MiB) | after an answer sent before the request body was read (an early `413`), the server stops writing and discards what the client still sends, so the client reads the answer instead of a reset |
//! | shutdown grace | [`DEFAULT_SHUTDOWN_GRACE`] (10 s) | on shutdown: stop accepting, answer the requests in flight with `Connection: close`, close idle connections; what is left when the grace period ends is closed |
//! | request body | [`DEFAULT_BODY_LIMIT`] (1 MiB) | `413` |
//!
//! The server's own `503`s carry `Retry-After: 1` (a fault rule's, only when the rule
//! sets `retryAfter`). [`ServerHandle::open_connections`] tells how
//! many connections the server holds.
//!
//! # Inside a larger application
//!
//! [`Server::router`] (or [`router`] on an unchecked config) gives the plain axum
//! [`Router`](axum::Router), with its middleware (the record, timeout, body limit,
//! error bodies), to mount with `nest_service` under a prefix of a host application.
//! The connection settings (deadlines, the connection limit) are [`Server::bind`]'s;
//! a host's server applies its own.
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

// The modules by rank, lowest first: a module imports only its own rank and those
// below, and `api` and `control` never each other (`docs/architecture.md`, "The
// server, by concern"; `tests/layers.rs` checks it).
// 0, 1: the wire's vocabulary, then the request's context.
mod http;
mod request;
// 2, 3, 4: the journal and the provider port, the configuration, the shared state.
mod journal;
mod provider;

mod config;

mod state;
// 5: the layers every request passes.
mod middleware;
// 6: the API and the control plane, side by side.
mod api;
mod control;
// 7, 8, 9: the router, serving sockets, the test server.
mod router;

mod serve;
#[cfg(feature = "testing")]
pub mod testing;

pub use api::openapi::{OPENAPI_2022_JSON, OPENAPI_JSON};
pub use api::versions::{LATEST_CLIENT_VERSION, MINIMUM_CLIENT_VERSION};
pub use config::{
    ConfigError, DEFAULT_BODY_LIMIT, DEFAULT_BODY_READ_TIMEOUT, DEFAULT_HEADER_READ_TIMEOUT,
    DEFAULT_IDLE_TIMEOUT, DEFAULT_LINGER_BYTES, DEFAULT_LINGER_TIMEOUT, DEFAULT_MAX_CONNECTIONS,
    DEFAULT_REQUEST_TIMEOUT, DEFAULT_SHUTDOWN_GRACE, DEFAULT_WRITE_TIMEOUT, Server, ServerConfig,
};
pub use control::routes::CONTROL_OPENAPI_JSON;
pub use http::generation::WireMode;
pub use journal::{DEFAULT_JOURNAL_SIZE, JOURNAL_BODY_BUDGET, JOURNAL_BODY_LIMIT, RecordedRequest};
pub use provider::RepositoryProvider;
pub use request::access_log::{ACCESS_LOG_TARGET, AccessLine, AccessLog};
pub use router::router;
pub use serve::bind::{BoundServer, ServerHandle, bind};
