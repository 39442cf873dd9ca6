//! [`PathPattern`]: which request paths a rule matches.

use std::fmt;
use std::str::FromStr;

/// A rule's `path`: a request path, matched exactly, or a prefix when it ends in `*`
/// (`/v1/versions/*` matches every path that starts with `/v1/versions/`; `/*` matches
/// every path). It starts with `/`, and `*` is allowed only at its end. The request's
/// path is matched without its query (`?...`), as the request line spells it (no
/// percent-decoding).
///
/// ```
/// use collab_faults::PathPattern;
/// let versions: PathPattern = "/v1/versions/*".parse()?;
/// assert!(versions.matches("/v1/versions/pip/minimum"));
/// assert!(!versions.matches("/v1/datasets"));
/// let openapi: PathPattern = "/openapi.json".parse()?;
/// assert!(openapi.matches("/openapi.json") && !openapi.matches("/openapi.json/x"));
/// assert!("v1/*".parse::<PathPattern>().is_err());
/// # Ok::<(), collab_faults::PathPatternError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PathPattern {
    text: String,
}

/// Why a text is not a [`PathPattern`] (the message says what to write instead).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PathPatternError(String);

impl PathPattern {
    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether a request for `path` (its query, if any, is ignored) matches.
    pub fn matches(&self, path: &str) -> bool {
        let path = path.split_once('?').map_or(path, |(path, _)| path);
        match self.text.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => path == self.text,
        }
    }
}

impl FromStr for PathPattern {
    type Err = PathPatternError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let refuse = |why: &str| Err(PathPatternError(format!("{why}, found {text:?}")));
        if !text.starts_with('/') {
            return refuse(
                "must start with `/` (a path such as `/v1/versions/pip/minimum`, or a prefix such as `/v1/*`)",
            );
        }
        if text.trim_end_matches('*').contains('*') || text.ends_with("**") {
            return refuse("`*` is allowed only once, at the end (a prefix)");
        }
        if text.contains('?') || text.contains('#') {
            return refuse("a path has no query or fragment (the query is not matched)");
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return refuse("a path has no spaces or control characters");
        }
        Ok(Self {
            text: text.to_owned(),
        })
    }
}

impl fmt::Display for PathPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}
