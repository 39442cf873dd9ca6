//! The layer that finishes every answer: [`FinishAnswersLayer`].
//!
//! It places each request in a generation of the wire before the handlers run, and
//! on the way back gives the bare error answers of the layers below it (tower-http's
//! `413` and `503`) an `ApiErrorResponse` body, adds `Retry-After` to every `503`,
//! and writes error bodies in the caller's generation. One hand-written service with
//! no boxed future, because it runs on every request.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::body::{Body, HttpBody};
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use tower::{Layer, Service};

use crate::WireMode;
use crate::api::error::ServerError;
use crate::api::generation::{Placement, in_callers_generation};
use crate::api::json::{is_json, replace_body};
use crate::middleware::record::{self, RequestNotes};

/// Finishes the answers of the service it wraps (see the module docs).
#[derive(Debug, Clone, Copy)]
pub(crate) struct FinishAnswersLayer {
    mode: WireMode,
    limits: Limits,
}

impl FinishAnswersLayer {
    /// Places callers by `mode`; explains bare `503`s by the request `timeout` and
    /// bare `413`s by the body `limit`.
    pub(crate) fn new(mode: WireMode, timeout: Duration, limit: usize) -> Self {
        Self {
            mode,
            limits: Limits { timeout, limit },
        }
    }
}

/// What the body filler needs to explain a bare answer.
#[derive(Debug, Clone, Copy)]
struct Limits {
    timeout: Duration,
    limit: usize,
}

impl<S> Layer<S> for FinishAnswersLayer {
    type Service = FinishAnswers<S>;

    fn layer(&self, inner: S) -> Self::Service {
        FinishAnswers {
            inner,
            layer: *self,
        }
    }
}

/// The service of [`FinishAnswersLayer`].
#[derive(Debug, Clone)]
pub(crate) struct FinishAnswers<S> {
    inner: S,
    layer: FinishAnswersLayer,
}

impl<S, B, ResBody> Service<Request<B>> for FinishAnswers<S>
where
    S: Service<Request<B>, Response = Response<ResBody>>,
    ResBody: HttpBody<Data = axum::body::Bytes> + Send + 'static,
    ResBody::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Finished<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // The record layer placed the caller and named the request; without it (the
        // busy answers), the caller is placed here and the request has no id.
        let notes = record::notes(request.extensions()).cloned();
        let placement = notes.as_ref().map_or_else(
            || Placement::of(self.layer.mode, request.headers()),
            RequestNotes::placement,
        );
        Finished {
            answer: self.inner.call(request),
            placement,
            notes,
            limits: self.layer.limits,
        }
    }
}

pin_project_lite::pin_project! {
    /// The answer of a request, finished when it is ready.
    pub(crate) struct Finished<F> {
        #[pin]
        answer: F,
        placement: Placement,
        notes: Option<RequestNotes>,
        limits: Limits,
    }
}

impl<F, ResBody, E> Future for Finished<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
    ResBody: HttpBody<Data = axum::body::Bytes> + Send + 'static,
    ResBody::Error: Into<axum::BoxError>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = ready!(this.answer.poll(cx))?;
        let filled = give_bare_errors_a_body(response, *this.limits);
        let request_id = this.notes.as_ref().map(RequestNotes::id);
        Poll::Ready(Ok(in_callers_generation(
            filled,
            *this.placement,
            request_id,
        )))
    }
}

/// Gives an error answer without a JSON body (made by a tower-http layer: `413` from
/// the body limit, `503` from the timeout) an `ApiErrorResponse` body, keeping its
/// status and other headers, and every `503` a `Retry-After`. Answers that are
/// already JSON keep their body.
fn give_bare_errors_a_body<B>(mut response: Response<B>, limits: Limits) -> Response
where
    B: HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    crate::middleware::retry_after::on_unavailable(&mut response);
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(response.headers()) {
        return response.map(Body::new);
    }
    let error = match status {
        StatusCode::PAYLOAD_TOO_LARGE => ServerError::PayloadTooLarge {
            limit: limits.limit,
        },
        // Handlers answer their 503s in JSON: a bare one is the timeout's.
        StatusCode::SERVICE_UNAVAILABLE => ServerError::timeout(limits.timeout),
        status => ServerError::Status { status },
    };
    replace_body(response.map(Body::new), error.into_response())
}
