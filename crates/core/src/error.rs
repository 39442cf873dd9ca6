//! The port's error: one enum, by what a caller can do about it.

use std::sync::Arc;
use std::time::Duration;

use crate::{AccessConfigId, DatasetId};

/// The source of an [`Error::Unavailable`]: the transport or I/O error underneath.
///
/// Shared (`Arc`) so that an error can be cloned, which lets a cache hand the same
/// failure to every caller that waited for one load.
pub type ErrorSource = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// What went wrong in a call through the [`AccessConfigRepository`](crate::AccessConfigRepository) port.
///
/// Variants say what a caller can act on; [`Error::is_retryable`] says whether trying
/// again can help. `Display` and `Debug` never contain a credential: adapters strip
/// tokens from every message and source before building one.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The dataset does not exist (`404 DATASET_UNKNOWN`).
    #[error("dataset {dataset} not found{}", quoted_request_id(request_id))]
    DatasetNotFound {
        /// The dataset asked for.
        dataset: DatasetId,
        /// The service's id for the request that found nothing, when it sent one
        /// (quote it to Lightly's support); `None` from a local store.
        request_id: Option<String>,
    },
    /// The dataset exists but has no config with this id (`404 ACCESS_CONTROL_UNKNOWN`).
    #[error(
        "access config {config} not found in dataset {dataset}{}",
        quoted_request_id(request_id)
    )]
    AccessConfigNotFound {
        /// The dataset asked for.
        dataset: DatasetId,
        /// The config asked for.
        config: AccessConfigId,
        /// The service's id for the request, as in [`Error::DatasetNotFound`].
        request_id: Option<String>,
    },
    /// No credentials, or credentials the service does not accept (`401`).
    #[error("unauthorized: {message}")]
    Unauthorized {
        /// The service's explanation.
        message: String,
    },
    /// The caller is known but may not do this, e.g. is not the dataset's owner (`403`).
    #[error("forbidden: {message}")]
    Forbidden {
        /// The service's explanation.
        message: String,
    },
    /// The request is malformed or breaks a rule (`400`); sending it again will not help.
    #[error("invalid request: {message}")]
    InvalidRequest {
        /// What is wrong with it.
        message: String,
    },
    /// The request was well formed but the state it was made from has changed since
    /// (`409 CONFLICT`), e.g. a [`SharingPlan`](crate::SharingPlan) that went stale:
    /// read again, then decide again. Not retryable as it is.
    #[error("conflict: {message}")]
    Conflict {
        /// What changed.
        message: String,
    },
    /// Too many requests (`429`); wait and try again.
    #[error(
        "rate limited{}{}",
        retry_after.map(|d| format!("; retry after {} ms", d.as_millis())).unwrap_or_default(),
        quoted_request_id(request_id)
    )]
    RateLimited {
        /// How long the service asked the caller to wait, if it said.
        retry_after: Option<Duration>,
        /// The service's `requestId` for the refused request, if its answer had one.
        request_id: Option<String>,
    },
    /// The service could not be reached or failed (transport error, timeout, `5xx`);
    /// trying again later may help. The outcome of a write that failed this way may be
    /// unknown: [`Error::outcome_unknown`] says when it is, [`Error::attempts`] how many
    /// attempts were made. When an adapter said so, the `source` is a
    /// [`FailedAttempts`], whose own source is the transport error underneath
    /// ([`Error::find_source`] looks through it).
    #[error("service unavailable: {message}")]
    Unavailable {
        /// What happened.
        message: String,
        /// The underlying error, if any.
        #[source]
        source: Option<ErrorSource>,
    },
    /// The service answered something the API does not define.
    #[error("unexpected response{}: {message}", status.map(|s| format!(" (status {s})")).unwrap_or_default())]
    UnexpectedResponse {
        /// The HTTP status, when there was one.
        status: Option<u16>,
        /// What was wrong with it, with a short excerpt of the body.
        message: String,
    },
}

