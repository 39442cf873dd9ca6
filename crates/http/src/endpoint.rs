//! The base URL and the API's paths under it.

use collab_core::{AccessConfigId, DatasetId};
use reqwest::Url;

use crate::BuildError;

/// A checked base URL: `http` or `https`, with a host, an optional path prefix, and no
/// user info, query or fragment (a credential has no business there: it would leak into
/// every log line that shows the URL).
#[derive(Debug, Clone)]
pub(crate) struct BaseUrl {
    url: Url,
    /// The path prefix without its trailing slash: `""` or `/prefix`.
    prefix: String,
}

impl BaseUrl {
    /// Parses and checks a base URL; `origin` names where it came from, for the error.
    pub(crate) fn parse(text: &str, origin: &'static str) -> Result<Self, BuildError> {
        let invalid = |reason: String| BuildError::InvalidUrl { origin, reason };
        // The text is not echoed: it may hold a token the caller put in by mistake.
        let url = Url::parse(text.trim()).map_err(|error| invalid(error.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid(format!(
                "the scheme must be http or https, not {:?}",
                url.scheme()
            )));
        }
        if url.cannot_be_a_base() || !url.has_host() {
            return Err(invalid("the URL has no host".to_owned()));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid(
                "the URL must not hold a user name or password; give credentials to the builder"
                    .to_owned(),
            ));
        }
        if url.query().is_some() {
            return Err(invalid(
                "the URL must not hold a query; give the API token to the builder".to_owned(),
            ));
        }
        if url.fragment().is_some() {
            return Err(invalid("the URL must not hold a fragment".to_owned()));
        }
        let prefix = url.path().trim_end_matches('/').to_owned();
        Ok(Self { url, prefix })
    }

    /// The URL of a dataset's configs, or of one config: no query, no credential.
    pub(crate) fn access(&self, dataset: &DatasetId, config: Option<&AccessConfigId>) -> Url {
        let mut url = self.url.clone();
        let path = match config {
            None => format!("{}/v1/datasets/{dataset}/collaboration/access", self.prefix),
            Some(config) => format!(
                "{}/v1/datasets/{dataset}/collaboration/access/{config}",
                self.prefix
            ),
        };
        url.set_path(&path);
        url
    }

    /// The base URL as given (checked, so free of credentials).
    pub(crate) fn as_url(&self) -> &Url {
        &self.url
    }
}

/// A URL-like text with user info, query and fragment removed, for `Debug` output of
/// a value not yet checked; `<unparseable>` when it is not a URL at all.
pub(crate) fn describe_unchecked(text: &str) -> String {
    match Url::parse(text.trim()) {
        Ok(mut url) => {
            // Both fail only for URLs that cannot hold user info, which then hold none.
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.set_query(None);
            url.set_fragment(None);
            url.to_string()
        }
        Err(_) => "<unparseable>".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn dataset() -> DatasetId {
        "0123456789abcdef01234567".parse().unwrap()
    }

    fn config() -> AccessConfigId {
        "89abcdef0123456789abcdef".parse().unwrap()
    }

    #[test]
    fn paths_are_the_specs() {
        let base = BaseUrl::parse("https://api.lightly.ai", "test").unwrap();
        assert_eq!(
            base.access(&dataset(), None).as_str(),
            "https://api.lightly.ai/v1/datasets/0123456789abcdef01234567/collaboration/access"
        );
        assert_eq!(
            base.access(&dataset(), Some(&config())).as_str(),
            "https://api.lightly.ai/v1/datasets/0123456789abcdef01234567/collaboration/access/89abcdef0123456789abcdef"
        );
    }

    #[test]
    fn a_path_prefix_is_kept_with_or_without_trailing_slash() {
        for text in [
            "http://127.0.0.1:8080/lightly",
            "http://127.0.0.1:8080/lightly/",
            "http://127.0.0.1:8080/lightly//",
        ] {
            let base = BaseUrl::parse(text, "test").unwrap();
            assert_eq!(
                base.access(&dataset(), None).as_str(),
                "http://127.0.0.1:8080/lightly/v1/datasets/0123456789abcdef01234567/collaboration/access",
                "{text}"
            );
        }
    }

    #[test]
    fn urls_that_could_carry_secrets_or_go_nowhere_are_refused() {
        let cases = [
            ("https://api.lightly.ai/?token=s3cret", "query"),
            (
                "https://user:s3cret@api.lightly.ai",
                "user name or password",
            ),
            ("https://api.lightly.ai/#s3cret", "fragment"),
            ("ftp://api.lightly.ai", "scheme"),
            ("api.lightly.ai/s3cret", "relative URL"),
            ("mailto:s3cret@x.io", "scheme"),
        ];
        for (text, expected) in cases {
            let error = BaseUrl::parse(text, "with_base_url").unwrap_err();
            let shown = format!("{error} {error:?}");
            assert!(
                matches!(
                    error,
                    BuildError::InvalidUrl {
                        origin: "with_base_url",
                        ..
                    }
                ),
                "{text}: {shown}"
            );
            assert!(shown.contains(expected), "{text}: {shown}");
            assert!(!shown.contains("s3cret"), "{text}: {shown}");
        }
    }

    #[test]
    fn describe_unchecked_drops_credentials() {
        let shown = describe_unchecked("https://u:s3cret@host.io/p?token=s3cret#s3cret");
        assert_eq!(shown, "https://host.io/p");
        assert_eq!(describe_unchecked("not a url s3cret"), "<unparseable>");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn any_prefix_ends_in_the_specs_path(segments in proptest::collection::vec("[a-z0-9._~-]{1,8}", 0..4), slash in any::<bool>()) {
            let mut text = format!("http://127.0.0.1:1/{}", segments.join("/"));
            if slash {
                text.push('/');
            }
            let base = BaseUrl::parse(&text, "test").unwrap();
            let url = base.access(&dataset(), Some(&config()));
            let expected_suffix = "/v1/datasets/0123456789abcdef01234567/collaboration/access/89abcdef0123456789abcdef";
            prop_assert!(url.path().ends_with(expected_suffix), "{}", url);
            prop_assert!(!url.path().contains("//"), "{}", url);
            prop_assert_eq!(url.query(), None);
        }
    }
}
