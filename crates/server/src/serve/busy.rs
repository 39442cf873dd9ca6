//! The answer to a connection over the limit: [`answer_busy`].

use std::convert::Infallible;

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::http::error::ServerError;

/// `503` with an error body, `Retry-After` and `Connection: close`, whatever was asked:
/// the server already serves as many connections as it may.
pub(crate) async fn answer_busy<B>(
    _request: hyper::Request<B>,
    max_connections: usize,
) -> Result<Response<Body>, Infallible> {
    // The error sets `Retry-After` itself.
    let mut response = ServerError::Busy { max_connections }.into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    Ok(response)
}
