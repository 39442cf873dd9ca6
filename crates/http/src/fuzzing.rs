//! The answer readers of the client, for the fuzz targets in `fuzz/` (feature
//! `fuzzing`, hidden from the docs): not an API, and not covered by semver. Each
//! function calls the reader a call runs, unchanged.

use std::time::{Duration, SystemTime};

use collab_core::wire::CallTarget;
use collab_core::{AccessConfig, CreateEntityResponse, Error};

use crate::RetryPolicy;
use crate::auth::Redactor;
use crate::response::{self, Answer};

/// A successful list answer's body read as `list` reads it, with `secret` as the
/// repository's credential (redacted from any error).
pub fn decode_list(status: u16, body: &[u8], secret: &str) -> Result<Vec<AccessConfig>, Error> {
    let answer = Answer {
        status,
        body: body.to_vec(),
    };
    answer.decode(response::LIST_BODY, &Redactor::new(secret))
}

/// A successful create answer's body read as `create_or_update` reads it.
pub fn decode_created(
    status: u16,
    body: &[u8],
    secret: &str,
) -> Result<CreateEntityResponse, Error> {
    let answer = Answer {
        status,
        body: body.to_vec(),
    };
    answer.decode(response::CREATED_BODY, &Redactor::new(secret))
}

/// The error a non-success answer becomes.
pub fn error_of(
    status: u16,
    body: &[u8],
    retry_after: Option<Duration>,
    target: CallTarget,
) -> Error {
    response::error_of(status, body, retry_after, target)
}

/// A `Retry-After` value as a wait from `now`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    response::parse_retry_after(value, now)
}

/// The wait the retry loop takes before the next attempt, or `None` to stop.
pub fn next_delay(
    policy: &RetryPolicy,
    proposed: Option<Duration>,
    retry_after: Option<Duration>,
) -> Option<Duration> {
    policy.next_delay(proposed, retry_after)
}

/// The wait an error asks for, as the retry loop reads it.
pub fn wait_asked_by(error: &Error) -> Option<Duration> {
    crate::retry::wait_asked_by(error)
}