impl Error {
    /// Whether trying the same call again later can succeed: true for
    /// [`Error::RateLimited`] and [`Error::Unavailable`].
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::RateLimited { .. } | Self::Unavailable { .. })
    }

    /// A short, stable, low-cardinality name of the variant, in snake case (such as
    /// `"dataset_not_found"`): for logs, traces (`error.type`) and machine-readable
    /// output.
    ///
    /// ```
    /// assert_eq!(collab_core::Error::unavailable_without_source("down").kind(), "unavailable");
    /// ```
    pub fn kind(&self) -> &'static str {
        match self {
            Self::DatasetNotFound { .. } => "dataset_not_found",
            Self::AccessConfigNotFound { .. } => "access_config_not_found",
            Self::Unauthorized { .. } => "unauthorized",
            Self::Forbidden { .. } => "forbidden",
            Self::InvalidRequest { .. } => "invalid_request",
            Self::Conflict { .. } => "conflict",
            Self::RateLimited { .. } => "rate_limited",
            Self::Unavailable { .. } => "unavailable",
            Self::UnexpectedResponse { .. } => "unexpected_response",
        }
    }

    /// How long the service asked to wait before trying again, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The service's id for the request this error answered (its `requestId`), when
    /// the error was built from an answer that carried one: what Lightly's support
    /// asks for. `None` for errors that no service answered (a local store, a
    /// transport failure).
    ///
    /// A not-found or rate-limited error holds it in a field; the errors with a message hold it at the
    /// message's end, where [`wire::error_from_response`](crate::wire::error_from_response)
    /// puts it, so that `Display` shows it either way.
    ///
    /// ```
    /// use collab_core::{wire, ApiErrorCode, ApiErrorResponse, Error};
    /// let target = wire::CallTarget { dataset: "0123456789abcdef01234567".parse()?, config: None };
    /// for (status, code) in [
    ///     (404, ApiErrorCode::DatasetUnknown),
    ///     (403, ApiErrorCode::Forbidden),
    ///     (429, ApiErrorCode::Unknown("TOO_MANY_REQUESTS".into())),
    /// ] {
    ///     let body = ApiErrorResponse::new(code, "no").with_request_id("req-7f3a");
    ///     let error = wire::error_from_response(status, Some(body), None, target);
    ///     assert_eq!(error.request_id(), Some("req-7f3a"));
    ///     assert!(error.to_string().contains("request id req-7f3a"), "{error}");
    /// }
    /// assert_eq!(Error::unavailable_without_source("down").request_id(), None);
    /// # Ok::<(), collab_core::ParseIdError>(())
    /// ```
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::DatasetNotFound { request_id, .. }
            | Self::AccessConfigNotFound { request_id, .. }
            | Self::RateLimited { request_id, .. } => request_id.as_deref(),
            Self::Unauthorized { message }
            | Self::Forbidden { message }
            | Self::InvalidRequest { message }
            | Self::Conflict { message }
            | Self::Unavailable { message, .. }
            | Self::UnexpectedResponse { message, .. } => request_id_in(message),
        }
    }

    /// How many attempts the call made before it failed, when the adapter said
    /// (`collab-http` does, for an [`Error::Unavailable`] after more than one attempt or
    /// of a write whose outcome is unknown); `None` otherwise.
    ///
    /// ```
    /// use collab_core::{Error, FailedAttempts};
    /// let error = FailedAttempts::new(3, true).into_error(Error::unavailable_without_source("timed out"));
    /// assert_eq!(error.attempts(), Some(3));
    /// assert!(error.outcome_unknown());
    /// assert_eq!(Error::unavailable_without_source("down").attempts(), None);
    /// ```
    pub fn attempts(&self) -> Option<u32> {
        self.failed_attempts().map(|failed| failed.attempts)
    }

    /// Whether this failed write may have been applied all the same: a request that
    /// timed out, lost its connection or got a `5xx` may have reached the service and
    /// been applied before (or after) the caller stopped waiting. Read the state again
    /// before deciding what to do; a cache in front should be invalidated once the
    /// outcome should be known.
    ///
    /// True only when the adapter said so (`collab-http` does for a write, that is a
    /// `create_or_update` or a `delete`, one of whose attempts may have reached the
    /// service); false for a read, for an attempt that could not connect (nothing was
    /// sent) and for every error an adapter made without sending anything.
    pub fn outcome_unknown(&self) -> bool {
        self.failed_attempts()
            .is_some_and(|failed| failed.outcome_unknown)
    }

    /// The first error of type `T` in this error's chain of sources (e.g. the
    /// `reqwest::Error` of a transport failure, under a [`FailedAttempts`]).
    ///
    /// ```
    /// use collab_core::{Error, FailedAttempts};
    /// let io = std::io::Error::new(std::io::ErrorKind::TimedOut, "timed out");
    /// let error = FailedAttempts::new(3, false).into_error(Error::unavailable("GET /x", io));
    /// assert!(error.find_source::<std::io::Error>().is_some());
    /// assert_eq!(error.find_source::<FailedAttempts>().map(|f| f.attempts), Some(3));
    /// ```
    pub fn find_source<T: std::error::Error + 'static>(&self) -> Option<&T> {
        // The `Arc` itself, not what it holds, is what `Error::source` gives (an `Arc` of
        // an error is an error too, whose own source is the inner one's): start inside it.
        let mut next = match self {
            Self::Unavailable {
                source: Some(source),
                ..
            } => Some(&**source as &(dyn std::error::Error + 'static)),
            _ => None,
        };
        while let Some(source) = next {
            if let Some(found) = source.downcast_ref::<T>() {
                return Some(found);
            }
            next = source.source();
        }
        None
    }

    /// The [`FailedAttempts`] an adapter put in this error's source, if any.
    fn failed_attempts(&self) -> Option<&FailedAttempts> {
        let Self::Unavailable {
            source: Some(source),
            ..
        } = self
        else {
            return None;
        };
        source.downcast_ref::<FailedAttempts>()
    }

    /// Whether this is one of the two not-found errors.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            Self::DatasetNotFound { .. } | Self::AccessConfigNotFound { .. }
        )
    }

    /// An [`Error::Unavailable`] with a message and a source.
    pub fn unavailable(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Unavailable {
            message: message.into(),
            source: Some(Arc::new(source)),
        }
    }

    /// An [`Error::Unavailable`] with a message and no source, for a backend whose
    /// outage has no underlying error to carry (e.g. "the database is down").
    ///
    /// ```
    /// use collab_core::Error;
    /// let error = Error::unavailable_without_source("the database is down");
    /// assert!(error.is_retryable());
    /// assert_eq!(error.to_string(), "service unavailable: the database is down");
    /// assert!(std::error::Error::source(&error).is_none());
    /// ```
    pub fn unavailable_without_source(message: impl Into<String>) -> Self {
        Self::Unavailable {
            message: message.into(),
            source: None,
        }
    }
}

