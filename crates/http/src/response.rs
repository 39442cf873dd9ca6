//! Turning what came back (an answer or a transport failure) into the port's types.

use std::time::{Duration, SystemTime};

use collab_core::wire::{CallTarget, error_from_response};
use collab_core::{ApiErrorResponse, Error};
use reqwest::header::RETRY_AFTER;
use serde::de::DeserializeOwned;

use crate::auth::Redactor;

/// The most bytes of an answer read; a config list of the largest allowed request
/// (10 000 users and 10 000 teams) is well under this.
pub(crate) const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// What a list answer's body must be, as a bad one's error says.
pub(crate) const LIST_BODY: &str = "a list of SharedAccessConfigData";

/// What a create answer's body must be, as a bad one's error says.
pub(crate) const CREATED_BODY: &str = "a CreateEntityResponse";

/// The most characters of a body quoted in an error.
pub(crate) const EXCERPT_CHARS: usize = 200;

/// A successful answer, read whole.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    /// Reads the body as `T`, or says what was wrong with it, quoting the body with
    /// the credential redacted *before* it is cut, so no part of a secret survives;
    /// serde's own message is redacted too, as it quotes the value it refused.
    pub(crate) fn decode<T: DeserializeOwned>(
        &self,
        expected: &str,
        redactor: &Redactor,
    ) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|error| {
            let body = redactor.redact(&String::from_utf8_lossy(&self.body));
            let reason = redactor.redact(&error.to_string());
            Error::UnexpectedResponse {
                status: Some(self.status),
                message: format!(
                    "the body is not {expected} ({reason}); body: {}",
                    excerpt(body.as_bytes())
                ),
            }
        })
    }
}

/// Reads an answer: a success becomes an [`Answer`]; any other status becomes the
/// port's error through [`error_from_response`], the workspace's one mapping.
pub(crate) async fn read(
    response: reqwest::Response,
    target: CallTarget,
    on_transport_error: impl FnOnce(reqwest::Error) -> Error,
) -> Result<Answer, Error> {
    let status = response.status().as_u16();
    let retry_after = retry_after(&response);
    let success = response.status().is_success();
    let body = read_body(response).await.map_err(|failure| match failure {
        BodyFailure::Transport(error) => on_transport_error(error),
        BodyFailure::TooLarge => Error::UnexpectedResponse {
            status: Some(status),
            message: format!("the body is larger than {MAX_BODY_BYTES} bytes"),
        },
    })?;
    if success {
        return Ok(Answer { status, body });
    }
    Err(error_of(status, &body, retry_after, target))
}

/// The port's error for a non-success answer of `status` with `body`: the body read
/// as an error body of either generation, if it is one.
pub(crate) fn error_of(
    status: u16,
    body: &[u8],
    retry_after: Option<Duration>,
    target: CallTarget,
) -> Error {
    let error_body = serde_json::from_slice::<ApiErrorResponse>(body).ok();
    error_from_response(status, error_body, retry_after, target)
}

/// `Retry-After`, in either of HTTP's forms (RFC 9110, 10.2.3).
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let value = response.headers().get(RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, SystemTime::now())
}

/// A `Retry-After` value as a wait from `now`: delay-seconds (`120`), or an HTTP date
/// (`Wed, 21 Oct 2026 07:28:00 GMT`), which is honoured like the seconds until then; a
/// date already past asks for no wait. Anything else is ignored (the backoff applies).
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

enum BodyFailure {
    Transport(reqwest::Error),
    TooLarge,
}

