//! Structured request logs: one span per request with its method and path (never
//! the query string, which can carry the API token) and one event when it is
//! answered, with the status and latency.

use std::time::Duration;

use axum::http::{Request, Response};
use tower_http::trace::{MakeSpan, OnResponse};
use tracing::Span;

/// Makes the `request` span: `method`, `path` (without the query) and, once
/// authenticated, `user`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RequestSpan;

impl<B> MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, request: &Request<B>) -> Span {
        tracing::info_span!(
            "request",
            method = %request.method(),
            path = %request.uri().path(),
            user = tracing::field::Empty,
        )
    }
}

/// Logs `status` and `latency_ms` at `INFO` when a response is sent.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LogResponse;

impl<B> OnResponse<B> for LogResponse {
    fn on_response(self, response: &Response<B>, latency: Duration, _span: &Span) {
        tracing::info!(
            status = response.status().as_u16(),
            latency_ms = %format_args!("{:.3}", latency.as_secs_f64() * 1000.0),
            "answered"
        );
    }
}
