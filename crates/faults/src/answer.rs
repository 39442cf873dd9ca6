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

/// The exact answer a firing rule's status makes ([`FaultAction::answer`]): its
/// status, its headers and its body, and nothing else: no `Retry-After` unless the rule
/// sets `retryAfter`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultAnswer {
    /// The status.
    pub status: u16,
    /// The headers, names in lower case: the rule's `headers`, then the body's
    /// default `content-type` when they set none (`application/json` for a JSON
    /// `body`), then `retry-after` when the rule sets `retryAfter`.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: AnswerBody,
}

/// The body of a [`FaultAnswer`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AnswerBody {
    /// The API's error body (a 4xx/5xx without the rule's `body`): sent as JSON
    /// (`content-type: application/json`), in the caller's API generation.
    Error(ApiErrorResponse),
    /// These bytes, as they are (the rule's `body`, or nothing for a status below
    /// 400 without one).
    Bytes(Vec<u8>),
}

impl FaultAction {
    /// The exact answer this action's status makes, `None` when it sets no status (or
    /// drops the connection): the status; the rule's `headers` (plus a JSON body's
    /// `content-type` when they set none) and `retry-after` only when `retryAfter` is
    /// set; the rule's `body`, else for a 4xx/5xx the error body of
    /// [`error_response`](Self::error_response), else nothing.
    ///
    /// ```
    /// use collab_faults::{AnswerBody, FaultAction, FaultBody};
    /// let answer = FaultAction::status(503).answer().unwrap();
    /// assert_eq!(answer.status, 503);
    /// assert!(answer.headers.is_empty()); // no Retry-After unless the rule sets one
    /// assert!(matches!(answer.body, AnswerBody::Error(_)));
    ///
    /// let html = FaultAction::status(200)
    ///     .with_body(FaultBody::Text("<html>busy</html>".into()))
    ///     .with_header("Content-Type", "text/html");
    /// let answer = html.answer().unwrap();
    /// assert_eq!(answer.headers, [("content-type".to_owned(), "text/html".to_owned())]);
    /// assert_eq!(answer.body, AnswerBody::Bytes(b"<html>busy</html>".to_vec()));
    /// ```
    pub fn answer(&self) -> Option<FaultAnswer> {
        let status = self.status?;
        if self.drop.is_some() {
            return None;
        }
        let mut headers: Vec<(String, String)> = self
            .headers
            .iter()
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        let body = match (&self.body, self.error_response()) {
            (Some(body), _) => {
                if let Some(content_type) = body.default_content_type()
                    && !self.headers.contains_key("content-type")
                {
                    headers.push(("content-type".to_owned(), content_type.to_owned()));
                }
                AnswerBody::Bytes(body.to_bytes())
            }
            (None, Some((_, error))) => AnswerBody::Error(error),
            (None, None) => AnswerBody::Bytes(Vec::new()),
        };
        if let Some(seconds) = self.retry_after {
            headers.push(("retry-after".to_owned(), seconds.to_string()));
        }
        Some(FaultAnswer {
            status,
            headers,
            body,
        })
    }

    /// The status and API error body this action answers: `None` unless it sets a
    /// 4xx/5xx status and no `body` of its own (see [`answer`](Self::answer) for the
    /// whole answer). The code is the rule's, or [`default_code`] for the status; the
    /// message says the answer is an injected fault. This is only the body: its
    /// `Retry-After` is [`FaultAction::retry_after`], and nothing else.
    ///
    /// ```
    /// use collab_core::ApiErrorCode;
    /// use collab_faults::FaultAction;
    /// let (status, body) = FaultAction::status(403).error_response().unwrap();
    /// assert_eq!((status, body.code), (403, ApiErrorCode::Forbidden));
    /// assert!(FaultAction::default().error_response().is_none());
    /// assert!(FaultAction::status(200).error_response().is_none());
    /// ```
    pub fn error_response(&self) -> Option<(u16, ApiErrorResponse)> {
        let status = self.status.filter(|status| (400..=599).contains(status))?;
        if self.body.is_some() {
            return None;
        }
        let code = self.code.clone().unwrap_or_else(|| default_code(status));
        let message = format!("injected fault: status {status}");
        Some((status, ApiErrorResponse::new(code, message)))
    }

    /// The port's error for this action's 4xx/5xx status on a call about `target`:
    /// what `collab-http` returns for the same answer (core's
    /// [`error_from_response`](collab_core::wire::error_from_response)), with a
    /// `retry_after` only when the rule sets `retryAfter`. A rule's own `body` is read
    /// as `collab-http` reads one (an `ApiErrorResponse` if it is one, else no body).
    /// `None` when the action sets no status or one below 400.
    ///
    /// ```
    /// use std::time::Duration;
    /// use collab_core::{wire::CallTarget, Error};
    /// use collab_faults::FaultAction;
    /// let target = CallTarget { dataset: "0123456789abcdef01234567".parse()?, config: None };
    /// let error = FaultAction::status(429).with_retry_after(1).to_error(target).unwrap();
    /// assert!(matches!(error, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(1)));
    /// let error = FaultAction::status(429).to_error(target).unwrap();
    /// assert!(matches!(error, Error::RateLimited { retry_after: None, .. }));
    /// # Ok::<(), collab_core::ParseIdError>(())
    /// ```
    pub fn to_error(&self, target: CallTarget) -> Option<Error> {
        let status = self.status.filter(|status| (400..=599).contains(status))?;
        let body = match &self.body {
            Some(body) => serde_json::from_slice::<ApiErrorResponse>(&body.to_bytes()).ok(),
            None => self.error_response().map(|(_, body)| body),
        };
        let retry_after = self.retry_after.map(Duration::from_secs);
        Some(wire::error_from_response(status, body, retry_after, target))
    }
}