/// What an adapter that retries tells about a call that failed as
/// [`Error::Unavailable`]: how many attempts it made and whether a write may have been
/// applied anyway. It becomes the error's source (the source it had becomes this one's),
/// read back by [`Error::attempts`] and [`Error::outcome_unknown`].
#[derive(Debug, Clone)]
pub struct FailedAttempts {
    /// The attempts made, the failed last one included.
    pub attempts: u32,
    /// Whether a write may have been applied although it failed (see
    /// [`Error::outcome_unknown`]).
    pub outcome_unknown: bool,
    source: Option<ErrorSource>,
}

impl FailedAttempts {
    /// `attempts` made; `outcome_unknown` for a write that may have been applied.
    pub fn new(attempts: u32, outcome_unknown: bool) -> Self {
        Self {
            attempts,
            outcome_unknown,
            source: None,
        }
    }

    /// Puts this into an [`Error::Unavailable`], whose message then starts by saying
    /// it (`after 3 attempts, the write's outcome is unknown (it may have been
    /// applied): ...`); any other error is returned as it is.
    pub fn into_error(mut self, error: Error) -> Error {
        match error {
            Error::Unavailable { message, source } => {
                let attempts = match self.attempts {
                    1 => "after 1 attempt".to_owned(),
                    n => format!("after {n} attempts"),
                };
                let outcome = if self.outcome_unknown {
                    ", the write's outcome is unknown (it may have been applied)"
                } else {
                    ""
                };
                self.source = source;
                Error::Unavailable {
                    message: format!("{attempts}{outcome}: {message}"),
                    source: Some(Arc::new(self)),
                }
            }
            other => other,
        }
    }
}

impl std::fmt::Display for FailedAttempts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} attempt(s)", self.attempts)?;
        if self.outcome_unknown {
            f.write_str("; outcome unknown")?;
        }
        Ok(())
    }
}

impl std::error::Error for FailedAttempts {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn std::error::Error + 'static))
    }
}

/// How a message built from a service's answer ends when the answer had a request
/// id: `"{text} ({code}; request id {id})"`. Written by [`with_request_id`], read by
/// [`request_id_in`]: the two sit together so that they cannot disagree.
const REQUEST_ID_MARK: &str = "; request id ";

/// `text` with the answer's code and request id appended, as [`Error::request_id`]
/// reads them back.
pub(crate) fn with_request_id(text: &str, code: &str, request_id: &str) -> String {
    format!("{text} ({code}{REQUEST_ID_MARK}{request_id})")
}

/// The request id at the end of a message written by [`with_request_id`].
fn request_id_in(message: &str) -> Option<&str> {
    let (_, id) = message.strip_suffix(')')?.rsplit_once(REQUEST_ID_MARK)?;
    (!id.is_empty() && !id.contains([' ', '(', ')'])).then_some(id)
}

/// ` (request id {id})` for a `Display` that has room for one.
fn quoted_request_id(request_id: &Option<String>) -> String {
    request_id
        .as_deref()
        .map(|id| format!(" (request id {id})"))
        .unwrap_or_default()
}

/// The port's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<crate::ParseIdError> for Error {
    fn from(error: crate::ParseIdError) -> Self {
        Self::InvalidRequest {
            message: error.to_string(),
        }
    }
}
