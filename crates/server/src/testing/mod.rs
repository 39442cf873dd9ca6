//! For tests (feature `testing`): [`TestServer`], a server on an ephemeral loopback
//! port over the in-memory fake, with a user, a token and a dataset ready, and
//! [`ControlClient`], a typed client of the control plane that works against a
//! `collab serve` process as well.
//!
//! ```
//! use collab_server::testing::{RequestFilter, TestServer};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = TestServer::start().await?;
//! let url = format!("{}?token={}", server.access_url(&server.dataset()), server.token());
//! let listed = reqwest::get(&url).await?;
//! assert_eq!(listed.status(), 200);
//!
//! // What the server received, without sleeping: the entry is in before the answer.
//! let seen = server.control().requests(&RequestFilter::new().method("GET")).await?;
//! assert_eq!(seen.len(), 1);
//! assert_eq!(seen[0].user.as_deref(), Some(server.user()));
//!
//! // A clean state for the next test, and a dataset of its own.
//! server.control().reset().await?;
//! let mine = server.control().add_dataset(server.user(), None).await?;
//! assert_ne!(mine, server.dataset());
//! server.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod client;
mod server;
mod verify;
// Not an API: the fuzz targets' way in to the hand-written parsers (`fuzz/`).
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

pub use client::{ControlClient, ControlClientError, NewUser, RequestFilter};
pub use server::{Sessions, TestServer, TestServerBuilder};
pub use verify::{Difference, NearMiss, RequestPattern, Times, Verdict};
