//! Does the fake answer as Lightly's API does? Record a session with the real API
//! through a proxy, replay it against a fresh fake, and report every difference.
//!
//! This is what `collab record` and `collab check-drift` are made of, usable without
//! the binary (`docs/fidelity.md` tells the whole story):
//!
//! - [`RecorderBuilder`] → [`Recorder`]: a proxy between a client and the API that
//!   keeps every request and answer, credentials replaced by placeholders, and reads
//!   each dataset's configs before the first request that touches it and at the end;
//!   it hands over a [`Recording`];
//! - [`Recording`]: the file, format 1 (JSON), read with [`Recording::from_json`] and
//!   written with [`Recording::to_json`];
//! - [`DriftCheck`] → [`Report`]: the replay against a fresh in-memory fake served as
//!   `collab serve` serves it, both sides normalised (ids, times, request ids, the
//!   order of lists), each difference a [`Finding`] by JSON path with a [`Severity`];
//! - [`lint`]: the search of a file for values that look like credentials;
//! - [`Error`]: what can go wrong, by what the caller can do.
//!
//! # Example: record a session, then check the fake against it
//!
//! The upstream here is a `collab-server` over the fake, so the fake agrees with it;
//! against Lightly's API it is `https://api.lightly.ai` and a token of yours.
//!
//! ```
//! # #[tokio::main(flavor = "multi_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use collab_fake::InMemoryStore;
//! use collab_fidelity::{DriftCheck, Recorder};
//! use collab_server::ServerConfig;
//!
//! // An upstream: the fake with one user and one dataset, on a loopback port.
//! let store = InMemoryStore::new();
//! store.add_user("alice");
//! store.add_dataset("5f0e4a6b2c1d3e4f5a6b7c8d".parse()?, "alice");
//! let sessions = store.clone();
//! let config = ServerConfig::new(move |user: &str| sessions.session(user))
//!     .with_user("alice", "alice-token");
//! let upstream = collab_server::bind(([127, 0, 0, 1], 0).into(), config).await?.spawn();
//!
//! // The proxy in front of it; clients talk to `proxy.url()`.
//! let recorder = Recorder::builder().with_upstream(upstream.base_url()).build()?;
//! let proxy = recorder.bind(([127, 0, 0, 1], 0).into()).await?;
//! let access = format!(
//!     "{}/v1/datasets/5f0e4a6b2c1d3e4f5a6b7c8d/collaboration/access?token=alice-token",
//!     proxy.url()
//! );
//! let client = reqwest::Client::new();
//! let body = serde_json::json!({"accessType": "WRITE", "users": ["ann@example.com"]});
//! assert_eq!(client.post(&access).json(&body).send().await?.status(), 201);
//! assert_eq!(client.get(&access).send().await?.status(), 200);
//!
//! // Stopped, it reads the end state and hands over the recording: no token in it.
//! let recording = proxy.stop().await?;
//! assert_eq!(recording.steps.len(), 2);
//! assert!(!recording.to_json().contains("alice-token"));
//!
//! let report = DriftCheck::new().run(&recording).await?;
//! assert!(!report.has_drift(), "{}", report.text());
//! assert_eq!(report.summary.end_states, 1);
//! upstream.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod drift;
mod error;
pub mod lint;
mod record;
mod recording;

pub use drift::{DriftCheck, EndStateReport, Finding, Report, Severity, StepReport, Summary};
pub use error::Error;
pub use record::{Recorder, RecorderBuilder, RecordingProxy};
pub use recording::{
    Caller, CredentialState, DatasetStates, FORMAT, Gap, Message, Recording, Request, StateRead,
    Step,
};
