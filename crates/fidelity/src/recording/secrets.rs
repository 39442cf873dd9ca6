//! The credentials a recording has seen: each replaced by a placeholder (`<user:N>`)
//! before anything is kept, and searched for in the file's bytes before it is written.

use secrecy::{ExposeSecret, SecretString};

/// Every credential seen, in the order first seen; the N of `<user:N>` is its place.
/// Holds the secrets, so it has no `Debug` and never prints them.
#[derive(Default)]
pub(crate) struct Credentials {
    seen: Vec<SecretString>,
}

impl Credentials {
    /// The placeholder of `credential`, given a new one when it is first seen.
    pub(crate) fn placeholder(&mut self, credential: &str) -> String {
        let index = match self
            .seen
            .iter()
            .position(|known| known.expose_secret() == credential)
        {
            Some(index) => index,
            None => {
                self.seen.push(SecretString::from(credential.to_owned()));
                self.seen.len() - 1
            }
        };
        placeholder(index + 1)
    }

    /// `text` with every credential seen, in any of the spellings it may take in a
    /// file (as is, URL-encoded, JSON-escaped), replaced by its placeholder.
    pub(crate) fn scrub(&self, text: &str) -> String {
        let mut text = text.to_owned();
        // Longest first, so that a credential holding another is replaced whole.
        let mut order: Vec<usize> = (0..self.seen.len()).collect();
        order.sort_by_key(|&index| std::cmp::Reverse(self.seen[index].expose_secret().len()));
        for index in order {
            for spelling in spellings(self.seen[index].expose_secret()) {
                text = text.replace(&spelling, &placeholder(index + 1));
            }
        }
        text
    }

    /// Whether `bytes` hold any credential seen, in any of its spellings.
    pub(crate) fn found_in(&self, bytes: &[u8]) -> bool {
        self.seen.iter().any(|credential| {
            spellings(credential.expose_secret())
                .iter()
                .any(|spelling| contains(bytes, spelling.as_bytes()))
        })
    }
}

/// The placeholder of the `number`th caller.
pub(crate) fn placeholder(number: usize) -> String {
    format!("<user:{number}>")
}

/// Whether `text` is a placeholder `<user:N>`.
pub(crate) fn is_placeholder(text: &str) -> bool {
    text.strip_prefix("<user:")
        .and_then(|rest| rest.strip_suffix('>'))
        .is_some_and(|number| !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()))
}

/// The ways a credential can be written in a recording: as is, URL-encoded (a query
/// echoed back), JSON-escaped (a string in a body).
fn spellings(credential: &str) -> Vec<String> {
    let mut spellings = vec![credential.to_owned()];
    let encoded: String = form_urlencoded::byte_serialize(credential.as_bytes()).collect();
    let escaped = serde_json::to_string(credential).unwrap_or_default();
    let escaped = escaped
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or(credential)
        .to_owned();
    for spelling in [encoded, escaped] {
        if !spellings.contains(&spelling) {
            spellings.push(spelling);
        }
    }
    spellings.retain(|spelling| !spelling.is_empty());
    spellings
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty()
        && haystack
            .windows(needle.len())
            .any(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_credentials_get_distinct_placeholders_and_the_same_one_the_same() {
        let mut credentials = Credentials::default();
        assert_eq!(credentials.placeholder("tok-a"), "<user:1>");
        assert_eq!(credentials.placeholder("tok-b"), "<user:2>");
        assert_eq!(credentials.placeholder("tok-a"), "<user:1>");
    }

    #[test]
    fn scrubbing_replaces_every_spelling_and_the_search_finds_what_is_left() {
        let mut credentials = Credentials::default();
        credentials.placeholder("s3cret/with space");
        let text = r#"{"echo":"s3cret/with space","query":"token=s3cret%2Fwith+space"}"#;
        let scrubbed = credentials.scrub(text);
        assert_eq!(scrubbed, r#"{"echo":"<user:1>","query":"token=<user:1>"}"#);
        assert!(!credentials.found_in(scrubbed.as_bytes()));
        assert!(credentials.found_in(text.as_bytes()));
    }

    #[test]
    fn a_credential_inside_another_is_replaced_after_it() {
        let mut credentials = Credentials::default();
        credentials.placeholder("abc");
        credentials.placeholder("abcdef");
        assert_eq!(credentials.scrub("abcdef abc"), "<user:2> <user:1>");
    }

    #[test]
    fn placeholders_are_recognised() {
        assert!(is_placeholder("<user:12>"));
        assert!(!is_placeholder("<user:>"));
        assert!(!is_placeholder("user:1"));
    }
}
