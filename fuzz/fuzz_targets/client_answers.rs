//! The service's answers as the client (`collab-http`) reads them: list and create
//! bodies, error bodies of both generations, and `Retry-After` in seconds or as an
//! HTTP date.
//!
//! The input: four lines (the status, the `Retry-After` value, the clock as seconds
//! since the epoch, the backoff's proposed wait in milliseconds or nothing), then the
//! body. Invariants:
//! - a `Retry-After` that is read is the seconds given, or, for a date, no more than
//!   the time from now to the last date HTTP can write (9999-12-31); the retry loop's
//!   wait is never longer than the policy's `max_backoff`;
//! - an error answer keeps its status: the error is of the status' class (4xx stays a
//!   refusal, 5xx stays unavailability; `408` is unavailability) or an
//!   `UnexpectedResponse` carrying the status; a `429` or retryable `5xx` carries the
//!   `Retry-After` read; an error body's `requestId` is kept in the error;
//! - a body that is not the expected JSON is an `UnexpectedResponse` with the status,
//!   whose message never holds the repository's credential, even when the body does.
//! Never a panic.
#![no_main]

use std::time::{Duration, SystemTime};

use collab_core::wire::{CallTarget, error_to_response};
use collab_core::{ApiErrorResponse, Error};
use collab_http::RetryPolicy;
use collab_http::fuzzing;
use libfuzzer_sys::fuzz_target;

/// An answer as the input gives it: four lines (status, `Retry-After` value, the
/// clock's seconds since the epoch, the backoff's proposed wait in ms or empty), then
/// the body.
struct Answer<'a> {
    status: u16,
    retry_after: &'a str,
    now_secs: u32,
    proposed_ms: Option<u32>,
    body: &'a [u8],
}

impl<'a> Answer<'a> {
    fn read(data: &'a [u8]) -> Option<Self> {
        let mut lines = data.splitn(5, |&byte| byte == b'\n');
        let mut line = || std::str::from_utf8(lines.next()?).ok();
        let status = line()?.trim().parse().ok()?;
        let retry_after = line()?;
        let now_secs = line()?.trim().parse().ok()?;
        let proposed_ms = line()?.trim().parse().ok();
        let body = lines.next().unwrap_or_default();
        Some(Self {
            status,
            retry_after,
            now_secs,
            proposed_ms,
            body,
        })
    }
}

const SECRET: &str = "SeCrEt-fuzz-token-0123456789";
/// 9999-12-31T23:59:59Z, the last second HTTP's date format can write.
const LAST_HTTP_DATE: u64 = 253_402_300_799;

fuzz_target!(|data: &[u8]| {
    let Some(answer) = Answer::read(data) else {
        return;
    };
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(u64::from(answer.now_secs));
    let retry_after = fuzzing::parse_retry_after(answer.retry_after, now);
    if let Some(wait) = retry_after {
        match answer.retry_after.trim().parse::<u64>() {
            Ok(seconds) => assert_eq!(wait, Duration::from_secs(seconds)),
            Err(_) => assert!(
                wait.as_secs() <= LAST_HTTP_DATE - u64::from(answer.now_secs),
                "{:?} read as {wait:?}",
                answer.retry_after
            ),
        }
    }
    let policy = RetryPolicy::new();
    let proposed = answer
        .proposed_ms
        .map(|ms| Duration::from_millis(u64::from(ms)));
    if let Some(wait) = fuzzing::next_delay(&policy, proposed, retry_after) {
        assert!(wait <= policy.max_backoff, "{wait:?}");
    }

    let status = answer.status;
    let target = CallTarget {
        dataset: "0123456789abcdef01234567".parse().expect("an id"),
        config: Some("65a000000000000000000001".parse().expect("an id")),
    };
    if (200..300).contains(&status) {
        for read in [
            fuzzing::decode_list(status, answer.body, SECRET).map(drop),
            fuzzing::decode_created(status, answer.body, SECRET).map(drop),
        ] {
            if let Err(error) = read {
                let Error::UnexpectedResponse {
                    status: kept,
                    message,
                } = &error
                else {
                    panic!("a bad body is not an UnexpectedResponse: {error:?}");
                };
                assert_eq!(*kept, Some(status));
                assert!(!message.contains(SECRET), "the credential is in {message}");
            }
        }
        return;
    }
    let error = fuzzing::error_of(status, answer.body, retry_after, target);
    match &error {
        Error::UnexpectedResponse { status: kept, .. } => assert_eq!(*kept, Some(status)),
        other => {
            let (answered, _) = error_to_response(other);
            assert!(
                answered / 100 == status / 100 || (status == 408 && answered == 503),
                "{status} became {other:?}"
            );
        }
    }
    if matches!(error, Error::RateLimited { .. } | Error::Unavailable { .. }) {
        assert_eq!(fuzzing::wait_asked_by(&error), retry_after, "{error:?}");
    }
    if let Ok(body) = serde_json::from_slice::<ApiErrorResponse>(answer.body) {
        if let Some(request_id) = &body.request_id {
            assert!(
                error.request_id() == Some(request_id.as_str())
                    || error.to_string().contains(request_id.as_str()),
                "{request_id} lost in {error:?}"
            );
        }
    }
});
