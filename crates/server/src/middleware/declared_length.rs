//! The body limit as a request declares it: [`DeclaredLengthLayer`].
//!
//! A request outside the control plane whose `Content-Length` is over the API's body
//! limit is answered a bare `413` before a byte of its body is read (the finishing
//! layer gives it its error body); the control plane has a limit of its own. A body
//! sent without a length, or longer than it said, is stopped by the body extractors,
//! which read within the same limit. Unlike tower-http's `RequestBodyLimitLayer`, this
//! layer does not wrap the body of every request: most requests (a list, a version)
//! have none.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::http::{Request, Response, StatusCode, header};
use tower::{Layer, Service};

use crate::http::cause::Cause;
use crate::request::path::is_control_path;

/// Refuses a declared body over `limit` outside the control plane (see the module docs).
#[derive(Debug, Clone, Copy)]
pub(crate) struct DeclaredLengthLayer {
    limit: usize,
}

impl DeclaredLengthLayer {
    pub(crate) fn new(limit: usize) -> Self {
        Self { limit }
    }
}

impl<S> Layer<S> for DeclaredLengthLayer {
    type Service = DeclaredLength<S>;

    fn layer(&self, inner: S) -> Self::Service {
        DeclaredLength {
            inner,
            limit: self.limit,
        }
    }
}

/// The service of [`DeclaredLengthLayer`].
#[derive(Debug, Clone)]
pub(crate) struct DeclaredLength<S> {
    inner: S,
    limit: usize,
}

impl<S, B, ResBody> Service<Request<B>> for DeclaredLength<S>
where
    S: Service<Request<B>, Response = Response<ResBody>>,
    ResBody: Default,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Checked<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        if declares_over(&request, self.limit) {
            let mut refusal = Response::new(ResBody::default());
            *refusal.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
            refusal
                .extensions_mut()
                .insert(Cause::TooLarge { limit: self.limit });
            return Checked::Refused {
                refusal: Some(refusal),
            };
        }
        Checked::Passed {
            answer: self.inner.call(request),
        }
    }
}

pin_project_lite::pin_project! {
    /// The answer of a request within the limit, or the `413` of one over it.
    #[project = CheckedProjection]
    pub(crate) enum Checked<F, ResBody> {
        Passed { #[pin] answer: F },
        Refused { refusal: Option<Response<ResBody>> },
    }
}

impl<F, ResBody, E> Future for Checked<F, ResBody>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            CheckedProjection::Passed { answer } => answer.poll(cx),
            CheckedProjection::Refused { refusal } => {
                Poll::Ready(Ok(refusal.take().expect("a refusal is answered once")))
            }
        }
    }
}

/// Whether `request`, outside the control plane, declares a body over `limit`.
fn declares_over<B>(request: &Request<B>, limit: usize) -> bool {
    let Some(length) = request.headers().get(header::CONTENT_LENGTH) else {
        return false;
    };
    // hyper refuses a malformed Content-Length before a request gets here.
    let declared = length
        .to_str()
        .ok()
        .and_then(|text| text.parse::<u64>().ok());
    declared.is_some_and(|declared| declared > limit as u64)
        && !is_control_path(request.uri().path())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(path: &str, length: Option<&str>) -> Request<()> {
        let mut builder = Request::builder().uri(path);
        if let Some(length) = length {
            builder = builder.header(header::CONTENT_LENGTH, length);
        }
        builder.body(()).expect("valid request")
    }

    #[test]
    fn only_a_declared_length_over_the_limit_outside_the_control_plane_is_refused() {
        assert!(declares_over(&request("/v1/x", Some("11")), 10));
        assert!(!declares_over(&request("/v1/x", Some("10")), 10));
        assert!(!declares_over(&request("/v1/x", None), 10));
        assert!(!declares_over(&request("/_collab/state", Some("11")), 10));
        assert!(declares_over(&request("/_collabX/state", Some("11")), 10));
    }
}
