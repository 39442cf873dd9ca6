//! Why a command failed: one clear line for people (or JSON), and an exit code.

use std::process::ExitCode;

use collab_core::Error;

/// A failed command.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Bad arguments or missing configuration (exit 2).
    Usage(String),
    /// The API (or the path to it) failed the call.
    Api {
        /// What the port said.
        error: Error,
        /// The base URL called, for "cannot reach" messages. Never holds the token.
        api_url: String,
    },
    /// The API did not answer within the command's deadline (`--timeout`, exit 4).
    TimedOut {
        /// The base URL called. Never holds the token.
        api_url: String,
        /// The deadline the command had.
        timeout: std::time::Duration,
    },
    /// The command could not run, e.g. `serve` could not listen, or a person answered
    /// no to a question (exit 1).
    Failed(String),
}

impl Failure {
    /// The documented exit code (see `collab --help`).
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Self::Failed(_) => 1,
            Self::Usage(_) => 2,
            Self::TimedOut { .. } => 4,
            Self::Api { error, .. } => match error {
                Error::RateLimited { .. } | Error::Unavailable { .. } => 4,
                Error::UnexpectedResponse { .. } => 5,
                _ => 3,
            },
        }
    }

    /// A short machine-readable name of the failure.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Self::Usage(_) => "usage",
            Self::Failed(_) => "failed",
            Self::TimedOut { .. } => "timed_out",
            Self::Api { error, .. } => error.kind(),
        }
    }

    /// One line for people, with a hint where one helps. Control characters (a
    /// service's multi-line message, terminal escapes) become spaces.
    pub(crate) fn message(&self) -> String {
        self.raw_message()
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    }

    fn raw_message(&self) -> String {
        match self {
            Self::Usage(message) | Self::Failed(message) => message.clone(),
            Self::TimedOut { api_url, timeout } => format!(
                "no answer from {api_url} within {} s (raise it with --timeout SECS or {})",
                timeout.as_secs_f64(),
                crate::args::TIMEOUT_ENV
            ),
            Self::Api { error, api_url } => match error {
                Error::Unauthorized { .. } => format!("{error} (check LIGHTLY_TOKEN or --token)"),
                // A source that is only the answer's `Retry-After`, or the HTTP adapter's
                // count of attempts, is no transport failure.
                Error::Unavailable {
                    message,
                    source: Some(source),
                } if is_transport_failure(source.as_ref()) => {
                    let cause = root_cause(source.as_ref());
                    format!(
                        "cannot reach {api_url}: {message}: {cause}{}",
                        plain_http_hint(api_url, &cause)
                    )
                }
                Error::Unavailable { message, .. } => {
                    format!("the API at {api_url} is unavailable: {message}")
                }
                // Not the API's answer: most often the URL points at something else.
                Error::UnexpectedResponse { .. } => {
                    let text = error.to_string();
                    if text.contains("check the API URL") {
                        format!("{text} ({api_url})")
                    } else {
                        format!("{text}; check the API URL ({api_url})")
                    }
                }
                _ => error.to_string(),
            },
        }
    }

    /// The service's id for the request that failed, when it sent one: what Lightly's
    /// support asks for. The text line shows it within the error's own words.
    pub(crate) fn request_id(&self) -> Option<&str> {
        match self {
            Self::Api { error, .. } => error.request_id(),
            _ => None,
        }
    }

    /// Prints the failure on stderr, as text or JSON, and gives the exit code.
    pub(crate) fn report(&self, json: bool) -> ExitCode {
        if json {
            let mut error = serde_json::json!({ "kind": self.kind(), "message": self.message() });
            if let Some(request_id) = self.request_id() {
                error["requestId"] = request_id.into();
            }
            let body = serde_json::json!({ "error": error, "exitCode": self.exit_code() });
            eprintln!("{body}");
        } else {
            eprintln!("error: {}", self.message());
        }
        ExitCode::from(self.exit_code())
    }
}

/// A hint for `https://` against a server that speaks plain HTTP (such as `collab
/// serve`): rustls then reads the server's plain answer as a TLS record of an unknown
/// type, which says nothing to a person.
fn plain_http_hint(api_url: &str, cause: &str) -> String {
    match api_url.strip_prefix("https://") {
        Some(rest) if cause.contains("InvalidContentType") => format!(
            " (the server does not speak TLS: if it is plain HTTP, such as `collab serve`, use http://{rest})"
        ),
        _ => String::new(),
    }
}

/// The innermost cause, which says what actually failed (e.g. "Connection refused");
/// the layers above it only repeat the request. Sources carry no credential: the HTTP
/// adapter strips them.
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// Whether an `Unavailable`'s chain of sources holds a transport failure: anything but
/// the answer's `Retry-After` and the HTTP adapter's `FailedAttempts` (which says how
/// many attempts a call made, over the error of the last one).
fn is_transport_failure(source: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(source);
    while let Some(error) = next {
        if !error.is::<collab_core::wire::RetryAfter>()
            && !error.is::<collab_core::FailedAttempts>()
        {
            return true;
        }
        next = error.source();
    }
    false
}