async fn read_body(mut response: reqwest::Response) -> Result<Vec<u8>, BodyFailure> {
    let announced = response
        .content_length()
        .and_then(|length| usize::try_from(length).ok())
        .unwrap_or(0);
    if announced > MAX_BODY_BYTES {
        return Err(BodyFailure::TooLarge);
    }
    let mut body = Vec::with_capacity(announced);
    while let Some(chunk) = response.chunk().await.map_err(BodyFailure::Transport)? {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(BodyFailure::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// An [`Error::Unavailable`] for a request that got no (complete) answer. The URL is
/// removed from reqwest's error first: with `ApiKeyAuth` it holds the token.
pub(crate) fn transport_error(error: reqwest::Error, call: &str, timeout: Duration) -> Error {
    let what = if error.is_timeout() {
        format!("timed out after {} ms", timeout.as_millis())
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else if error.is_body() || error.is_decode() {
        "the connection failed while reading the answer".to_owned()
    } else {
        "the request failed".to_owned()
    };
    Error::unavailable(format!("{call}: {what}"), error.without_url())
}

/// At most [`EXCERPT_CHARS`] characters of a body, on one line, for error messages.
pub(crate) fn excerpt(body: &[u8]) -> String {
    if body.is_empty() {
        return "<empty>".to_owned();
    }
    let text = String::from_utf8_lossy(body);
    let mut chars = text.chars().map(|c| if c.is_control() { ' ' } else { c });
    let mut shown: String = chars.by_ref().take(EXCERPT_CHARS - 1).collect();
    match (chars.next(), chars.next()) {
        (None, _) => {}
        (Some(last), None) => shown.push(last),
        (Some(_), Some(_)) => shown.push('…'),
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_credential_in_a_body_that_is_not_the_answer_is_in_no_part_of_the_error() {
        // Found by the fuzz target client_answers: serde's message quoted the string it
        // refused, the credential in it, beside the redacted excerpt of the body.
        let secret = "SeCrEt-token-0123456789";
        let answer = Answer {
            status: 200,
            body: format!("\"{secret} is not a list\"").into_bytes(),
        };
        let error = answer
            .decode::<Vec<u32>>("a list", &Redactor::new(secret))
            .unwrap_err();
        let Error::UnexpectedResponse { status, message } = &error else {
            panic!("{error:?}");
        };
        assert_eq!(*status, Some(200));
        assert!(message.contains("invalid type: string"), "{message}");
        assert!(!message.contains(secret), "{message}");
        assert!(!format!("{error:?}").contains(secret));
        assert_eq!(message.matches("[REDACTED]").count(), 2, "{message}");
    }

    #[test]
    fn a_short_body_is_quoted_whole_on_one_line() {
        assert_eq!(excerpt(b"{\"a\":\n1}"), "{\"a\": 1}");
        assert_eq!(excerpt(b""), "<empty>");
    }

    #[test]
    fn a_long_body_is_cut_to_200_characters() {
        let exactly = "é".repeat(EXCERPT_CHARS);
        assert_eq!(excerpt(exactly.as_bytes()), exactly);
        let longer = "é".repeat(EXCERPT_CHARS + 1);
        let shown = excerpt(longer.as_bytes());
        assert_eq!(shown.chars().count(), EXCERPT_CHARS);
        assert!(shown.ends_with('…'));
    }

    #[test]
    fn a_secret_cut_by_the_excerpt_leaves_no_part_behind() {
        let mut body = "x".repeat(EXCERPT_CHARS - 10).into_bytes();
        body.extend_from_slice(b"SeCrEt-9f2c-long-token-value");
        let answer = Answer { status: 200, body };
        let error = answer
            .decode::<Vec<u8>>("a list", &Redactor::new("SeCrEt-9f2c-long-token-value"))
            .unwrap_err();
        let text = format!("{error} {error:?}");
        assert!(!text.contains("SeCrEt"), "{text}");
        assert!(text.contains("[REDACTED"), "{text}");
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_as_an_http_date() {
        let now = httpdate::parse_http_date("Tue, 01 Dec 2026 20:00:00 GMT").unwrap();
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Tue, 01 Dec 2026 20:01:30 GMT", now),
            Some(Duration::from_secs(90))
        );
        assert_eq!(
            parse_retry_after("Tue, 01 Dec 2026 19:59:00 GMT", now),
            Some(Duration::ZERO),
            "a date already past asks for no wait"
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }

    #[test]
    fn invalid_utf8_is_shown_not_refused() {
        assert_eq!(excerpt(b"ok\xffok"), "ok\u{fffd}ok");
    }

    #[test]
    fn a_wrong_success_body_is_an_unexpected_response_with_status_and_excerpt() {
        let answer = Answer {
            status: 201,
            body: br#"{"identifier":"nope"}"#.to_vec(),
        };
        let error = answer
            .decode::<collab_core::CreateEntityResponse>(
                "a CreateEntityResponse",
                &Redactor::new("s3cret"),
            )
            .unwrap_err();
        let Error::UnexpectedResponse { status, message } = &error else {
            panic!("{error:?}");
        };
        assert_eq!(*status, Some(201));
        assert!(message.contains(r#"{"identifier":"nope"}"#), "{message}");
        assert!(error.to_string().contains("status 201"), "{error}");
    }
}
