//! The HTTP adapter of the [`AccessConfigRepository`](collab_core::AccessConfigRepository)
//! port: [`HttpRepository`] talks to Lightly's Collaboration API (or to `collab serve`)
//! with reqwest over rustls.
//!
//! It adds to a bare HTTP call what a client of the API needs: both of Lightly's
//! authentication schemes, timeouts, retries with backoff and jitter, the mapping of
//! every answer to the port's types and [`Error`](collab_core::Error)s, and the
//! removal of the credential from every error, log line and `Debug` output.
//!
//! # Building a repository
//!
//! Like Lightly's own clients, the API token may come from `LIGHTLY_TOKEN` and the
//! server from `LIGHTLY_SERVER_LOCATION` (default `https://api.lightly.ai`):
//!
//! ```
//! use collab_http::{BuildError, HttpRepository};
//!
//! fn from_environment() -> Result<HttpRepository, BuildError> {
//!     HttpRepository::builder().base_url_from_env().token_from_env()?.build()
//! }
//!
//! match from_environment() {
//!     Ok(repo) => println!("talking to {}", repo.base_url()),
//!     Err(error @ BuildError::MissingToken { .. }) => println!("{error}"),
//!     Err(error) => panic!("{error}"),
//! }
//! ```
//!
//! Or configure everything in code. An API token travels as the query parameter
//! `token`; a JWT as `Authorization: Bearer`:
//!
//! ```
//! use std::time::Duration;
//! use collab_http::{HttpRepository, RetryPolicy};
//!
//! let repo = HttpRepository::builder()
//!     .with_base_url("http://127.0.0.1:8080") // e.g. `collab serve`
//!     .with_api_token("token-a")
//!     .with_connect_timeout(Duration::from_secs(2))
//!     .with_request_timeout(Duration::from_secs(10))
//!     .with_retry(RetryPolicy::new().with_max_attempts(3))
//!     .with_user_agent("my-tool/1.0")
//!     .build()?;
//! // Clones are cheap and share one connection pool.
//! let for_another_task = repo.clone();
//! assert!(!format!("{for_another_task:?}").contains("token-a"));
//! # Ok::<(), collab_http::BuildError>(())
//! ```
//!
//! # Generations of the wire
//!
//! Requests are written in today's generation (`teams`; `creator` only when the
//! caller set one) unless
//! [`HttpRepositoryBuilder::with_wire_generation`] pins the 2022 one (`organizations`,
//! no `creator`) for a server that still speaks it. Answers are read in either
//! generation whatever the setting.
//!
//! # Errors
//!
//! Every non-success answer goes through [`collab_core::wire::error_from_response`], the
//! workspace's one mapping from statuses and `ApiErrorResponse` codes to
//! [`Error`](collab_core::Error) variants: `404 DATASET_UNKNOWN` is
//! `DatasetNotFound`, `404 ACCESS_CONTROL_UNKNOWN` is `AccessConfigNotFound`, `401`
//! `Unauthorized`, `403` `Forbidden`, `400` `InvalidRequest`, `429` `RateLimited`, `5xx`
//! `Unavailable`. An error body may name its text `message` (2022) or `error` (today);
//! unknown fields and codes are tolerated, and the service's `requestId` stays with
//! every error built from an answer, shown by its `Display` and returned by
//! [`Error::request_id`](collab_core::Error::request_id) (quote it to Lightly's
//! support). A success whose body is
//! not what the API defines is `UnexpectedResponse`, with the status and at most 200
//! characters of the body. A transport failure or timeout is `Unavailable`, with
//! reqwest's error (its URL removed) as the source.
//!
//! An `Unavailable` after more than one attempt, or of a write (`create_or_update`,
//! `delete`) one of whose attempts may have reached the service (a timeout, a
//! connection lost after sending, a `5xx`), says so: its message starts with `after 3
//! attempts` and, for such a write, `the write's outcome is unknown (it may have been
//! applied)`; [`Error::attempts`](collab_core::Error::attempts) and
//! [`Error::outcome_unknown`](collab_core::Error::outcome_unknown) read it back, and the
//! reqwest error is then under a [`FailedAttempts`](collab_core::FailedAttempts)
//! ([`Error::find_source`](collab_core::Error::find_source) finds it). A write whose
//! outcome is unknown may have happened: read the state again before deciding.
//!
//! # Retries, timeouts and stacking
//!
//! Retries live *inside* this adapter, around each HTTP attempt, and each attempt has
//! its own timeout within the policy's time budget (see [`RetryPolicy`]). Other
//! layers go *outside*:
//!
//! ```text
//! caller ──> cache (collab-cache) ──> HttpRepository [ retry ( timeout ( attempt ) ) ] ──> API
//! ```
//!
//! - **Cache outside, retries inside.** A cache hit then never waits for a backoff, and
//!   concurrent misses that the cache coalesces into one load share one retried call
//!   instead of each retrying on its own. Since errors are not cached, a call that
//!   failed after its retries is tried afresh by the next caller.
//! - **Timeout inside retry.** A timed-out attempt is one failed attempt that the
//!   policy may retry, all within one time budget
//!   ([`HttpRepositoryBuilder`'s "The time budget of a call"](HttpRepositoryBuilder#the-time-budget-of-a-call)).
//!   To cap a call tighter, give it an overall deadline
//!   ([`HttpRepositoryBuilder::with_call_timeout`], or
//!   [`with_deadline`](HttpRepositoryBuilder::with_deadline) for several calls) rather
//!   than wrapping the repository in an outer timeout, which would cancel a retry
//!   half-way and leave a write's outcome unknown without saying so.
//! - **The retry budget across clones.** A [`RetryBudget`] shared by a repository's
//!   clones stops a fleet of callers from multiplying a dead service's load.
//!
//! ```
//! use std::sync::Arc;
//! use collab_cache::{CacheConfig, CachedRepository};
//! use collab_core::AccessConfigRepository;
//! use collab_http::{HttpRepository, RetryPolicy};
//!
//! let api = HttpRepository::builder()
//!     .with_base_url("http://127.0.0.1:8080")
//!     .with_api_token("token-a")
//!     .with_retry(RetryPolicy::default()) // inside: around each HTTP attempt
//!     .build()?;
//! let repo = CachedRepository::new(api, CacheConfig::default()); // outside
//! // The application holds the port, not the stack:
//! let repo: Arc<dyn AccessConfigRepository> = Arc::new(repo);
//! # drop(repo);
//! # Ok::<(), collab_http::BuildError>(())
//! ```
//!
//! # Talking to a server
//!
//! Against `collab serve`'s library form: an in-process server over the in-memory fake,
//! on a loopback port.
//!
//! ```
//! use collab_core::{AccessConfigRepository, DatasetId, Error, ShareRequest};
//! use collab_http::HttpRepository;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dataset: DatasetId = "0123456789abcdef01234567".parse()?;
//! let store = collab_fake::InMemoryStore::new();
//! store.add_dataset(dataset, "alice");
//! let config = collab_server::ServerConfig::new(move |user: &str| store.session(user))
//!     .with_user("alice", "token-a");
//! let server = collab_server::bind("127.0.0.1:0".parse()?, config).await?.spawn();
//!
//! let repo = HttpRepository::builder()
//!     .with_base_url(server.base_url())
//!     .with_api_token("token-a")
//!     .build()?;
//! let request = ShareRequest::write(["ann@example.com"], ["acme"])?;
//! let id = repo.create_or_update(&dataset, &request).await?;
//! let configs = repo.list(&dataset).await?;
//! assert_eq!(configs[0].id, id);
//! assert_eq!(configs[0].users, ["ann@example.com"]);
//!
//! repo.delete(&dataset, &id).await?;
//! let again = repo.delete(&dataset, &id).await;
//! assert!(matches!(again, Err(Error::AccessConfigNotFound { .. })));
//! server.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # Tracing
//!
//! Every port call is a `tracing` span, `collab_http.call` (fields `collab.operation`,
//! `collab.dataset`, `collab.config` for a delete, then `collab.attempts` and, when it
//! failed, `error.type`). Each HTTP attempt is a child span, `collab_http.attempt`,
//! with OpenTelemetry's HTTP client field names: `http.request.method`, `url.path`
//! (never the query, which holds an API token), `server.address`, `server.port`,
//! `http.request.resend_count` (from the first retry on), `http.response.status_code`
//! and `error.type` (the status of an error answer, else the kind of failure);
//! `otel.name` and `otel.kind` let `tracing-opentelemetry` name it as OpenTelemetry
//! does. Each retry is a `WARN` event (target [`RETRY_TARGET`]), once per retry: `collab-http: attempt N failed,
//! retrying in D ms`, with `attempt`, `next_attempt`, `delay_ms`, `reason` and
//! `collab.operation`, so that an application logging at `INFO` sees a struggling call
//! (a service down, rate limits) instead of a silent wait.
//!
//! Spans are at `INFO` and print nothing by themselves; the event per attempt (its
//! status and time) is at `DEBUG`: an `INFO` log stays quiet while calls succeed at
//! once, and a trace shows every call and attempt. No span, field or event holds a
//! credential. The README's "Seeing what it does" shows a subscriber set-up, and the
//! `opentelemetry` example how the spans reach OpenTelemetry.
#![warn(missing_docs, unreachable_pub)]

mod auth;
mod build_error;
mod builder;
mod call_limit;
mod endpoint;
mod repository;
mod response;
mod retry;
mod retry_budget;
mod spans;
// Not an API: the fuzz targets' way in to the answer readers (`fuzz/`).
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

pub use build_error::BuildError;
pub use builder::{
    DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT, DEFAULT_USER_AGENT,
    HttpRepositoryBuilder, SERVER_LOCATION_ENV, TOKEN_ENV,
};
/// The generation of the wire, for
/// [`HttpRepositoryBuilder::with_wire_generation`]; re-exported from
/// `collab_core::wire` so that pinning one needs no other import.
pub use collab_core::wire::WireGeneration;
pub use repository::HttpRepository;
pub use retry::RetryPolicy;
pub use retry_budget::RetryBudget;

/// The `tracing` target of the `WARN` event logged once per retry (see "Retries,
/// timeouts and stacking"): a subscriber's filter can silence it alone, e.g.
/// `RUST_LOG=warn,collab_http::retry=error` for a tool that reports failures its own
/// way (the `collab` command does, with a spinner and one error line).
pub const RETRY_TARGET: &str = "collab_http::retry";
