//! What a fault's status becomes: the error body the server answers, and the port's
//! [`Error`] an in-process call returns, through core's one mapping so that both are
//! what `collab-http` would make of that answer.

use std::time::Duration;

use collab_core::wire::{self, CallTarget};
use collab_core::{ApiErrorCode, ApiErrorResponse, Error};

use crate::rule::FaultAction;

/// The error code a fault answers with when its rule sets none.
///
/// | status | code |
/// |---|---|
/// | 400 and other 4xx | `BAD_REQUEST` |
/// | 401 | `UNAUTHORIZED` |
/// | 403 | `FORBIDDEN` |
/// | 404 | `NOT_FOUND` (a client reads it as a wrong URL: set `DATASET_UNKNOWN` or `ACCESS_CONTROL_UNKNOWN` for a missing thing) |
/// | 409 | `CONFLICT` |
/// | 413 | `PAYLOAD_TOO_LARGE` |
/// | 429 | `TOO_MANY_REQUESTS` |
/// | 503 | `SERVICE_UNAVAILABLE` |
/// | other 5xx | `INTERNAL_SERVER_ERROR` |
///
/// `TOO_MANY_REQUESTS` and `SERVICE_UNAVAILABLE` are what `collab serve` answers for
/// its own rate-limit and outage errors (`collab_core::wire::error_to_response`).
pub fn default_code(status: u16) -> ApiErrorCode {
    match status {
        401 => ApiErrorCode::Unauthorized,
        403 => ApiErrorCode::Forbidden,
        404 => ApiErrorCode::NotFound,
        409 => ApiErrorCode::Conflict,
        413 => ApiErrorCode::PayloadTooLarge,
        429 => ApiErrorCode::Unknown("TOO_MANY_REQUESTS".to_owned()),
        503 => ApiErrorCode::Unknown("SERVICE_UNAVAILABLE".to_owned()),
        500..=599 => ApiErrorCode::Unknown("INTERNAL_SERVER_ERROR".to_owned()),
        _ => ApiErrorCode::BadRequest,
    }
}

impl FaultAction {
    /// The status and error body this action answers, `None` when it sets no status.
    /// The code is the rule's, or [`default_code`] for the status; the message says
    /// the answer is an injected fault. `collab serve` answers exactly this (in the
    /// caller's generation, with `Retry-After` from [`FaultAction::retry_after`]).
    ///
    /// ```
    /// use collab_core::ApiErrorCode;
    /// use collab_faults::FaultAction;
    /// let (status, body) = FaultAction::status(403).error_response().unwrap();
    /// assert_eq!((status, body.code), (403, ApiErrorCode::Forbidden));
    /// assert!(FaultAction::default().error_response().is_none());
    /// ```
    pub fn error_response(&self) -> Option<(u16, ApiErrorResponse)> {
        let status = self.status?;
        let code = self.code.clone().unwrap_or_else(|| default_code(status));
        let message = format!("injected fault: status {status}");
        Some((status, ApiErrorResponse::new(code, message)))
    }

    /// The port's error for this action's status on a call about `target`: what
    /// `collab-http` returns for the same answer (core's
    /// [`error_from_response`](collab_core::wire::error_from_response), `Retry-After`
    /// included). `None` when the action sets no status.
    ///
    /// ```
    /// use std::time::Duration;
    /// use collab_core::{wire::CallTarget, Error};
    /// use collab_faults::FaultAction;
    /// let target = CallTarget { dataset: "0123456789abcdef01234567".parse()?, config: None };
    /// let error = FaultAction::status(429).with_retry_after(1).to_error(target).unwrap();
    /// assert!(matches!(error, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(1)));
    /// # Ok::<(), collab_core::ParseIdError>(())
    /// ```
    pub fn to_error(&self, target: CallTarget) -> Option<Error> {
        let (status, body) = self.error_response()?;
        let retry_after = self.retry_after.map(Duration::from_secs);
        Some(wire::error_from_response(
            status,
            Some(body),
            retry_after,
            target,
        ))
    }
}
