//! JSON responses, and JSON bodies read whole.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Why a text is not one JSON value of the type asked for.
#[derive(Debug)]
pub(crate) struct JsonRefusal {
    /// The path of the field refused (`users[0].name`), or `None` for the text as a
    /// whole (its syntax, or what follows the value).
    pub(crate) path: Option<String>,
    /// What was wrong, as serde says it.
    pub(crate) message: String,
}

/// `text` as one JSON value of type `T` and nothing after it: a body with trailing
/// characters is refused, not read up to its first value.
pub(crate) fn read_one_json<T: DeserializeOwned>(text: &str) -> Result<T, JsonRefusal> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        JsonRefusal {
            path: (path != ".").then_some(path),
            message: error.into_inner().to_string(),
        }
    })?;
    deserializer.end().map_err(|error| JsonRefusal {
        path: None,
        message: error.to_string(),
    })?;
    Ok(value)
}

/// The content type of every JSON answer.
pub(crate) const APPLICATION_JSON: &str = "application/json";

/// A response with `value` as its JSON body.
///
/// Serialising the API's models cannot fail (no maps with non-string keys, no
/// failing `Serialize` impls); if it ever did, the answer is a bare `500` rather
/// than a panic.
pub(crate) fn json_response(status: StatusCode, value: &(impl Serialize + ?Sized)) -> Response {
    json_response_sized(status, value, 128)
}

/// [`json_response`] for a body of about `expected` bytes: written into room of that
/// size, so that a body that fits is not copied as it grows.
pub(crate) fn json_response_sized(
    status: StatusCode,
    value: &(impl Serialize + ?Sized),
    expected: usize,
) -> Response {
    let mut body = Vec::with_capacity(expected);
    match serde_json::to_writer(&mut body, value) {
        Ok(()) => json_bytes_response(status, body),
        Err(error) => {
            tracing::error!(%error, "could not serialise a response body");
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            response
        }
    }
}

/// A response whose body is already JSON.
fn json_bytes_response(status: StatusCode, body: Vec<u8>) -> Response {
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

/// Whether a response (or request) declares a JSON body: a `Content-Type` of
/// `application/json` or `application/*+json`, with any parameters, as axum's `Json`
/// reads it.
pub(crate) fn is_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(is_json_media_type)
}

/// Whether `content_type` (a header's value) names a JSON media type.
fn is_json_media_type(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    let subtype = subtype.trim_end();
    kind.trim_start().eq_ignore_ascii_case("application")
        && (subtype.eq_ignore_ascii_case("json")
            || subtype
                .len()
                .checked_sub("+json".len())
                .and_then(|at| subtype.get(at..))
                .is_some_and(|suffix| suffix.eq_ignore_ascii_case("+json"))
                && subtype.len() > "+json".len())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_application_json_or_a_json_suffix_with_any_parameters() {
        for json in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/vnd.api+json",
            "application/problem+json;charset=utf-8",
        ] {
            assert!(is_json_media_type(json), "{json}");
        }
        for other in [
            "application/jsonx",
            "application/json-patch",
            "application/+json",
            "text/json",
            "json",
            "",
            "application/x-www-form-urlencoded",
        ] {
            assert!(!is_json_media_type(other), "{other}");
        }
    }
}
