//! The request timeout: [`RequestTimeoutLayer`].
//!
//! The answer is polled first, and the timer made only when it is not ready at once,
//! as most are (the in-memory backend answers without waiting). tower-http's
//! `TimeoutLayer` arms one for every request, which costs each request a timer-wheel
//! insertion and removal and, at times, a wake-up of the I/O driver; even tokio's
//! `timeout`, which arms its timer lazily, makes one for every request, and with it
//! takes a reference to the runtime that every thread counts on.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::http::{Request, Response, StatusCode};
use tokio::time::{Instant, Sleep};
use tower::{Layer, Service};

use crate::http::cause::Cause;

/// Answers a bare `503` marked [`Cause::Timeout`] to a request not answered within
/// the timeout; the finishing layer gives it its error body and `Retry-After`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestTimeoutLayer {
    timeout: Duration,
}

impl RequestTimeoutLayer {
    pub(crate) fn new(timeout: Duration) -> Self {
        Self { timeout }
    }
}

impl<S> Layer<S> for RequestTimeoutLayer {
    type Service = RequestTimeout<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequestTimeout {
            inner,
            timeout: self.timeout,
        }
    }
}

/// The service of [`RequestTimeoutLayer`].
#[derive(Debug, Clone)]
pub(crate) struct RequestTimeout<S> {
    inner: S,
    timeout: Duration,
}

impl<S, B, ResBody> Service<Request<B>> for RequestTimeout<S>
where
    S: Service<Request<B>, Response = Response<ResBody>>,
    ResBody: Default,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = TimedAnswer<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        TimedAnswer {
            // Counted from the call, whenever the timer is made.
            deadline: Instant::now() + self.timeout,
            timeout: self.timeout,
            answer: self.inner.call(request),
            timer: None,
        }
    }
}

pin_project_lite::pin_project! {
    /// The answer of a request, or a bare `503` once the timeout has passed.
    pub(crate) struct TimedAnswer<F> {
        #[pin]
        answer: F,
        deadline: Instant,
        timeout: Duration,
        // Made the first time the answer is not ready.
        timer: Option<Pin<Box<Sleep>>>,
    }
}

impl<F, ResBody, E> Future for TimedAnswer<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
    ResBody: Default,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(answered) = this.answer.poll(cx) {
            return Poll::Ready(answered);
        }
        let deadline = *this.deadline;
        let timer = this
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        ready!(timer.as_mut().poll(cx));
        let mut response = Response::new(ResBody::default());
        *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        response
            .extensions_mut()
            .insert(Cause::Timeout(*this.timeout));
        Poll::Ready(Ok(response))
    }
}
