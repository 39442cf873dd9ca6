//! The answer to a connection over the limit: [`answer_busy`].

use std::convert::Infallible;

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use collab_core::Error;

use crate::api::error::ServerError;
use crate::middleware::retry_after::on_unavailable;

/// `503` with an error body, `Retry-After` and `Connection: close`, whatever was asked:
/// the server already serves as many connections as it may.
pub(crate) async fn answer_busy<B>(
    _request: hyper::Request<B>,
    max_connections: usize,
) -> Result<Response<Body>, Infallible> {
    let mut response = ServerError::Api(Error::Unavailable {
        message: format!(
            "the server is serving its limit of {max_connections} connections: try again shortly"
        ),
        source: None,
    })
    .into_response();
    on_unavailable(&mut response);
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    Ok(response)
}
