//! The two ways Lightly's API accepts a credential, and keeping it out of every text.

use std::fmt;

use reqwest::header::{AUTHORIZATION, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::BuildError;

/// A credential as the builder collects it.
#[derive(Clone)]
pub(crate) enum Credentials {
    /// An API token, sent as the query parameter `token` (`ApiKeyAuth`).
    ApiToken(SecretString),
    /// A JWT, sent as `Authorization: Bearer <jwt>` (`auth0Bearer`).
    Bearer(SecretString),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ApiToken(_) => "ApiToken([REDACTED])",
            Self::Bearer(_) => "Bearer([REDACTED])",
        })
    }
}

/// A checked credential, ready to put on requests.
pub(crate) enum Auth {
    /// Appended to every request URL as `?token=...`.
    Query(SecretString),
    /// Set on every request; the value is marked sensitive, so `http`'s `Debug` hides it.
    Header {
        value: HeaderValue,
        /// The JWT itself, to scrub it from texts the service sends back.
        secret: SecretString,
    },
}

impl Auth {
    /// Checks a credential: it must not be empty, and a JWT must fit in a header.
    pub(crate) fn new(credentials: Credentials) -> Result<Self, BuildError> {
        match credentials {
            Credentials::ApiToken(token) => {
                if token.expose_secret().is_empty() {
                    return Err(BuildError::InvalidToken {
                        reason: "the API token is empty",
                    });
                }
                Ok(Self::Query(token))
            }
            Credentials::Bearer(jwt) => {
                if jwt.expose_secret().is_empty() {
                    return Err(BuildError::InvalidToken {
                        reason: "the bearer token is empty",
                    });
                }
                let mut value = HeaderValue::try_from(format!("Bearer {}", jwt.expose_secret()))
                    .map_err(|_| BuildError::InvalidToken {
                        reason: "the bearer token holds characters an HTTP header cannot carry",
                    })?;
                value.set_sensitive(true);
                Ok(Self::Header { value, secret: jwt })
            }
        }
    }

    /// Puts the credential on a request whose URL holds no query yet.
    pub(crate) fn apply(
        &self,
        mut url: reqwest::Url,
        request: impl FnOnce(reqwest::Url) -> reqwest::RequestBuilder,
    ) -> reqwest::RequestBuilder {
        match self {
            Self::Query(token) => {
                url.query_pairs_mut()
                    .append_pair("token", token.expose_secret());
                request(url)
            }
            Self::Header { value, .. } => request(url).header(AUTHORIZATION, value.clone()),
        }
    }

    /// The secret, to build the [`Redactor`] from.
    pub(crate) fn secret(&self) -> &str {
        match self {
            Self::Query(token) => token.expose_secret(),
            Self::Header { secret, .. } => secret.expose_secret(),
        }
    }

    /// How the credential travels, for `Debug` output.
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            Self::Query(_) => "API token in query parameter `token` ([REDACTED])",
            Self::Header { .. } => "bearer token in header `Authorization` ([REDACTED])",
        }
    }
}

/// Every spelling of a credential that may come back in a text: as is, as a query
/// string encodes it (`?token=...` echoed by a proxy or the service) and as JSON
/// escapes it. Built once per repository.
pub(crate) struct Redactor {
    spellings: Vec<String>,
}

impl Redactor {
    pub(crate) fn new(secret: &str) -> Self {
        let mut spellings = vec![secret.to_owned()];
        let mut url = reqwest::Url::parse("http://redact.invalid/").ok();
        if let Some(url) = url.as_mut() {
            url.query_pairs_mut().append_pair("t", secret);
            if let Some(encoded) = url.query().and_then(|q| q.strip_prefix("t=")) {
                spellings.push(encoded.to_owned());
            }
        }
        if let Ok(json) = serde_json::to_string(secret) {
            spellings.push(json.trim_matches('"').to_owned());
        }
        spellings.retain(|spelling| !spelling.is_empty());
        spellings.sort();
        spellings.dedup();
        Self { spellings }
    }

