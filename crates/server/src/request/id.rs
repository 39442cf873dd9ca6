//! The id of a request: the caller's own `X-Request-Id` when it is sane, else one the
//! server makes ([`RequestId`]).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use axum::http::{HeaderName, HeaderValue};

/// The header that carries a request's id, both ways.
pub(crate) static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// How long a fresh request id is: 8 hexadecimal digits, `-`, 16 more.
const FRESH_ID_LEN: usize = 25;

/// The id of a request: in the `X-Request-Id` of its answer, in today's error bodies,
/// its log line and its journal entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RequestId {
    /// Made by the server: this process's prefix, then this number (see
    /// [`RequestId::fresh`]). Kept as the number, written out when shown.
    Fresh(u64),
    /// The caller's own. A copy: the header's bytes are a slice of hyper's read
    /// buffer, which the journal must not keep alive.
    Given(Box<str>),
}

impl RequestId {
    /// The id's text.
    pub(crate) fn text(&self) -> IdText<'_> {
        match self {
            Self::Fresh(number) => IdText::Fresh(fresh_id_text(*number)),
            Self::Given(text) => IdText::Given(text),
        }
    }

    /// The caller's id when it is a sane token, else a fresh one.
    pub(crate) fn of(request_headers: &axum::http::HeaderMap) -> Self {
        match request_headers
            .get(&X_REQUEST_ID)
            .and_then(|given| given.to_str().ok())
        {
            Some(given) if is_sane_request_id(given.as_bytes()) => Self::Given(given.into()),
            _ => Self::fresh(),
        }
    }

    /// A new id: this process's prefix, then a counter, in hexadecimal.
    pub(crate) fn fresh() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Self::Fresh(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// The text of a [`RequestId`], written out on the stack.
pub(crate) enum IdText<'a> {
    Fresh([u8; FRESH_ID_LEN]),
    Given(&'a str),
}

impl IdText<'_> {
    /// The id as the value of an `X-Request-Id` header.
    pub(crate) fn header_value(&self) -> HeaderValue {
        HeaderValue::from_bytes(self.as_bytes()).unwrap_or(HeaderValue::from_static("0"))
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Fresh(text) => text,
            Self::Given(text) => text.as_bytes(),
        }
    }

    /// The text (always ASCII).
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Self::Fresh(text) => std::str::from_utf8(text).unwrap_or_default(),
            Self::Given(text) => text,
        }
    }
}

/// The text of the fresh id numbered `number`.
fn fresh_id_text(number: u64) -> [u8; FRESH_ID_LEN] {
    let mut text = [0u8; FRESH_ID_LEN];
    write_hex(&mut text[..8], u64::from(process_prefix()));
    text[8] = b'-';
    write_hex(&mut text[9..], number);
    text
}

/// A request id sent by a caller is kept when it is 1 to 128 of `A-Z a-z 0-9 . _ : -`:
/// enough for UUIDs and trace ids, nothing that could break a log line or a header.
fn is_sane_request_id(id: &[u8]) -> bool {
    (1..=128).contains(&id.len())
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// 32 bits that differ between processes (the start time's nanoseconds, mixed with the
/// process id), so that ids of two runs do not repeat each other.
fn process_prefix() -> u32 {
    static PREFIX: OnceLock<u32> = OnceLock::new();
    *PREFIX.get_or_init(|| {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos() as u64);
        let mixed = (nanos ^ u64::from(std::process::id()).rotate_left(32))
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (mixed >> 32) as u32
    })
}

fn write_hex(out: &mut [u8], mut value: u64) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for slot in out.iter_mut().rev() {
        *slot = DIGITS[(value & 0xf) as usize];
        value >>= 4;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sane_caller_id_is_kept_and_anything_else_replaced() {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(&X_REQUEST_ID, HeaderValue::from_static("trace-42:a.b_c"));
        assert_eq!(RequestId::of(&headers).text().as_str(), "trace-42:a.b_c");
        for bad in ["", "has space", "semi;colon", &"x".repeat(129)] {
            headers.insert(&X_REQUEST_ID, HeaderValue::from_str(bad).unwrap());
            let id = RequestId::of(&headers);
            let text = id.text();
            assert_ne!(text.as_str(), bad);
            assert_eq!(text.as_str().len(), 25, "{}", text.as_str());
        }
    }

    #[test]
    fn fresh_ids_differ_and_are_hexadecimal() {
        let (a, b) = (RequestId::fresh(), RequestId::fresh());
        assert_ne!(a.text().as_str(), b.text().as_str());
        let text = a.text();
        assert_eq!(text.as_str().len(), FRESH_ID_LEN);
        assert_eq!(&text.as_str()[8..9], "-");
        assert!(
            text.as_str()
                .bytes()
                .all(|c| c.is_ascii_hexdigit() || c == b'-')
        );
    }
}
