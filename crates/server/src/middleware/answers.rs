//! The layer that finishes every answer: [`FinishAnswersLayer`].
//!
//! It places each request in a generation of the wire before the handlers run, and
//! on the way back gives the bare answers of the layers below it the error body and
//! headers of their [`Cause`] (the request timeout's `503` with `Retry-After`, a body
//! limit's `413` naming that limit), and writes error bodies in the caller's
//! generation. It reads what made an answer from the answer's extensions, never from
//! its status, and adds no header of its own.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::body::{Body, HttpBody};
use axum::http::Request;
use axum::response::{IntoResponse, Response};
use tower::{Layer, Service};

use crate::http::cause::{Cause, ExactAnswer};
use crate::http::error::ServerError;
use crate::http::generation::WireMode;
use crate::http::generation::{ErrorBody, Placement, in_callers_generation};
use crate::http::json::{is_json, replace_body};
use crate::request::id::IdText;
use crate::request::notes::{self, RequestNotes};

/// Finishes the answers of the service it wraps (see the module docs).
#[derive(Debug, Clone, Copy)]
pub(crate) struct FinishAnswersLayer {
    mode: WireMode,
    timeout: Duration,
}

impl FinishAnswersLayer {
    /// Places callers by `mode`; the request `timeout` is named in a timeout's body.
    pub(crate) fn new(mode: WireMode, timeout: Duration) -> Self {
        Self { mode, timeout }
    }
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
        let notes = notes::notes(request.extensions()).cloned();
        let placement = notes.as_ref().map_or_else(
            || Placement::of(self.layer.mode, request.headers()),
            RequestNotes::placement,
        );
        Finished {
            answer: self.inner.call(request),
            placement,
            notes,
            timeout: self.layer.timeout,
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
        timeout: Duration,
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
        let filled = give_bare_errors_a_body(response, *this.timeout);
        // Written out only for an error body, the one place it goes.
        let request_id = this
            .notes
            .as_ref()
            .filter(|_| filled.extensions().get::<ErrorBody>().is_some())
            .map(|notes| notes.id().text());
        Poll::Ready(Ok(in_callers_generation(
            filled,
            *this.placement,
            request_id.as_ref().map(IdText::as_str),
        )))
    }
}

/// Gives a bare answer the error body and headers of its [`Cause`], keeping its
/// status and other headers; an error answer with neither an error body nor a cause
/// (a rejection of axum's own) gets a body naming its status. Every other answer is
/// left as it is, and so is an [`ExactAnswer`] (a fault rule's own body).
fn give_bare_errors_a_body<B>(response: Response<B>, timeout: Duration) -> Response
where
    B: HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    let response = response.map(Body::new);
    if response.extensions().get::<ErrorBody>().is_some()
        || response.extensions().get::<ExactAnswer>().is_some()
    {
        return response;
    }
    if let Some(cause) = response.extensions().get::<Cause>().copied() {
        return replace_body(response, cause.error(timeout).into_response());
    }
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(response.headers()) {
        return response;
    }
    replace_body(response, ServerError::Status { status }.into_response())
}
