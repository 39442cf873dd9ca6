//! The request journal: the API requests the server received, newest last, in a
//! bounded ring ([`Journal`]), and the shape a test reads them in ([`RecordedRequest`]).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::http::Method;
use collab_core::DatasetId;
use collab_core::wire::WireGeneration;
use serde::{Deserialize, Serialize};

use crate::middleware::record::RequestId;

/// How many entries the journal keeps by default (`--journal-size`).
pub const DEFAULT_JOURNAL_SIZE: usize = 10_000;

/// The most bytes of one request body the journal keeps; a longer body is kept cut,
/// and its entry says so (`bodyTruncated`).
pub const JOURNAL_BODY_LIMIT: usize = 64 * 1024;

/// The most bytes of request bodies the journal keeps in all; past it, the oldest
/// entries go first, whatever the journal's size. With [`JOURNAL_BODY_LIMIT`], this
/// bounds the journal's memory at about `size × 0.5 KiB + 16 MiB`, whatever the traffic.
pub const JOURNAL_BODY_BUDGET: usize = 16 * 1024 * 1024;

/// One request as the journal shows it (`GET /_collab/requests`): what was asked,
/// by whom, and how it was answered. No token, admin or user, is ever in it: the path
/// is kept without its query, and headers are not kept at all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RecordedRequest {
    /// Increasing with every request the server journals; never reused, even after
    /// the journal is emptied.
    pub seq: u64,
    /// When the request arrived, in milliseconds since the Unix epoch.
    pub time: u64,
    /// The method, such as `POST`.
    pub method: String,
    /// The path, without the query string.
    pub path: String,
    /// The authenticated user, if the request got that far.
    pub user: Option<String>,
    /// The dataset of the path, if it named a valid one.
    pub dataset: Option<DatasetId>,
    /// The status answered.
    pub status: u16,
    /// The generation of the wire the answer was written in: `"2022"` or `"current"`.
    pub generation: String,
    /// The request body as received: its JSON, a string when it is not JSON (or was
    /// cut), or `null` when there was none.
    pub body: serde_json::Value,
    /// Whether the body was longer than [`JOURNAL_BODY_LIMIT`] and is kept cut.
    pub body_truncated: bool,
    /// The request id the server answered with (its `X-Request-Id` header).
    pub request_id: String,
    /// How long the answer took to be ready, in milliseconds.
    pub latency_ms: f64,
    /// The id of the fault rule that fired on this request, if one did.
    pub fault: Option<u64>,
}

/// What the record layer knows of a request once it is answered.
pub(crate) struct Entry {
    pub(crate) time: SystemTime,
    pub(crate) method: Method,
    /// A copy: the request's own path is a slice of hyper's read buffer, which an
    /// entry must not keep alive.
    pub(crate) path: Box<str>,
    pub(crate) user: Option<Arc<str>>,
    pub(crate) dataset: Option<DatasetId>,
    pub(crate) status: u16,
    pub(crate) generation: WireGeneration,
    pub(crate) body: Option<Bytes>,
    pub(crate) request_id: RequestId,
    pub(crate) latency: Duration,
    pub(crate) fault: Option<u64>,
}

/// Which entries a reader wants (the query of `GET /_collab/requests`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Filter {
    pub(crate) method: Option<String>,
    pub(crate) path: Option<String>,
    pub(crate) dataset: Option<String>,
    pub(crate) user: Option<String>,
    pub(crate) status: Option<u16>,
    /// Only entries with a larger `seq`.
    pub(crate) since: Option<u64>,
    /// Only the newest this many of the entries that match.
    pub(crate) limit: Option<usize>,
    /// The admin token, when a reader sends it as `?token=`: not a filter.
    #[serde(default, rename = "token")]
    pub(crate) _token: Option<serde::de::IgnoredAny>,
}

/// The journal: the last `size` entries, with their bodies within
/// [`JOURNAL_BODY_BUDGET`]. Pushing is one short lock; reading copies out.
pub(crate) struct Journal {
    size: usize,
    ring: Mutex<Ring>,
}

