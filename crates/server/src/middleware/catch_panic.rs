//! A panicking handler answers `500`: [`CatchPanicLayer`].
//!
//! tower-http's `CatchPanicLayer` does the same, but boxes the body of every answer
//! (one allocation per request, and one more for the finishing layer to box it
//! again); this one leaves answers as they are and only makes the `500`.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::http::Request;
use axum::response::{IntoResponse, Response};
use tower::{Layer, Service};

use crate::http::error::ServerError;

/// Answers `500` with an error body when the service it wraps panics, while called
/// or while answering (see the module docs).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CatchPanicLayer;

impl<S> Layer<S> for CatchPanicLayer {
    type Service = CatchPanic<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CatchPanic { inner }
    }
}

/// The service of [`CatchPanicLayer`].
#[derive(Debug, Clone)]
pub(crate) struct CatchPanic<S> {
    inner: S,
}

impl<S, B> Service<Request<B>> for CatchPanic<S>
where
    S: Service<Request<B>, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Caught<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        match catch_unwind(AssertUnwindSafe(|| self.inner.call(request))) {
            Ok(answer) => Caught::Answering { answer },
            Err(_panic) => Caught::Panicked,
        }
    }
}

pin_project_lite::pin_project! {
    /// The answer of a request, or the `500` of a handler that panicked.
    #[project = CaughtProjection]
    pub(crate) enum Caught<F> {
        Answering { #[pin] answer: F },
        Panicked,
    }
}

impl<F, E> Future for Caught<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let CaughtProjection::Answering { answer } = self.as_mut().project() else {
            // The handler panicked when called.
            return Poll::Ready(Ok(answer_panic()));
        };
        match catch_unwind(AssertUnwindSafe(|| answer.poll(cx))) {
            Ok(polled) => polled,
            Err(_panic) => {
                // A future that panicked is not polled again.
                self.set(Caught::Panicked);
                Poll::Ready(Ok(answer_panic()))
            }
        }
    }
}

/// The answer when a handler (in practice: a repository) panics: `500` with an error
/// body, logged, without the panic's text (which could hold anything).
fn answer_panic() -> Response {
    tracing::error!("a request handler panicked");
    ServerError::Internal.into_response()
}
