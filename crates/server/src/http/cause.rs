//! Why a layer made an answer that a layer above it finishes: [`Cause`].
//!
//! A layer that answers in place of the handlers (the request timeout, a body limit)
//! makes a bare answer, and its cause is put in the answer's extensions (by the layer
//! itself, or right outside it when the layer is tower-http's, as the control plane's
//! body limit is); the finishing
//! layer reads the cause, and only the cause, to give the answer its error body and
//! headers. A status alone says nothing of which limit applied, or whether a `503`
//! should tell the client when to retry.
//!
//! A fault rule's answer says what the layers below the API must not change
//! ([`ExactAnswer`]) and what only the connection can do ([`NoAnswer`] with its
//! [`Closing`], [`Delivery`]).

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

/// On a response: close the connection instead of sending it, as [`Closing`] says.
/// The connection layer turns it into an error for hyper, which then closes the
/// connection unanswered; a router used without that layer sends the `503` it is.
#[derive(Debug, Clone)]
pub(crate) struct NoAnswer(pub(crate) Closing);

/// On a response: how its connection ends instead of sending it, with [`NoAnswer`]
/// (a fault rule's `drop`). The connection layer acts on it as it closes an HTTP/1
/// connection; a router used without that layer sends the `503` it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Closing {
    /// Closed cleanly (a FIN), nothing sent: `drop: "empty"`.
    Clean,
    /// Reset (an RST: the socket closes with a zero linger): `drop: "reset"`.
    Reset,
    /// These bytes, which are not HTTP, then closed cleanly: `drop: "garbage"`.
    Garbage(axum::body::Bytes),
}

/// On a response: send it as it is (a fault rule's own status, headers and body).
/// The finishing layer gives it no error body, whatever its status.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ExactAnswer;

/// On a response: how the connection layer sends its body, as a fault rule says.
/// Acted on below every layer (the body is final by then); a router used without
/// that layer sends the answer whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// The status line, the headers with the whole body's `Content-Length`, the first
    /// half of the body, then the connection is closed: `drop: "truncate"`.
    Truncated,
    /// The body in `chunks` pieces (at most one per byte), spread evenly over `over`
    /// from the first to the last: `dribble`.
    Dribbled {
        /// How many pieces.
        chunks: u32,
        /// From the first piece to the last.
        over: Duration,
    },
}

/// On an error answer: the rule that answered, in one sentence with the values
/// involved, for the request journal (`reason`). The answer's own body stays the API's.
#[derive(Debug, Clone)]
pub(crate) struct Reason(pub(crate) Box<str>);
