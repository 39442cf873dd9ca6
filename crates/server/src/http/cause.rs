//! Why a layer made an answer that a layer above it finishes: [`Cause`].
//!
//! A layer that answers in place of the handlers (the request timeout, a body limit)
//! makes a bare answer, and its cause is put in the answer's extensions (by the layer
//! itself, or right outside it when the layer is tower-http's); the finishing
//! layer reads the cause, and only the cause, to give the answer its error body and
//! headers. A status alone says nothing of which limit applied, or whether a `503`
//! should tell the client when to retry.

use std::time::Duration;

use crate::http::error::ServerError;

/// On a bare answer: why it was made (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cause {
    /// The request was not answered within the request timeout.
    Timeout,
    /// The body is (or is declared) larger than `limit` bytes, the limit that applied
    /// to this request.
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
}

impl Cause {
    /// The error this cause answers (its status, body and headers), on a server whose
    /// request timeout is `timeout`.
    pub(crate) fn error(self, timeout: Duration) -> ServerError {
        match self {
            Self::Timeout => ServerError::Timeout { timeout },
            Self::TooLarge { limit } => ServerError::PayloadTooLarge { limit },
        }
    }
}

/// On a response: close the connection instead of sending it. The connection layer
/// turns it into an error for hyper, which then closes the connection unanswered; a
/// router used without that layer sends the `503` it is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NoAnswer;

/// On an error answer: the rule that answered, in one sentence with the values
/// involved, for the request journal (`reason`). The answer's own body stays the API's.
#[derive(Debug, Clone)]
pub(crate) struct Reason(pub(crate) Box<str>);