#[derive(Default)]
struct Ring {
    entries: VecDeque<Stored>,
    body_bytes: usize,
    next_seq: u64,
}

struct Stored {
    seq: u64,
    entry: Entry,
    truncated: bool,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("size", &self.size)
            .field("entries", &self.len())
            .finish()
    }
}

impl Journal {
    /// A journal of `size` entries; `0` keeps none.
    pub(crate) fn new(size: usize) -> Self {
        Self {
            size,
            ring: Mutex::new(Ring {
                next_seq: 1,
                ..Ring::default()
            }),
        }
    }

    /// Whether the journal keeps anything (its size is not 0).
    pub(crate) fn is_on(&self) -> bool {
        self.size > 0
    }

    /// The most entries kept.
    pub(crate) fn size(&self) -> usize {
        self.size
    }

    /// Adds an entry, dropping the oldest ones past the size or the body budget.
    pub(crate) fn push(&self, mut entry: Entry) {
        if !self.is_on() {
            return;
        }
        let truncated = entry
            .body
            .as_mut()
            .is_some_and(|body| keep_cut(body, JOURNAL_BODY_LIMIT));
        let body_len = entry.body.as_ref().map_or(0, Bytes::len);
        let mut ring = self.ring.lock().unwrap_or_else(PoisonError::into_inner);
        let seq = ring.next_seq;
        ring.next_seq += 1;
        ring.body_bytes += body_len;
        ring.entries.push_back(Stored {
            seq,
            entry,
            truncated,
        });
        while ring.entries.len() > self.size || ring.body_bytes > JOURNAL_BODY_BUDGET {
            let Some(oldest) = ring.entries.pop_front() else {
                break;
            };
            ring.body_bytes -= oldest.entry.body.as_ref().map_or(0, Bytes::len);
        }
    }

    /// Empties the journal; `seq` goes on from where it was.
    pub(crate) fn clear(&self) {
        let mut ring = self.ring.lock().unwrap_or_else(PoisonError::into_inner);
        ring.entries.clear();
        ring.body_bytes = 0;
    }

    /// How many entries the journal holds now.
    pub(crate) fn len(&self) -> usize {
        self.ring
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entries
            .len()
    }

    /// The entries that pass `filter`, oldest first.
    pub(crate) fn read(&self, filter: &Filter) -> Vec<RecordedRequest> {
        let ring = self.ring.lock().unwrap_or_else(PoisonError::into_inner);
        let mut matching: Vec<&Stored> = ring
            .entries
            .iter()
            .filter(|stored| filter.passes(stored))
            .collect();
        if let Some(limit) = filter.limit {
            let skip = matching.len().saturating_sub(limit);
            matching.drain(..skip);
        }
        matching.into_iter().map(Stored::recorded).collect()
    }
}

impl Filter {
    fn passes(&self, stored: &Stored) -> bool {
        let entry = &stored.entry;
        self.since.is_none_or(|since| stored.seq > since)
            && self
                .method
                .as_deref()
                .is_none_or(|method| entry.method.as_str().eq_ignore_ascii_case(method))
            && self.path.as_deref().is_none_or(|path| *entry.path == *path)
            && self
                .dataset
                .as_deref()
                .is_none_or(|dataset| entry.dataset.is_some_and(|d| d.to_string() == dataset))
            && self
                .user
                .as_deref()
                .is_none_or(|user| entry.user.as_deref() == Some(user))
            && self.status.is_none_or(|status| entry.status == status)
    }
}

impl Stored {
    fn recorded(&self) -> RecordedRequest {
        let entry = &self.entry;
        RecordedRequest {
            seq: self.seq,
            time: entry
                .time
                .duration_since(UNIX_EPOCH)
                .map_or(0, |since| since.as_millis() as u64),
            method: entry.method.to_string(),
            path: entry.path.to_string(),
            user: entry.user.as_deref().map(str::to_owned),
            dataset: entry.dataset,
            status: entry.status,
            generation: entry.generation.to_string(),
            body: body_value(entry.body.as_ref(), self.truncated),
            body_truncated: self.truncated,
            request_id: entry.request_id.as_str().to_owned(),
            latency_ms: entry.latency.as_secs_f64() * 1000.0,
            fault: entry.fault,
        }
    }
}

