//! Why an [`HttpRepository`](crate::HttpRepository) could not be built: [`BuildError`].

/// Why [`HttpRepositoryBuilder::build`](crate::HttpRepositoryBuilder::build) (or
/// [`token_from_env`](crate::HttpRepositoryBuilder::token_from_env)) failed.
///
/// No variant holds or prints a credential, nor a URL's query or user info.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The base URL cannot be used.
    #[error("invalid base URL (from {origin}): {reason}")]
    InvalidUrl {
        /// Where the URL came from: `with_base_url` or `LIGHTLY_SERVER_LOCATION`.
        origin: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// No credential was given, or the environment variable meant to hold it is unset.
    #[error("missing API token: {reason}")]
    MissingToken {
        /// What to do about it.
        reason: &'static str,
    },
    /// The credential given cannot be sent.
    #[error("invalid API token: {reason}")]
    InvalidToken {
        /// What is wrong with it (never the token itself).
        reason: &'static str,
    },
    /// A timeout of zero, which would fail every call before it is sent.
    #[error("invalid {setting}: it must be longer than zero")]
    InvalidTimeout {
        /// Which one: `with_connect_timeout`, `with_request_timeout` or `with_call_timeout`.
        setting: &'static str,
    },
    /// The user agent cannot be sent as an HTTP header.
    #[error("invalid user agent: it holds characters an HTTP header cannot carry")]
    InvalidUserAgent,
    /// reqwest could not build its client (e.g. the TLS backend failed to load).
    #[error("cannot build the HTTP client")]
    Client {
        /// reqwest's error.
        #[source]
        source: reqwest::Error,
    },
}
