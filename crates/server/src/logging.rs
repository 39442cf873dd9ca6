//! The access log: one `INFO` event per answered request, with target
//! [`ACCESS_LOG_TARGET`] and the fields `method`, `path` (never the query string, which
//! can carry the API token), `user` (once authenticated), `status` and `latency_ms`.
//!
//! It is one event and no span at `INFO`, because a span costs the request path
//! more than the line it is for (the subscriber formats and stores its fields, then
//! enters and leaves it at each poll). The `request` span (same `method`, `path`,
//! `user`) exists at `DEBUG`, for the context of debug logs.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::http::{Method, Request, Response, Uri};
use tower::{Layer, Service};
use tracing::Span;
use tracing::instrument::Instrumented;

/// The target of the access log's events: filter it on its own with, say,
/// `RUST_LOG=info,collab_server::access=off`.
pub const ACCESS_LOG_TARGET: &str = "collab_server::access";

/// The authenticated user of a request, noted by the authentication extractor for
/// the access log line. A request extension, set at most once.
#[derive(Debug, Clone, Default)]
pub(crate) struct LoggedUser(Arc<OnceLock<Box<str>>>);

impl LoggedUser {
    /// Notes `user` as the caller of the request whose extension this is.
    pub(crate) fn note(&self, user: &str) {
        let _ = self.0.set(user.into());
    }
}

/// Logs each request answered by the service it wraps (see the module docs).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AccessLogLayer;

impl<S> Layer<S> for AccessLogLayer {
    type Service = AccessLog<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AccessLog { inner }
    }
}

/// The service of [`AccessLogLayer`].
#[derive(Debug, Clone)]
pub(crate) struct AccessLog<S> {
    inner: S,
}

impl<S, B, ResBody> Service<Request<B>> for AccessLog<S>
where
    S: Service<Request<B>, Response = Response<ResBody>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Logged<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        let user = LoggedUser::default();
        request.extensions_mut().insert(user.clone());
        let span = tracing::debug_span!(
            "request",
            method = %request.method(),
            path = %request.uri().path(),
            user = tracing::field::Empty,
        );
        let line = Line {
            method: request.method().clone(),
            uri: request.uri().clone(),
            user,
            started: Instant::now(),
        };
        let answer = {
            let _entered = span.enter();
            self.inner.call(request)
        };
        Logged {
            answer: tracing::Instrument::instrument(answer, span),
            line: Some(line),
        }
    }
}

/// What the line of a request says besides its answer's status.
struct Line {
    method: Method,
    uri: Uri,
    user: LoggedUser,
    started: Instant,
}

impl Line {
    fn log<T>(self, response: &Response<T>) {
        tracing::info!(
            target: ACCESS_LOG_TARGET,
            method = %self.method,
            path = %self.uri.path(),
            user = self.user.0.get().map(tracing::field::display),
            status = response.status().as_u16(),
            latency_ms = %Millis(self.started.elapsed()),
            "answered"
        );
    }
}

/// A duration in milliseconds with three decimals, written with integer arithmetic.
struct Millis(Duration);

impl fmt::Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let micros = self.0.as_micros();
        let fraction = (micros % 1000) as u16;
        f.write_str(itoa::Buffer::new().format(micros / 1000))?;
        f.write_str(".")?;
        let digits = [
            b'0' + (fraction / 100) as u8,
            b'0' + (fraction / 10 % 10) as u8,
            b'0' + (fraction % 10) as u8,
        ];
        f.write_str(std::str::from_utf8(&digits).map_err(|_| fmt::Error)?)
    }
}

pin_project_lite::pin_project! {
    /// The answer of a logged request: logs its line when the response is ready.
    pub(crate) struct Logged<F> {
        #[pin]
        answer: Instrumented<F>,
        line: Option<Line>,
    }
}

impl<F, ResBody, E> Future for Logged<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let outcome = std::task::ready!(this.answer.poll(cx));
        if let (Ok(response), Some(line)) = (&outcome, this.line.take()) {
            line.log(response);
        }
        Poll::Ready(outcome)
    }
}

/// Notes `user` for the access log and in the current `request` span.
pub(crate) fn note_user(extensions: &axum::http::Extensions, user: &str) {
    if let Some(logged) = extensions.get::<LoggedUser>() {
        logged.note(user);
    }
    Span::current().record("user", tracing::field::display(user));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millis_have_three_decimals() {
        assert_eq!(
            Millis(Duration::from_micros(1_234_567)).to_string(),
            "1234.567"
        );
        assert_eq!(Millis(Duration::from_micros(5)).to_string(), "0.005");
        assert_eq!(Millis(Duration::from_nanos(999)).to_string(), "0.000");
    }
}