/// A kept body as JSON: parsed when it is whole JSON, else its text.
fn body_value(body: Option<&Bytes>, truncated: bool) -> serde_json::Value {
    let Some(body) = body.filter(|body| !body.is_empty()) else {
        return serde_json::Value::Null;
    };
    if !truncated && let Ok(value) = serde_json::from_slice(body) {
        return value;
    }
    serde_json::Value::String(String::from_utf8_lossy(body).into_owned())
}

/// `body`'s first `limit` bytes in an allocation of their own (a request's body can be
/// a slice of hyper's read buffer, which an entry must not keep alive); whether it was
/// longer.
fn keep_cut(body: &mut Bytes, limit: usize) -> bool {
    let longer = body.len() > limit;
    *body = Bytes::copy_from_slice(&body[..body.len().min(limit)]);
    longer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, body: Option<&'static [u8]>) -> Entry {
        Entry {
            time: SystemTime::now(),
            method: Method::GET,
            path: path.into(),
            user: Some("alice".into()),
            dataset: None,
            status: 200,
            generation: WireGeneration::Current,
            body: body.map(Bytes::from_static),
            request_id: RequestId::fresh(),
            latency: Duration::from_micros(1500),
            fault: None,
        }
    }

    #[test]
    fn keeps_the_newest_entries_with_increasing_seqs() {
        let journal = Journal::new(2);
        for path in ["/a", "/b", "/c"] {
            journal.push(entry(path, None));
        }
        let read = journal.read(&Filter::default());
        let seen: Vec<(u64, &str)> = read.iter().map(|r| (r.seq, r.path.as_str())).collect();
        assert_eq!(seen, [(2, "/b"), (3, "/c")]);
        journal.clear();
        journal.push(entry("/d", None));
        assert_eq!(journal.read(&Filter::default())[0].seq, 4);
    }

    #[test]
    fn filters_by_since_path_and_limit() {
        let journal = Journal::new(10);
        for path in ["/a", "/b", "/a", "/a"] {
            journal.push(entry(path, None));
        }
        let since = Filter {
            since: Some(2),
            path: Some("/a".into()),
            ..Filter::default()
        };
        let seqs: Vec<u64> = journal.read(&since).iter().map(|r| r.seq).collect();
        assert_eq!(seqs, [3, 4]);
        let newest = Filter {
            limit: Some(1),
            ..Filter::default()
        };
        assert_eq!(journal.read(&newest)[0].seq, 4);
    }

    #[test]
    fn a_long_body_is_kept_cut_and_marked() {
        let journal = Journal::new(10);
        let long: &'static [u8] = Box::leak(vec![b'x'; JOURNAL_BODY_LIMIT + 10].into_boxed_slice());
        journal.push(entry("/long", Some(long)));
        journal.push(entry("/json", Some(br#"{"users":["a@b.c"]}"#)));
        let read = journal.read(&Filter::default());
        assert!(read[0].body_truncated);
        assert_eq!(
            read[0].body.as_str().map(str::len),
            Some(JOURNAL_BODY_LIMIT)
        );
        assert!(!read[1].body_truncated);
        assert_eq!(read[1].body["users"][0], "a@b.c");
    }

    #[test]
    fn the_body_budget_drops_the_oldest_entries() {
        let journal = Journal::new(usize::MAX);
        let body: &'static [u8] = Box::leak(vec![b'y'; JOURNAL_BODY_LIMIT].into_boxed_slice());
        let fit = JOURNAL_BODY_BUDGET / JOURNAL_BODY_LIMIT;
        for _ in 0..fit + 5 {
            journal.push(entry("/p", Some(body)));
        }
        assert_eq!(journal.len(), fit);
    }

    #[test]
    fn size_zero_keeps_nothing() {
        let journal = Journal::new(0);
        journal.push(entry("/a", None));
        assert_eq!(journal.len(), 0);
        assert!(!journal.is_on());
    }
}
