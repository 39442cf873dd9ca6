//! A panicking handler answers `500`: the answer tower-http's `CatchPanic` gives.

use std::any::Any;

use axum::response::{IntoResponse, Response};

use crate::http::error::ServerError;

/// The answer when a handler (in practice: a repository) panics: `500` with an error
/// body, logged, without the panic's text (which could hold anything).
pub(crate) fn answer_panic(_panic: Box<dyn Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    ServerError::Internal.into_response()
}
