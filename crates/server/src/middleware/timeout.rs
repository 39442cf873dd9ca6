//! The request timeout: [`RequestTimeoutLayer`].
//!
//! The answer is polled first, and the timer made only when it is not ready at once,
//! as most are (the in-memory backend answers without waiting). tower-http's
//! `TimeoutLayer` arms a timer for every request: an insertion into tokio's timer
//! wheel and its removal, and at times a wake-up of the I/O driver, on every request.
//! Measured against it in `docs/decisions.md`.
//!
//! Its answer is a bare `503` marked [`Cause::Timeout`] by the layer itself; the
//! finishing layer gives it its error body and `Retry-After` from that cause.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::http::{Request, Response, StatusCode};
use tokio::time::{Instant, Sleep};
use tower::{Layer, Service};

use crate::http::cause::Cause;

/// Answers a bare `503` marked [`Cause::Timeout`] to a request not answered within
/// the timeout.
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
        response.extensions_mut().insert(Cause::Timeout);
        Poll::Ready(Ok(response))
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use axum::body::Body;
    use tower::ServiceExt;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn an_answer_not_ready_in_time_is_a_bare_503_marked_as_the_timeout() {
        let never = tower::service_fn(|_: Request<Body>| {
            std::future::pending::<Result<Response<Body>, Infallible>>()
        });
        let service = RequestTimeoutLayer::new(Duration::from_secs(5)).layer(never);
        let started = Instant::now();
        let answer = service.oneshot(Request::new(Body::empty())).await.unwrap();
        assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(answer.extensions().get::<Cause>(), Some(&Cause::Timeout));
        assert_eq!(started.elapsed(), Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_counts_from_the_call_and_a_timely_answer_passes_unmarked() {
        let slow = tower::service_fn(|_: Request<Body>| async {
            tokio::time::sleep(Duration::from_secs(4)).await;
            Ok::<_, Infallible>(Response::new(Body::from("done")))
        });
        let service = RequestTimeoutLayer::new(Duration::from_secs(5)).layer(slow);
        let answer = service.oneshot(Request::new(Body::empty())).await.unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        assert!(answer.extensions().get::<Cause>().is_none());

        // Called, then first polled 3 s later: 2 s are left, not 5.
        let slow = tower::service_fn(|_: Request<Body>| async {
            tokio::time::sleep(Duration::from_secs(4)).await;
            Ok::<_, Infallible>(Response::new(Body::from("late")))
        });
        let mut service = RequestTimeoutLayer::new(Duration::from_secs(5)).layer(slow);
        let answer = service.call(Request::new(Body::empty()));
        tokio::time::sleep(Duration::from_secs(3)).await;
        let started = Instant::now();
        let answer = answer.await.unwrap();
        assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(started.elapsed(), Duration::from_secs(2));
    }
}
