//! What a call shows in an application's trace: one span per port call, a child span
//! per HTTP attempt with OpenTelemetry's HTTP client field names, and an event per
//! retry wait.
//!
//! Spans are at `INFO`, so that a trace filtered at `INFO` holds them; they print
//! nothing by themselves. Events are at `DEBUG`, but for the retry event, at `WARN`:
//! an `INFO` log stays quiet while calls succeed and says when one is retried.
//! No field ever holds the query (where an API token travels) or a header: the path,
//! the host and the port are all that is shown of a URL.

use std::time::Duration;

use collab_core::wire::CallTarget;
use collab_core::{Error, Result};
use reqwest::{Method, Url};
use tracing::Span;
use tracing::field::Empty;

/// The span of one port call: its operation and what it is about. Recorded at its
/// end: `collab.attempts` and, for a failed call, `error.type`.
pub(crate) fn call(operation: &'static str, target: &CallTarget) -> Span {
    tracing::info_span!(
        "collab_http.call",
        otel.name = operation,
        collab.operation = operation,
        collab.dataset = %target.dataset,
        collab.config = target.config.as_ref().map(tracing::field::display),
        collab.attempts = Empty,
        error.type = Empty,
    )
}

/// The span of one HTTP attempt, named and shaped as OpenTelemetry's semantic
/// conventions name an HTTP client span: `http.request.method`, `url.path` (never the
/// query), `server.address`, `server.port`, `http.request.resend_count` (from the
/// second attempt on); `http.response.status_code` and `error.type` are recorded when
/// the attempt ends.
pub(crate) fn attempt(method: &Method, url: &Url, attempt: u32) -> Span {
    tracing::info_span!(
        "collab_http.attempt",
        otel.name = %method,
        otel.kind = "client",
        http.request.method = %method,
        url.path = url.path(),
        server.address = url.host_str().unwrap_or_default(),
        server.port = url.port_or_known_default(),
        http.request.resend_count = (attempt > 1).then(|| attempt - 1),
        http.response.status_code = Empty,
        error.type = Empty,
    )
}

/// Records how the current attempt ended when an answer came: its status and, if it
/// failed, what kind of failure it was (OpenTelemetry's convention: an error status
/// is its own type). An attempt without an answer was recorded by
/// [`record_transport_failure`].
pub(crate) fn record_attempt_end<T>(status: u16, result: &Result<T>) {
    let span = Span::current();
    span.record("http.response.status_code", status);
    if let Err(error) = result {
        if status >= 400 {
            span.record("error.type", status);
        } else {
            span.record("error.type", error.kind());
        }
    }
}

/// Records the `error.type` of the current attempt when no answer came.
pub(crate) fn record_transport_failure(error: &reqwest::Error) {
    let kind = if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "connect"
    } else {
        "transport"
    };
    Span::current().record("error.type", kind);
}

/// Records how the current call ended: how many attempts it made and, if it failed,
/// the kind of its error.
pub(crate) fn record_call_end<T>(attempts: u32, result: &Result<T>) {
    let span = Span::current();
    span.record("collab.attempts", attempts);
    if let Err(error) = result {
        span.record("error.type", error.kind());
    }
}

/// One `WARN` event per retry, with the target [`crate::RETRY_TARGET`] (the macro
/// needs it as a literal; a test checks they agree): which attempt failed, how long until the next one, and
/// why. At `WARN` so that an application logging at `INFO` sees a call that is
/// struggling (a service down, rate limits) instead of a silent wait.
pub(crate) fn retry_wait(
    operation: &'static str,
    path: &str,
    failed_attempt: u32,
    delay: Duration,
    error: &Error,
) {
    tracing::warn!(
        target: "collab_http::retry",
        attempt = failed_attempt,
        collab.operation = operation,
        url.path = path,
        next_attempt = failed_attempt + 1,
        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
        reason = %error,
        "collab-http: attempt {failed_attempt} failed, retrying in {} ms",
        delay.as_millis()
    );
}
