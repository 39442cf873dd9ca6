//! How errors travel over HTTP: the one place where statuses and codes meet
//! [`Error`] variants, used by both the client adapter and the server so that
//! they cannot disagree.

use std::sync::Arc;
use std::time::Duration;

use crate::error::with_request_id;
use crate::{AccessConfigId, ApiErrorCode, ApiErrorResponse, DatasetId, Error};

/// The wait a retryable answer other than `429` (a `503`, say) asked for with
/// `Retry-After`: [`error_from_response`] makes it the source of the
/// [`Error::Unavailable`], so that a retrying client can honour it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the service asked to retry after {} s", .0.as_secs())]
pub struct RetryAfter(pub Duration);

/// What a call was about, so that a `404` can say which thing was not found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallTarget {
    /// The dataset of the call.
    pub dataset: DatasetId,
    /// The config of the call, for a delete.
    pub config: Option<AccessConfigId>,
}

/// The HTTP status and error body the API answers for an [`Error`].
///
/// ```
/// use collab_core::{wire, ApiErrorCode, Error};
/// let (status, body) = wire::error_to_response(&Error::Forbidden { message: "not the owner".into() });
/// assert_eq!(status, 403);
/// assert_eq!(body.code, ApiErrorCode::Forbidden);
/// ```
pub fn error_to_response(error: &Error) -> (u16, ApiErrorResponse) {
    let (status, code) = match error {
        Error::DatasetNotFound { .. } => (404, ApiErrorCode::DatasetUnknown),
        Error::AccessConfigNotFound { .. } => (404, ApiErrorCode::AccessControlUnknown),
        Error::Unauthorized { .. } => (401, ApiErrorCode::Unauthorized),
        Error::Forbidden { .. } => (403, ApiErrorCode::Forbidden),
        Error::InvalidRequest { .. } => (400, ApiErrorCode::BadRequest),
        Error::Conflict { .. } => (409, ApiErrorCode::Conflict),
        Error::RateLimited { .. } => (429, ApiErrorCode::Unknown("TOO_MANY_REQUESTS".into())),
        Error::Unavailable { .. } => (503, ApiErrorCode::Unknown("SERVICE_UNAVAILABLE".into())),
        Error::UnexpectedResponse { .. } => (502, ApiErrorCode::MalformedResponse),
    };
    // The body's message is the explanation alone: the code already says what kind
    // of error it is, and a client's Display adds its own prefix.
    let message = match error {
        Error::Unauthorized { message }
        | Error::Forbidden { message }
        | Error::InvalidRequest { message }
        | Error::Conflict { message }
        | Error::Unavailable { message, .. }
        | Error::UnexpectedResponse { message, .. } => message.clone(),
        _ => error.to_string(),
    };
    (status, ApiErrorResponse::new(code, message))
}

/// The [`Error`] for a non-success HTTP answer: its status, its parsed error body (if
/// it had one, in either generation's shape) and its `Retry-After` (if any). The
/// body's text, code and `requestId` end up in the error's message.
///
/// ```
/// use collab_core::{wire, ApiErrorCode, ApiErrorResponse, DatasetId, Error};
/// let dataset: DatasetId = "0123456789abcdef01234567".parse()?;
/// let target = wire::CallTarget { dataset, config: None };
/// let body = ApiErrorResponse::new(ApiErrorCode::DatasetUnknown, "no such dataset");
/// let error = wire::error_from_response(404, Some(body), None, target);
/// assert!(matches!(error, Error::DatasetNotFound { dataset: d, .. } if d == dataset));
/// # Ok::<(), collab_core::ParseIdError>(())
/// ```
pub fn error_from_response(
    status: u16,
    body: Option<ApiErrorResponse>,
    retry_after: Option<Duration>,
    target: CallTarget,
) -> Error {
    // The service's request id stays with the error (in the message, or the field of
    // a not-found): it is what users quote to Lightly's support.
    let message = || match &body {
        Some(ApiErrorResponse {
            message,
            code,
            request_id: Some(request_id),
            ..
        }) => with_request_id(message, code.as_str(), request_id),
        Some(body) => format!("{} ({})", body.message, body.code),
        None => format!("status {status}"),
    };
    // What an `UnexpectedResponse` adds to its `(status N)`: the body's words, if any.
    let explained = |advice: &str| match &body {
        Some(_) => format!("{}; {advice}", message()),
        None => advice.to_owned(),
    };
    let request_id = || body.as_ref().and_then(|b| b.request_id.clone());
    let code = body.as_ref().map(|b| &b.code);
    match status {
        // Only the API's own codes say which thing is missing. A 404 without them
        // (an HTML page, an unknown route) means the URL is wrong, not the dataset.
        404 => match (code, target.config) {
            (Some(ApiErrorCode::DatasetUnknown), _) => Error::DatasetNotFound {
                dataset: target.dataset,
                request_id: request_id(),
            },
            (Some(ApiErrorCode::AccessControlUnknown), Some(config)) => {
                Error::AccessConfigNotFound {
                    dataset: target.dataset,
                    config,
                    request_id: request_id(),
                }
            }
            _ => Error::UnexpectedResponse {
                status: Some(status),
                message: explained("no such endpoint: check the API URL"),
            },
        },
        502 if code == Some(&ApiErrorCode::MalformedResponse) => Error::UnexpectedResponse {
            status: Some(status),
            message: message(),
        },
        401 => Error::Unauthorized { message: message() },
        403 => Error::Forbidden { message: message() },
        409 => Error::Conflict { message: message() },
        429 => Error::RateLimited {
            retry_after,
            request_id: request_id(),
        },
        400..=499 if status != 408 => Error::InvalidRequest { message: message() },
        // The API implements every call it is sent; a server that does not (e.g. a
        // static file server answering a DELETE) is not the API.
        501 => Error::UnexpectedResponse {
            status: Some(status),
            message: explained("the server does not implement this call: check the API URL"),
        },
        408 | 500..=599 => Error::Unavailable {
            message: message(),
            source: retry_after.map(|wait| Arc::new(RetryAfter(wait)) as crate::ErrorSource),
        },
        _ => Error::UnexpectedResponse {
            status: Some(status),
            message: explained("the API does not answer with this status"),
        },
    }
}
