//! Credentials: the users the server knows by token, and the token a request
//! presents (the API's and the control plane's alike).

use std::borrow::Cow;
use std::sync::Arc;

use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use collab_core::Error;
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

/// One user the server knows, with the token that authenticates them.
#[derive(Clone)]
pub(crate) struct UserToken {
    pub(crate) name: String,
    pub(crate) token: SecretString,
}

/// The users the server knows, looked up by token in constant time.
pub(crate) struct Users {
    users: Vec<UserToken>,
}

impl Users {
    pub(crate) fn new(users: Vec<UserToken>) -> Self {
        Self { users }
    }

    /// These users and `user`, in place of a user of the same name.
    pub(crate) fn with(&self, user: UserToken) -> Self {
        let mut users: Vec<UserToken> = self
            .users
            .iter()
            .filter(|known| known.name != user.name)
            .cloned()
            .collect();
        users.push(user);
        Self { users }
    }

    /// The user whose token is `presented`, if any.
    ///
    /// Compares against every user's token with [`ConstantTimeEq`] and does not stop
    /// at a match, so the time taken does not tell an attacker how much of a token
    /// was right (only, as for any such comparison, whether the lengths matched).
    pub(crate) fn find(&self, presented: &str) -> Option<&str> {
        let mut found = None;
        for user in &self.users {
            if is_token(&user.token, presented) && found.is_none() {
                found = Some(user.name.as_str());
            }
        }
        found
    }
}

/// Whether `presented` is `token`, compared in constant time (the time taken tells
/// nothing of how much of it was right, only, as for any such comparison, whether the
/// lengths matched).
pub(crate) fn is_token(token: &SecretString, presented: &str) -> bool {
    token
        .expose_secret()
        .as_bytes()
        .ct_eq(presented.as_bytes())
        .into()
}

/// The token a request carries: the `token` query parameter (Lightly's `ApiKeyAuth`)
/// if present, else an `Authorization: Bearer` header (`auth0Bearer`).
///
/// Error messages never repeat what was sent. A token that needs no decoding is
/// borrowed from the request.
pub(crate) fn presented_token(parts: &Parts) -> Result<Cow<'_, str>, Error> {
    let query = parts.uri.query().unwrap_or_default();
    match first_two_values(query, "token") {
        (Some(_), Some(_)) => Err(Error::Unauthorized {
            message: "the token query parameter is given more than once".into(),
        }),
        (Some(token), None) if token.is_empty() => Err(Error::Unauthorized {
            message: "the token query parameter is empty".into(),
        }),
        (Some(token), None) => Ok(token),
        (None, _) => bearer_token(&parts.headers),
    }
}

/// The first two values of `key` in `query`, decoded as a form. A query with nothing
/// to decode (no `%`, no `+`), as a token's usually is, is read in one pass over its
/// bytes, without copying; any other is read by `form_urlencoded`.
pub(crate) fn first_two_values<'q>(
    query: &'q str,
    key: &str,
) -> (Option<Cow<'q, str>>, Option<Cow<'q, str>>) {
    let mut found = [None, None];
    let mut count = 0;
    let mut pair_start = 0;
    let mut equals = None;
    // Each pair is looked at when the `&` after it (or the end) is reached.
    for (at, byte) in query.bytes().chain([b'&']).enumerate() {
        match byte {
            b'%' | b'+' => {
                let mut values = form_urlencoded::parse(query.as_bytes())
                    .filter(|(name, _)| name == key)
                    .map(|(_, value)| value);
                return (values.next(), values.next());
            }
            b'=' if equals.is_none() => equals = Some(at),
            b'&' => {
                let name_end = equals.unwrap_or(at);
                if count < found.len() && &query[pair_start..name_end] == key {
                    let value = equals.map_or("", |equals| &query[equals + 1..at]);
                    found[count] = Some(Cow::Borrowed(value));
                    count += 1;
                }
                pair_start = at + 1;
                equals = None;
            }
            _ => {}
        }
    }
    let [first, second] = found;
    (first, second)
}