    /// `text` with every spelling of the credential replaced by `[REDACTED]`. Callers
    /// redact a whole text before cutting it, so that no part of a secret survives a cut.
    pub(crate) fn redact(&self, text: &str) -> String {
        self.spellings
            .iter()
            .fold(text.to_owned(), |text, spelling| {
                text.replace(spelling.as_str(), "[REDACTED]")
            })
    }

    /// The error with every message redacted, in case the service echoed the
    /// credential back (e.g. "unknown token abc"). Transport sources have their URL
    /// removed where they are made; this covers what the service itself says.
    pub(crate) fn scrub(&self, error: collab_core::Error) -> collab_core::Error {
        use collab_core::Error;

        match error {
            Error::Unauthorized { message } => Error::Unauthorized {
                message: self.redact(&message),
            },
            Error::Forbidden { message } => Error::Forbidden {
                message: self.redact(&message),
            },
            Error::InvalidRequest { message } => Error::InvalidRequest {
                message: self.redact(&message),
            },
            Error::Unavailable { message, source } => Error::Unavailable {
                message: self.redact(&message),
                source,
            },
            Error::UnexpectedResponse { status, message } => Error::UnexpectedResponse {
                status,
                message: self.redact(&message),
            },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use collab_core::Error;

    use super::*;

    #[test]
    fn debug_of_credentials_hides_the_secret() {
        let api = Credentials::ApiToken("tok-123".into());
        let bearer = Credentials::Bearer("jwt-456".into());
        assert_eq!(format!("{api:?}"), "ApiToken([REDACTED])");
        assert_eq!(format!("{bearer:?}"), "Bearer([REDACTED])");
    }

    #[test]
    fn bearer_header_is_sensitive_and_hidden_in_debug() {
        let auth = Auth::new(Credentials::Bearer("jwt-456".into())).unwrap();
        let Auth::Header { value, .. } = &auth else {
            panic!("a bearer token goes in a header");
        };
        assert!(value.is_sensitive());
        assert!(!format!("{value:?}").contains("jwt-456"));
    }

    #[test]
    fn empty_and_unsendable_tokens_are_refused() {
        let empty = Auth::new(Credentials::ApiToken("".into())).err();
        assert!(
            matches!(empty, Some(BuildError::InvalidToken { reason }) if reason.contains("empty"))
        );
        let newline = Auth::new(Credentials::Bearer("a\nb".into())).err();
        assert!(
            matches!(newline, Some(BuildError::InvalidToken { reason }) if reason.contains("header"))
        );
    }

    #[test]
    fn every_spelling_of_the_secret_is_redacted() {
        let redactor = Redactor::new("a b/c\"d");
        let text = redactor.redact(r#"raw a b/c"d, query a+b%2Fc%22d, json a b/c\"d"#);
        assert_eq!(text, "raw [REDACTED], query [REDACTED], json [REDACTED]");
    }

    #[test]
    fn scrub_removes_an_echoed_secret_from_every_message() {
        let errors = [
            Error::Unauthorized {
                message: "unknown token s3cret".into(),
            },
            Error::Forbidden {
                message: "s3cret may not".into(),
            },
            Error::InvalidRequest {
                message: "bad s3cret".into(),
            },
            Error::Unavailable {
                message: "down for s3cret".into(),
                source: None,
            },
            Error::UnexpectedResponse {
                status: Some(200),
                message: "body: s3cret".into(),
            },
        ];
        let redactor = Redactor::new("s3cret");
        for error in errors {
            let scrubbed = redactor.scrub(error);
            let text = format!("{scrubbed} {scrubbed:?}");
            assert!(!text.contains("s3cret"), "{text}");
            assert!(text.contains("[REDACTED]"), "{text}");
        }
    }
}
