//! The wire: how the port's calls and errors travel over HTTP, shared by the client
//! adapter and the server so that they cannot disagree.
//!
//! - [`generation`]: the two generations of the JSON (2022's `organizations`, today's
//!   `teams` and `creator`), the only place that knows both spellings;
//! - the status mapping ([`error_to_response`], [`error_from_response`]).

mod errors;
pub mod generation;

pub use errors::{CallTarget, RetryAfter, error_from_response, error_to_response};
pub use generation::{IncomingShareRequest, OnWire, UnknownGeneration, WireGeneration};
