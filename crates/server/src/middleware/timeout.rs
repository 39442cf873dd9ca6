//! The request timeout: tower-http's `Timeout`, and [`mark_timeout`], which says
//! that its bare `503` is the timeout's.
//!
//! tower-http's layer answers a request not answered in time with a bare `503` (an
//! empty body, no extension). Every `503` made below it is a `ServerError` with its
//! error body, so a bare one right outside it can only be the timeout's: it is marked
//! [`Cause::Timeout`] there, and the finishing layer gives it its error body and
//! `Retry-After` from that cause.

use axum::http::StatusCode;
use axum::response::Response;

use crate::http::cause::Cause;
use crate::http::generation::ErrorBody;

/// Marks tower-http's timeout answer (see the module docs).
pub(crate) fn mark_timeout(mut response: Response) -> Response {
    if response.status() == StatusCode::SERVICE_UNAVAILABLE
        && response.extensions().get::<ErrorBody>().is_none()
    {
        response.extensions_mut().insert(Cause::Timeout);
    }
    response
}
