//! Every error the server answers, and the one way each becomes a status and an
//! `ApiErrorResponse` body.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use collab_core::{ApiErrorCode, ApiErrorResponse, Error, wire};

use crate::http::cause::Reason;
use crate::http::generation::ErrorBody;
use crate::http::json::json_response;

/// Why a request failed. Errors of the port ([`Error`]) are mapped by
/// [`wire::error_to_response`], shared with the HTTP client so the two cannot disagree;
/// the other variants are failures of HTTP itself, which the port does not know.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ServerError {
    /// An error of the port, or of the request's content (ids, JSON, credentials).
    #[error(transparent)]
    Api(#[from] Error),
    /// No route has this path.
    #[error("no route for {path}")]
    RouteNotFound {
        /// The path asked for, without its query string.
        path: String,
    },
    /// The path exists, but not for this method.
    #[error("method {method} is not allowed on {path}")]
    MethodNotAllowed {
        /// The method used.
        method: String,
        /// The path asked for, without its query string.
        path: String,
    },
    /// The body is larger than the configured limit.
    #[error("request body is larger than the limit of {limit} bytes")]
    PayloadTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The body is not declared as JSON.
    #[error("{message}")]
    UnsupportedMediaType {
        /// What was wrong with the content type.
        message: String,
    },
    /// The request handler panicked: a bug, reported without its details.
    #[error("internal server error")]
    Internal,
    /// A fault rule's answer: its status and body, and its `Retry-After` in seconds.
    #[error("{}", .body.message)]
    Injected {
        /// The rule's status.
        status: StatusCode,
        /// The body the rule's action makes.
        body: ApiErrorResponse,
        /// The rule's `retryAfter`, in seconds.
        retry_after: Option<u64>,
    },
    /// The request was not answered within the request timeout: the port's
    /// "unavailable", so that clients retry it like any other transient failure.
    #[error("request took longer than {} ms", .timeout.as_millis())]
    Timeout {
        /// The request timeout.
        timeout: Duration,
    },
    /// The server already serves as many connections as it may.
    #[error("the server is serving its limit of {max_connections} connections: try again shortly")]
    Busy {
        /// The connection limit.
        max_connections: usize,
    },
    /// Any other failure that a layer answered with a bare status.
    #[error("request failed: {status}")]
    Status {
        /// The status answered.
        status: StatusCode,
    },
}

/// Code of a `500` answer, which this generation of the API does not define.
const INTERNAL_SERVER_ERROR: &str = "INTERNAL_SERVER_ERROR";

impl ServerError {
    /// The status and body of this error.
    pub(crate) fn status_and_body(&self) -> (StatusCode, ApiErrorResponse) {
        let (status, code) = match self {
            Self::Api(error) => {
                let (status, body) = wire::error_to_response(error);
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
                return (status, body);
            }
            Self::RouteNotFound { .. } => (StatusCode::NOT_FOUND, ApiErrorCode::NotFound),
            Self::MethodNotAllowed { .. } => {
                (StatusCode::METHOD_NOT_ALLOWED, ApiErrorCode::BadRequest)
            }
            Self::PayloadTooLarge { .. } => {
                (StatusCode::PAYLOAD_TOO_LARGE, ApiErrorCode::PayloadTooLarge)
            }
            Self::UnsupportedMediaType { .. } => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, ApiErrorCode::BadRequest)
            }
            Self::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                ApiErrorCode::Unknown(INTERNAL_SERVER_ERROR.into()),
            ),
            Self::Injected { status, body, .. } => return (*status, body.clone()),
            // The port's "unavailable", mapped as the port's errors are.
            Self::Timeout { .. } | Self::Busy { .. } => {
                return Self::Api(Error::Unavailable {
                    message: self.to_string(),
                    source: None,
                })
                .status_and_body();
            }
            Self::Status { status } if status.is_server_error() => {
                (*status, ApiErrorCode::Unknown(INTERNAL_SERVER_ERROR.into()))
            }
            Self::Status { status } => (*status, ApiErrorCode::BadRequest),
        };
        (status, ApiErrorResponse::new(code, self.to_string()))
    }
}

/// The wait a `503` of the server's own (a timeout, the connection limit, an
/// unavailable backend) asks for, in seconds: the causes are short-lived, and clients
/// back off further on their own.
const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 1;

impl ServerError {
    /// The `Retry-After` of this error's answer, in whole seconds, if its cause sets
    /// one: a rate limit's own wait, a fault rule's `retryAfter`, and a short wait
    /// for the server's own unavailability. Nothing else has one.
    fn retry_after(&self) -> Option<u64> {
        match self {
            // Whole seconds, rounded up so a client never retries too early.
            Self::Api(error @ Error::RateLimited { .. }) => error
                .retry_after()
                .map(|wait| wait.as_secs() + u64::from(wait.subsec_nanos() > 0)),
            Self::Api(Error::Unavailable { .. }) | Self::Timeout { .. } | Self::Busy { .. } => {
                Some(UNAVAILABLE_RETRY_AFTER_SECS)
            }
            Self::Injected { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        let (status, body) = self.status_and_body();
        let mut response = json_response(status, &body);
        response
            .extensions_mut()
            .insert(Reason(self.to_string().into_boxed_str()));
        // The placing layer writes the body again for a caller of another generation.
        response.extensions_mut().insert(ErrorBody(body));
        if let Some(seconds) = self.retry_after() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_errors_keep_the_shared_mapping() {
        let error = ServerError::Api(Error::Forbidden {
            message: "not the owner".into(),
        });
        let (status, body) = error.status_and_body();
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(body.code, ApiErrorCode::Forbidden);
        assert!(body.message.contains("not the owner"), "{}", body.message);
    }

    #[test]
    fn a_timeout_is_a_retryable_503() {
        let timeout = ServerError::Timeout {
            timeout: Duration::from_millis(50),
        };
        let (status, body) = timeout.status_and_body();
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(body.message.contains("50 ms"), "{}", body.message);
    }

    #[test]
    fn rate_limiting_tells_when_to_retry_rounded_up() {
        let response = ServerError::Api(Error::RateLimited {
            retry_after: Some(Duration::from_millis(1500)),
            request_id: None,
        })
        .into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
    }

    #[test]
    fn http_level_errors_have_their_own_status() {
        let cases = [
            (
                ServerError::RouteNotFound { path: "/x".into() },
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
            ),
            (
                ServerError::MethodNotAllowed {
                    method: "PUT".into(),
                    path: "/x".into(),
                },
                StatusCode::METHOD_NOT_ALLOWED,
                "BAD_REQUEST",
            ),
            (
                ServerError::PayloadTooLarge { limit: 10 },
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
            ),
            (
                ServerError::Internal,
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_SERVER_ERROR",
            ),
        ];
        for (error, status, code) in cases {
            let (got_status, body) = error.status_and_body();
            assert_eq!((got_status, body.code.as_str()), (status, code));
        }
    }
}