fn bearer_token(headers: &HeaderMap) -> Result<Cow<'_, str>, Error> {
    let unauthorized = |message: &str| Error::Unauthorized {
        message: message.into(),
    };
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(unauthorized(
            "no credentials: send ?token=<API token> or Authorization: Bearer <token>",
        ));
    };
    let value = value
        .to_str()
        .map_err(|_| unauthorized("the Authorization header is not text"))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Cow::Borrowed(token.trim()))
        }
        _ => Err(unauthorized(
            "the Authorization header is not of the form Bearer <token>",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users() -> Users {
        Users::new(vec![
            UserToken {
                name: "alice".into(),
                token: "a-token".into(),
            },
            UserToken {
                name: "bob".into(),
                token: "b-token".into(),
            },
            UserToken {
                name: "carol".into(),
                token: "a-token".into(),
            },
        ])
    }

    #[test]
    fn finds_the_user_of_a_token_and_no_one_for_others() {
        let users = users();
        assert_eq!(users.find("b-token"), Some("bob"));
        assert_eq!(users.find("b-toke"), None);
        assert_eq!(users.find("b-token "), None);
        assert_eq!(users.find(""), None);
    }

    #[test]
    fn a_shared_token_belongs_to_the_user_added_first() {
        assert_eq!(users().find("a-token"), Some("alice"));
    }

    fn parts(uri: &str, authorization: Option<&str>) -> Parts {
        let mut request = axum::http::Request::builder().uri(uri);
        if let Some(value) = authorization {
            request = request.header(header::AUTHORIZATION, value);
        }
        request.body(()).expect("valid request").into_parts().0
    }

    fn unauthorized_message(result: Result<Cow<'_, str>, Error>) -> String {
        match result {
            Err(Error::Unauthorized { message }) => message,
            other => panic!("expected Unauthorized, got {other:?}"),
        }
    }

    #[test]
    fn a_plain_query_is_split_as_a_form_would_decode_it() {
        for query in [
            "token=abc",
            "a=1&token=abc&b",
            "token=&x=1",
            "token",
            "&&token=abc&&",
            "x=1&token=a=b",
            "token=one&token=two&token=three",
            "tok%65n=abc",
            "token=a+b%2Fc",
            "token=one&x=1&token=two&y=%41",
            "token=a&token=b&token=c+d",
            "=token&token==x&token",
            "token&token=",
            "",
        ] {
            let (first, second) = first_two_values(query, "token");
            let ours: Vec<String> = first
                .into_iter()
                .chain(second)
                .map(Cow::into_owned)
                .collect();
            let form: Vec<String> = form_urlencoded::parse(query.as_bytes())
                .filter(|(name, _)| name == "token")
                .map(|(_, value)| value.into_owned())
                .take(2)
                .collect();
            assert_eq!(ours, form, "{query:?}");
        }
    }

    #[test]
    fn reads_the_query_token_first_then_the_bearer_header() {
        let both = parts("/x?a=1&token=q%2Btok", Some("Bearer h-tok"));
        assert_eq!(presented_token(&both).expect("token"), "q+tok");
        let header_only = parts("/x", Some("bearer  h-tok "));
        assert_eq!(presented_token(&header_only).expect("token"), "h-tok");
    }

    #[test]
    fn missing_empty_or_foreign_credentials_are_unauthorized_without_echo() {
        let missing = unauthorized_message(presented_token(&parts("/x", None)));
        assert!(missing.contains("no credentials"), "{missing}");
        let empty = unauthorized_message(presented_token(&parts("/x?token=", None)));
        assert!(empty.contains("empty"), "{empty}");
        let basic = unauthorized_message(presented_token(&parts("/x", Some("Basic c2VjcmV0"))));
        assert!(
            basic.contains("Bearer <token>") && !basic.contains("c2VjcmV0"),
            "{basic}"
        );
        let twice = unauthorized_message(presented_token(&parts("/x?token=s1&token=s2", None)));
        assert!(
            twice.contains("more than once") && !twice.contains("s1") && !twice.contains("s2"),
            "{twice}"
        );
    }
}

/// The most bytes of a request's headers the journal keeps.
pub(crate) const KEPT_HEADERS_LIMIT: usize = 8 * 1024;

/// What stands for a credential in what the server keeps.
pub(crate) const REDACTED: &str = "[REDACTED]";

/// Writes a request's headers as the journal keeps them into `kept` (emptied first,
/// so that a caller reuses its room): `name`, NUL, `value`, NUL, ..., names in lower
/// case, credentials redacted (`Authorization` keeps its scheme, so a test can tell
/// how a token was sent; cookies, API keys and anything named like a token show
/// [`REDACTED`]), at most [`KEPT_HEADERS_LIMIT`] bytes.
pub(crate) fn write_kept_headers(headers: &HeaderMap, kept: &mut String) {
    kept.clear();
    for (name, value) in headers {
        let name = name.as_str();
        let shown = shown_header(name, value);
        if kept.len() + name.len() + shown.len() + 2 > KEPT_HEADERS_LIMIT {
            break;
        }
        kept.push_str(name);
        kept.push('\0');
        kept.push_str(&shown);
        kept.push('\0');
    }
}

/// The text of [`write_kept_headers`], shared by the journal's entries of the requests
/// that sent the same headers (most requests on one connection do): a thin pointer,
/// so that an entry keeps it within its cache line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct HeaderText(Box<str>);

impl HeaderText {
    /// The text, as [`kept_header_pairs`] reads it.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// The headers a connection sent last, as the journal keeps them, and room to write
/// the next request's: a request that sends the same ones shares their text.
#[derive(Debug, Default, Clone)]
pub(crate) struct LastHeaders {
    last: Option<Arc<HeaderText>>,
    scratch: String,
}

impl LastHeaders {
    /// `headers` as the journal keeps them; the same text as the last request's,
    /// shared, when they are the same.
    pub(crate) fn kept(&mut self, headers: &HeaderMap) -> Arc<HeaderText> {
        write_kept_headers(headers, &mut self.scratch);
        match &self.last {
            Some(last) if last.as_str() == self.scratch => Arc::clone(last),
            _ => {
                let kept = Arc::new(HeaderText(self.scratch.as_str().into()));
                self.last = Some(Arc::clone(&kept));
                kept
            }
        }
    }
}

/// The value of the header `name` as the journal shows it (see [`write_kept_headers`]).
fn shown_header<'a>(name: &str, value: &'a HeaderValue) -> Cow<'a, str> {
    if name == header::AUTHORIZATION.as_str() || name == header::PROXY_AUTHORIZATION.as_str() {
        let value = String::from_utf8_lossy(value.as_bytes());
        match value.split_once(' ') {
            Some((scheme, _)) => Cow::Owned(format!("{scheme} {REDACTED}")),
            None => Cow::Borrowed(REDACTED),
        }
    } else if name == header::COOKIE.as_str()
        || name.contains("token")
        || name.contains("api-key")
        || name.contains("secret")
    {
        Cow::Borrowed(REDACTED)
    } else {
        // Visible ASCII, as most values are, needs no lossy conversion.
        match value.to_str() {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(value.as_bytes()),
        }
    }
}

