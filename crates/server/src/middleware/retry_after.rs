//! `Retry-After` on every `503`: [`on_unavailable`].

use axum::http::Response;
use axum::http::{HeaderValue, StatusCode, header};

/// The wait a `503` asks for when nothing more precise is known, in seconds: the
/// causes (a request over the timeout, a busy backend, the connection limit) are
/// short-lived, and clients back off further on their own.
const UNAVAILABLE_RETRY_AFTER_SECS: u32 = 1;

/// Adds `Retry-After` to a `503` answer that has none.
pub(crate) fn on_unavailable<B>(response: &mut Response<B>) {
    if response.status() == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .entry(header::RETRY_AFTER)
            .or_insert(HeaderValue::from(UNAVAILABLE_RETRY_AFTER_SECS));
    }
}
