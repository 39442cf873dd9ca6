//! Every error the control plane answers: [`ControlError`], a JSON body
//! `{"code", "error", "path"?}` with a status that says what to do.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use collab_core::admin::AdminError;
use collab_core::fixtures::FixtureError;
use serde::Serialize;

use crate::http::json::json_response;

/// Why a control request was refused. Nothing changed in any case.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ControlError {
    /// The server has no admin token: the control plane is closed.
    #[error(
        "the control plane is closed: start collab serve with --admin-token TOKEN (or the \
         environment variable COLLAB_ADMIN_TOKEN), or with --demo, which prints one"
    )]
    Closed,
    /// No admin token, or another one, was presented.
    #[error(
        "the control plane needs the admin token: send Authorization: Bearer <admin token> \
         or ?token=<admin token> (an API token does not open it)"
    )]
    Unauthorized,
    /// The request is malformed; `path` names what is wrong in its body or query.
    #[error("{message}")]
    BadRequest {
        /// Where in the body or query (`datasets[0].owner`), if known.
        path: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// The request contradicts the state (a name or id taken).
    #[error("{0}")]
    Conflict(String),
    /// Nothing has this id or path.
    #[error("{0}")]
    NotFound(String),
    /// The body ran past the control plane's limit of `limit` bytes.
    #[error("request body is larger than the control plane's limit of {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The server was started without a store's administrative side.
    #[error("this server has no state to control: it was built without a state admin")]
    NoState,
    /// The store failed.
    #[error("{0}")]
    Unavailable(String),
}

impl ControlError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::Closed => (StatusCode::FORBIDDEN, "CONTROL_PLANE_CLOSED"),
            Self::Unauthorized => (StatusCode::UNAUTHORIZED, "UNAUTHORIZED"),
            Self::BadRequest { .. } => (StatusCode::BAD_REQUEST, "BAD_REQUEST"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "CONFLICT"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "NOT_FOUND"),
            Self::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE"),
            Self::NoState => (StatusCode::NOT_IMPLEMENTED, "NOT_IMPLEMENTED"),
            Self::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE"),
        }
    }

    /// A malformed body, with the path of what is wrong.
    pub(crate) fn bad(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadRequest {
            path: Some(path.into()),
            message: message.into(),
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let path = match &self {
            Self::BadRequest { path, .. } => path.as_deref(),
            _ => None,
        };
        let body = Body {
            code,
            error: self.to_string(),
            path,
        };
        // A 503 gets its Retry-After from the finishing layer, as every 503 does.
        json_response(status, &body)
    }
}

impl From<AdminError> for ControlError {
    fn from(error: AdminError) -> Self {
        match error {
            AdminError::Conflict { message } => Self::Conflict(message),
            AdminError::Invalid { message } => Self::BadRequest {
                path: None,
                message,
            },
            AdminError::NotFound { message } => Self::NotFound(message),
            other => Self::Unavailable(other.to_string()),
        }
    }
}

impl From<FixtureError> for ControlError {
    fn from(error: FixtureError) -> Self {
        match error {
            FixtureError::Invalid {
                location, message, ..
            } => Self::BadRequest {
                path: Some(location),
                message,
            },
            other => Self::BadRequest {
                path: None,
                message: other.to_string(),
            },
        }
    }
}