/// The pairs of [`write_kept_headers`]'s text, in order.
pub(crate) fn kept_header_pairs(kept: &str) -> impl Iterator<Item = (&str, &str)> {
    let mut parts = kept.split('\0');
    std::iter::from_fn(move || Some((parts.next().filter(|name| !name.is_empty())?, parts.next()?)))
}

#[cfg(test)]
mod kept_header_tests {
    use super::*;

    fn kept_headers(headers: &HeaderMap) -> String {
        let mut kept = String::new();
        write_kept_headers(headers, &mut kept);
        kept
    }

    #[test]
    fn credentials_are_redacted_and_the_rest_kept() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer tok-secret-1"),
        );
        headers.insert(
            header::USER_AGENT,
            HeaderValue::from_static("OpenAPI-Generator/1.0.0/python"),
        );
        headers.insert("x-lightly-token", HeaderValue::from_static("tok-secret-2"));
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("session=tok-secret-3"),
        );
        let kept = kept_headers(&headers);
        assert!(!kept.contains("tok-secret"), "{kept:?}");
        let pairs: Vec<_> = kept_header_pairs(&kept).collect();
        assert!(
            pairs.contains(&("authorization", "Bearer [REDACTED]")),
            "{pairs:?}"
        );
        assert!(pairs.contains(&("user-agent", "OpenAPI-Generator/1.0.0/python")));
        assert!(pairs.contains(&("x-lightly-token", REDACTED)));
        assert!(pairs.contains(&("cookie", REDACTED)));
        assert_eq!(pairs.len(), 4);
    }

    #[test]
    fn headers_past_the_limit_are_left_out_whole() {
        let mut headers = HeaderMap::new();
        let value = "v".repeat(1000);
        for index in 0..12 {
            headers.insert(
                axum::http::HeaderName::from_bytes(format!("x-h{index:02}").as_bytes()).unwrap(),
                HeaderValue::from_str(&value).unwrap(),
            );
        }
        headers.insert("x-bin", HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap());
        let kept = kept_headers(&headers);
        assert!(kept.len() <= KEPT_HEADERS_LIMIT, "{}", kept.len());
        let pairs: Vec<_> = kept_header_pairs(&kept).collect();
        // Each pair takes 1007 bytes: eight fit in 8 KiB, the ninth does not.
        assert_eq!(pairs.len(), 8, "{pairs:?}");
        assert!(pairs.iter().all(|(_, shown)| *shown == value));
        assert_eq!(kept.len(), 8 * 1007);

        let mut small = HeaderMap::new();
        small.insert("x-bin", HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap());
        let kept = kept_headers(&small);
        assert_eq!(
            kept_header_pairs(&kept).collect::<Vec<_>>(),
            [("x-bin", "café")]
        );
    }

    #[test]
    fn the_same_headers_again_share_the_last_text_and_other_ones_do_not() {
        let mut last = LastHeaders::default();
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        let first = last.kept(&headers);
        let again = last.kept(&headers);
        assert!(Arc::ptr_eq(&first, &again));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer tok-1"),
        );
        let other = last.kept(&headers);
        assert!(!Arc::ptr_eq(&first, &other));
        assert_eq!(
            kept_header_pairs(other.as_str()).collect::<Vec<_>>(),
            [
                ("host", "127.0.0.1:8080"),
                ("authorization", "Bearer [REDACTED]")
            ]
        );
        assert_eq!(first.as_str(), "host\x00127.0.0.1:8080\x00");
    }
}
