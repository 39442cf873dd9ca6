//! JSON responses.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Serialize;

/// The content type of every JSON answer.
pub(crate) const APPLICATION_JSON: &str = "application/json";

/// A response with `value` as its JSON body.
///
/// Serialising the API's models cannot fail (no maps with non-string keys, no
/// failing `Serialize` impls); if it ever did, the answer is a bare `500` rather
/// than a panic.
pub(crate) fn json_response(status: StatusCode, value: &(impl Serialize + ?Sized)) -> Response {
    match serde_json::to_vec(value) {
        Ok(bytes) => json_bytes_response(status, bytes),
        Err(error) => {
            tracing::error!(%error, "could not serialise a response body");
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            response
        }
    }
}

/// A response whose body is already JSON.
pub(crate) fn json_bytes_response(status: StatusCode, body: Vec<u8>) -> Response {
    // A boxed slice becomes `Bytes` without an allocation of its own; a `Vec` with
    // room to spare would need one.
    let body = Body::from(axum::body::Bytes::from(body.into_boxed_slice()));
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(APPLICATION_JSON),
    );
    response
}

/// Whether a response (or request) declares a JSON body.
pub(crate) fn is_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with(APPLICATION_JSON))
}

/// `old` with the body (and the body's headers and extensions) of `new`: the status,
/// headers and extensions of `old` are kept, but for its body's length and type.
pub(crate) fn replace_body<B>(old: Response<B>, new: Response) -> Response {
    let (mut parts, _) = old.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_TYPE);
    let (new_parts, body) = new.into_parts();
    parts.headers.extend(new_parts.headers);
    parts.extensions.extend(new_parts.extensions);
    Response::from_parts(parts, body)
}
