//! The request journal: the API requests the server received, newest last, in a
//! bounded ring ([`Journal`]), and the shape a test reads them in ([`RecordedRequest`]).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::http::Method;
use collab_core::wire::WireGeneration;
use collab_core::{DatasetId, OBJECT_ID_LEN};
use serde::{Deserialize, Serialize};

use crate::http::credentials::{HeaderText, kept_header_pairs};
use crate::request::id::RequestId;
use crate::request::path::operation_of;

/// How many entries the journal keeps by default (`--journal-size`).
pub const DEFAULT_JOURNAL_SIZE: usize = 10_000;

/// The most bytes of one request body the journal keeps; a longer body is kept cut,
/// and its entry says so (`bodyTruncated`).
pub const JOURNAL_BODY_LIMIT: usize = 64 * 1024;

/// The most entries the journal makes room for before it holds them (a larger
/// journal grows as it fills).
const UPFRONT_ENTRIES: usize = 100_000;

/// The most bytes of request bodies the journal keeps in all; past it, the oldest
/// entries go first, whatever the journal's size. With [`JOURNAL_BODY_LIMIT`], this
/// bounds the journal's memory at about `size × 0.5 KiB + 16 MiB`, whatever the traffic.
pub const JOURNAL_BODY_BUDGET: usize = 16 * 1024 * 1024;

/// One request as the journal shows it (`GET /_collab/requests`): what was asked,
/// by whom, and how it was answered, and why when it failed. No token, admin or user,
/// is ever in it: the path is kept without its query, and credentials in the headers
/// are redacted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RecordedRequest {
    /// Increasing with every request the server journals; never reused, even after
    /// the journal is emptied.
    pub seq: u64,
    /// When the entry was journaled (its answer was ready), in milliseconds since the
    /// Unix epoch: taken with its `seq`, so that both order entries the same.
    pub time: u64,
    /// The method, such as `POST`.
    pub method: String,
    /// The path as received, without the query string.
    pub path: String,
    /// The operation of the API asked for: `list`, `createOrUpdate`, `delete`,
    /// `versions`, `openapi`, or none for any other route.
    pub operation: Option<String>,
    /// The authenticated user, if the request got that far.
    pub user: Option<String>,
    /// The dataset of the path, if it named a valid one.
    pub dataset: Option<DatasetId>,
    /// The status answered.
    pub status: u16,
    /// For a `4xx` or `5xx` answer, or any answer a fault rule made: the rule that
    /// answered, in one sentence with the values involved (the answer's own body stays
    /// the API's).
    pub reason: Option<String>,
    /// The request's headers, names in lower case, credentials redacted
    /// (`Authorization` keeps its scheme: `Bearer [REDACTED]`).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
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

/// What the record layer knows of a request once it is answered, lent to
/// [`Journal::push`], which copies what it keeps.
pub(crate) struct Entry<'a> {
    pub(crate) method: &'a Method,
    pub(crate) path: &'a str,
    pub(crate) user: Option<&'a str>,
    pub(crate) dataset: Option<DatasetId>,
    /// Whether the path is known to be the list path of `dataset` (the API's routes
    /// matched it so).
    pub(crate) list_path: bool,
    pub(crate) status: u16,
    pub(crate) generation: WireGeneration,
    pub(crate) body: Option<&'a Bytes>,
    pub(crate) request_id: &'a RequestId,
    pub(crate) latency: Duration,
    /// When the answer was finished (the end of `latency`): the entry's time.
    pub(crate) answered_at: Instant,
    pub(crate) fault: Option<u64>,
    /// Why a `4xx` or `5xx` was answered.
    pub(crate) reason: Option<&'a str>,
    /// The request's headers as [`write_kept_headers`](crate::http::credentials::write_kept_headers)
    /// keeps them, shared with other entries of the same headers.
    pub(crate) headers: Option<Arc<HeaderText>>,
}

/// Which entries a reader wants (the query of `GET /_collab/requests`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Filter {
    pub(crate) operation: Option<String>,
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
    /// Oldest first; the `seq` of the first is `first_seq`, and each next one's is one more.
    entries: VecDeque<Stored>,
    first_seq: u64,
    /// The time of the newest entry: a next one's is never less, whatever the clock.
    last_time_ms: u64,
    clock: WallClock,
    body_bytes: usize,
    /// The names of the users of the entries, each kept once (entries hold an index):
    /// as many as the server has authenticated since the journal was last emptied.
    users: UserNames,
}

/// User names, each kept once, by index.
#[derive(Default)]
struct UserNames {
    names: Vec<Box<str>>,
    indexes: HashMap<Box<str>, u32>,
    /// The index found last.
    last: u32,
}

impl UserNames {
    /// The index of `name`, kept from now on if it is new.
    fn index_of(&mut self, name: &str) -> u32 {
        // Most requests in a row are one user's: compared before anything is hashed.
        if self.name(self.last) == Some(name) {
            return self.last;
        }
        let index = match self.indexes.get(name) {
            Some(index) => *index,
            None => {
                let index = self.names.len() as u32;
                self.names.push(name.into());
                self.indexes.insert(name.into(), index);
                index
            }
        };
        self.last = index;
        index
    }

    fn name(&self, index: u32) -> Option<&str> {
        self.names.get(index as usize).map(|name| &**name)
    }
}

impl Ring {
    /// Removes the oldest entry.
    fn pop_oldest(&mut self) -> Option<Stored> {
        let oldest = self.entries.pop_front()?;
        self.first_seq += 1;
        self.body_bytes -= oldest.body().map_or(0, Bytes::len);
        Some(oldest)
    }

    /// The `seq` the next entry gets.
    fn next_seq(&self) -> u64 {
        self.first_seq + self.entries.len() as u64
    }
}

/// An entry as the ring keeps it: what every request has in one cache line (see
/// `a_stored_entry_fits_a_cache_line`), because each push writes a slot last written
/// `size` requests ago, which is no longer in the processor's caches. The rest (the
/// body, a caller's own id, a path other than a list's, a fault, a reason) is in
/// `rare`, allocated once per entry when there is any. The request's headers are a
/// thin pointer to a text shared by the requests of a connection that sent the same
/// ones: a box per request, made by one thread and freed by another 10 000 requests
/// later, cost 0.04 of the ratio to bare hyper (`docs/benchmarks.md`).
struct Stored {
    time_ms: u64,
    /// A fresh request id's number; the caller's own id is in `rare`.
    request_number: u64,
    /// An index into the ring's users.
    user: Option<u32>,
    rare: Option<Box<Rare>>,
    headers: Option<Arc<HeaderText>>,
    latency_micros: u32,
    status: u16,
    /// An index into [`STANDARD_METHODS`]; any other method is in `rare`.
    method: u8,
    generation: WireGeneration,
    dataset: Option<DatasetId>,
}

/// What does not fit the entry's cache line.
#[derive(Default)]
struct Rare {
    /// The path, unless it is the list path of the entry's dataset.
    path: Option<Box<str>>,
    method: Option<Method>,
    request_id: Option<Box<str>>,
    body: Option<Bytes>,
    body_truncated: bool,
    fault: Option<u64>,
    reason: Option<Box<str>>,
}

/// The methods an entry keeps as an index.
const STANDARD_METHODS: [Method; 9] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::DELETE,
    Method::HEAD,
    Method::OPTIONS,
    Method::PATCH,
    Method::CONNECT,
    Method::TRACE,
];

/// The `method` of an entry whose method is in `rare`.
const OTHER_METHOD: u8 = u8::MAX;

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
                // Room for `size` entries exactly (up to a bound, past which it grows):
                // then a push takes the slot the oldest entry just left.
                entries: VecDeque::with_capacity(size.min(UPFRONT_ENTRIES)),
                first_seq: 1,
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
    pub(crate) fn push(&self, entry: Entry<'_>) {
        if !self.is_on() {
            return;
        }
        let user = entry.user;
        let entry_at = entry.answered_at;
        let mut stored = Stored::of(entry);
        let body_len = stored.body().map_or(0, Bytes::len);
        let mut ring = self.ring.lock().unwrap_or_else(PoisonError::into_inner);
        // The time is fixed with the seq, under the lock, so that both order the same.
        ring.last_time_ms = ring.clock.ms_at(entry_at).max(ring.last_time_ms);
        stored.time_ms = ring.last_time_ms;
        stored.user = user.map(|user| ring.users.index_of(user));
        // A full ring drops its oldest entry first, so that the new one is written
        // where it was: one slot's memory touched, not two. It is freed once the lock
        // is let go (its rare part, if any), not while other requests wait.
        let oldest = if ring.entries.len() >= self.size {
            ring.pop_oldest()
        } else {
            None
        };
        ring.body_bytes += body_len;
        ring.entries.push_back(stored);
        while ring.body_bytes > JOURNAL_BODY_BUDGET && ring.pop_oldest().is_some() {}
        drop(ring);
        drop(oldest);
    }

    /// Empties the journal; `seq` goes on from where it was.
    pub(crate) fn clear(&self) {
        let mut ring = self.ring.lock().unwrap_or_else(PoisonError::into_inner);
        ring.first_seq = ring.next_seq();
        ring.entries.clear();
        ring.body_bytes = 0;
        ring.users = UserNames::default();
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
        let mut matching: Vec<(u64, &Stored)> = (ring.first_seq..)
            .zip(&ring.entries)
            .filter(|(seq, stored)| filter.passes(*seq, stored, &ring.users))
            .collect();
        if let Some(limit) = filter.limit {
            let skip = matching.len().saturating_sub(limit);
            matching.drain(..skip);
        }
        matching
            .into_iter()
            .map(|(seq, stored)| stored.recorded(seq, &ring.users))
            .collect()
    }
}

impl Filter {
    fn passes(&self, seq: u64, stored: &Stored, users: &UserNames) -> bool {
        self.since.is_none_or(|since| seq > since)
            && self.operation.as_deref().is_none_or(|operation| {
                operation_of(stored.method().as_str(), &stored.path()) == Some(operation)
            })
            && self
                .method
                .as_deref()
                .is_none_or(|method| stored.method().as_str().eq_ignore_ascii_case(method))
            && self
                .path
                .as_deref()
                .is_none_or(|path| stored.path() == path)
            && self
                .dataset
                .as_deref()
                .is_none_or(|dataset| stored.dataset.is_some_and(|d| d.to_string() == dataset))
            && self
                .user
                .as_deref()
                .is_none_or(|user| stored.user.and_then(|index| users.name(index)) == Some(user))
            && self.status.is_none_or(|status| stored.status == status)
    }
}

impl Stored {
    /// What the journal keeps of `entry`: its body cut to [`JOURNAL_BODY_LIMIT`] and,
    /// like everything it keeps, copied (the request's own bytes are slices of hyper's
    /// read buffer, which an entry must not keep alive).
    fn of(entry: Entry<'_>) -> Self {
        let method = STANDARD_METHODS
            .iter()
            .position(|standard| standard == entry.method)
            .map_or(OTHER_METHOD, |index| index as u8);
        let mut rare = Rare::default();
        if method == OTHER_METHOD {
            rare.method = Some(entry.method.clone());
        }
        // The path is left out only when the dataset writes it out again.
        let dataset_writes_path = entry
            .dataset
            .is_some_and(|dataset| entry.list_path || is_list_path(entry.path, &dataset));
        if !dataset_writes_path {
            rare.path = Some(entry.path.into());
        }
        let request_number = match entry.request_id {
            RequestId::Fresh(number) => *number,
            RequestId::Given(id) => {
                rare.request_id = Some(id.clone());
                0
            }
        };
        if let Some(body) = entry.body {
            let (kept, truncated) = keep_cut(body, JOURNAL_BODY_LIMIT);
            rare.body = Some(kept);
            rare.body_truncated = truncated;
        }
        rare.fault = entry.fault;
        rare.reason = entry.reason.map(Box::from);
        let is_rare = rare.path.is_some()
            || rare.method.is_some()
            || rare.request_id.is_some()
            || rare.body.is_some()
            || rare.fault.is_some()
            || rare.reason.is_some();
        Self {
            // Set when it is pushed, with its seq.
            time_ms: 0,
            request_number,
            user: None,
            rare: is_rare.then(|| Box::new(rare)),
            headers: entry.headers.filter(|headers| !headers.as_str().is_empty()),
            latency_micros: u32::try_from(entry.latency.as_micros()).unwrap_or(u32::MAX),
            status: entry.status,
            method,
            generation: entry.generation,
            dataset: entry.dataset,
        }
    }

    fn body(&self) -> Option<&Bytes> {
        self.rare.as_ref().and_then(|rare| rare.body.as_ref())
    }

    fn method(&self) -> Method {
        match STANDARD_METHODS.get(usize::from(self.method)) {
            Some(method) => method.clone(),
            None => self
                .rare
                .as_ref()
                .and_then(|rare| rare.method.clone())
                .unwrap_or_default(),
        }
    }

    fn path(&self) -> Cow<'_, str> {
        match (
            self.rare.as_ref().and_then(|rare| rare.path.as_deref()),
            self.dataset,
        ) {
            (Some(path), _) => Cow::Borrowed(path),
            (None, Some(dataset)) => Cow::Owned(list_path(&dataset)),
            (None, None) => Cow::Borrowed(""),
        }
    }

    fn recorded(&self, seq: u64, users: &UserNames) -> RecordedRequest {
        let rare = self.rare.as_deref();
        let request_id = match rare.and_then(|rare| rare.request_id.as_deref()) {
            Some(given) => given.to_owned(),
            None => RequestId::Fresh(self.request_number)
                .text()
                .as_str()
                .to_owned(),
        };
        let body_truncated = rare.is_some_and(|rare| rare.body_truncated);
        let method = self.method();
        let path = self.path();
        RecordedRequest {
            seq,
            time: self.time_ms,
            operation: operation_of(method.as_str(), &path).map(str::to_owned),
            method: method.to_string(),
            path: path.into_owned(),
            user: self
                .user
                .and_then(|index| users.name(index))
                .map(str::to_owned),
            dataset: self.dataset,
            status: self.status,
            generation: self.generation.to_string(),
            body: body_value(self.body(), body_truncated),
            body_truncated,
            request_id,
            latency_ms: f64::from(self.latency_micros) / 1000.0,
            fault: rare.and_then(|rare| rare.fault),
            reason: rare
                .and_then(|rare| rare.reason.as_deref())
                .map(str::to_owned),
            headers: self
                .headers
                .as_deref()
                .map(|kept| {
                    kept_header_pairs(kept.as_str())
                        .map(|(name, value)| (name.to_owned(), value.to_owned()))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// Now, in milliseconds since the Unix epoch.
fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as u64)
}

/// The wall clock, read at most about once a second: an entry's time is the last
/// reading plus the monotonic time since it. A reading costs a system-clock call
/// (tens of nanoseconds in a VM) that every request would otherwise pay under the
/// journal's lock; a second is too short for the two clocks to drift apart.
#[derive(Debug, Clone, Copy, Default)]
struct WallClock {
    /// When the wall clock was read last (none yet: the next entry reads it).
    read: Option<(Instant, u64)>,
}

impl WallClock {
    /// How often the wall clock is read again.
    const REREAD: Duration = Duration::from_secs(1);

    /// The wall-clock time at `at`, in milliseconds since the Unix epoch.
    fn ms_at(&mut self, at: Instant) -> u64 {
        if let Some((read_at, read_ms)) = self.read {
            match at.checked_duration_since(read_at) {
                Some(since) if since < Self::REREAD => {
                    return read_ms + since.as_millis() as u64;
                }
                // An instant taken just before the last reading, by another request.
                None => {
                    let before = read_at.duration_since(at).as_millis() as u64;
                    return read_ms.saturating_sub(before);
                }
                Some(_) => {}
            }
        }
        let read_ms = now_ms();
        self.read = Some((at, read_ms));
        read_ms
    }
}

/// The path of the list of `dataset`'s configs.
fn list_path(dataset: &DatasetId) -> String {
    format!("/v1/datasets/{dataset}/collaboration/access")
}

/// Whether `path` is [`list_path`] of `dataset`, compared without writing it out.
fn is_list_path(path: &str, dataset: &DatasetId) -> bool {
    const BEFORE: &str = "/v1/datasets/";
    const AFTER: &str = "/collaboration/access";
    path.len() == BEFORE.len() + OBJECT_ID_LEN + AFTER.len()
        && path.starts_with(BEFORE)
        && path.ends_with(AFTER)
        && path.as_bytes()[BEFORE.len()..BEFORE.len() + OBJECT_ID_LEN] == dataset.object_id().hex()
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
/// a slice of hyper's read buffer, which an entry must not keep alive), and whether it
/// was longer.
fn keep_cut(body: &Bytes, limit: usize) -> (Bytes, bool) {
    (
        Bytes::copy_from_slice(&body[..body.len().min(limit)]),
        body.len() > limit,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATASET: &str = "0123456789abcdef01234567";

    #[test]
    fn entry_times_follow_the_monotonic_clock_from_a_wall_clock_reading_of_the_last_second() {
        let mut clock = WallClock::default();
        let start = Instant::now();
        let (before, first, after) = (now_ms(), clock.ms_at(start), now_ms());
        assert!(
            (before..=after).contains(&first),
            "{before} {first} {after}"
        );
        // Within the second: the reading plus the instants' difference, exactly.
        assert_eq!(clock.ms_at(start + Duration::from_millis(750)), first + 750);
        assert_eq!(clock.ms_at(start), first);
        // An instant taken before the reading (by a request that pushed later).
        let later = WallClock {
            read: Some((start + Duration::from_millis(40), 1_000)),
        };
        assert_eq!({ later }.ms_at(start), 960);
        // A second or more on: the wall clock is read again, not extrapolated.
        let (before, again, after) = (
            now_ms(),
            clock.ms_at(start + Duration::from_secs(3600)),
            now_ms(),
        );
        assert!(
            (before..=after).contains(&again),
            "{before} {again} {after}"
        );
        assert_eq!(
            clock.ms_at(start + Duration::from_millis(3_600_250)),
            again + 250
        );
    }

    /// Pushes a `GET` of `path` by alice, with `body`.
    fn push(journal: &Journal, path: &str, body: Option<&'static [u8]>) {
        push_request(journal, &Method::GET, path, body, &RequestId::fresh());
    }

    fn push_request(
        journal: &Journal,
        method: &Method,
        path: &str,
        body: Option<&'static [u8]>,
        request_id: &RequestId,
    ) {
        let body = body.map(Bytes::from_static);
        journal.push(Entry {
            method,
            path,
            user: Some("alice"),
            dataset: path
                .contains(DATASET)
                .then(|| DATASET.parse().expect("an id")),
            list_path: false,
            status: 200,
            generation: WireGeneration::Current,
            body: body.as_ref(),
            request_id,
            latency: Duration::from_micros(1500),
            answered_at: Instant::now(),
            fault: None,
            reason: None,
            headers: None,
        });
    }

    #[test]
    fn a_stored_entry_fits_a_cache_line() {
        assert!(
            std::mem::size_of::<Stored>() <= 64,
            "{}",
            std::mem::size_of::<Stored>()
        );
    }

    #[test]
    fn what_is_kept_compactly_reads_back_as_it_came() {
        let journal = Journal::new(10);
        let list = format!("/v1/datasets/{DATASET}/collaboration/access");
        push(&journal, &list, None);
        // Not the list path of its dataset: kept as it came.
        let other = format!("/v1/datasets/{DATASET}/collaboration/access/");
        push(&journal, &other, None);
        let given = RequestId::Given("trace-7".into());
        let purge = Method::from_bytes(b"PURGE").expect("a method");
        push_request(&journal, &purge, "/x", None, &given);
        let read = journal.read(&Filter::default());
        assert_eq!(read[0].path, list);
        assert_eq!(read[0].method, "GET");
        assert_eq!(
            read[0].dataset.map(|d| d.to_string()).as_deref(),
            Some(DATASET)
        );
        assert_eq!(read[0].latency_ms, 1.5);
        assert_eq!(read[0].request_id.len(), 25, "{}", read[0].request_id);
        assert_eq!(read[1].path, other);
        assert_eq!(read[2].method, "PURGE");
        assert_eq!(read[2].request_id, "trace-7");
        let by_path = Filter {
            path: Some(list.clone()),
            ..Filter::default()
        };
        assert_eq!(journal.read(&by_path).len(), 1);
    }

    #[test]
    fn keeps_the_newest_entries_with_increasing_seqs() {
        let journal = Journal::new(2);
        for path in ["/a", "/b", "/c"] {
            push(&journal, path, None);
        }
        let read = journal.read(&Filter::default());
        let seen: Vec<(u64, &str)> = read.iter().map(|r| (r.seq, r.path.as_str())).collect();
        assert_eq!(seen, [(2, "/b"), (3, "/c")]);
        journal.clear();
        push(&journal, "/d", None);
        assert_eq!(journal.read(&Filter::default())[0].seq, 4);
    }

    #[test]
    fn filters_by_since_path_and_limit() {
        let journal = Journal::new(10);
        for path in ["/a", "/b", "/a", "/a"] {
            push(&journal, path, None);
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
        push(&journal, "/long", Some(long));
        push(&journal, "/json", Some(br#"{"users":["a@b.c"]}"#));
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
            push(&journal, "/p", Some(body));
        }
        assert_eq!(journal.len(), fit);
    }

    #[test]
    fn size_zero_keeps_nothing() {
        let journal = Journal::new(0);
        push(&journal, "/a", None);
        assert_eq!(journal.len(), 0);
        assert!(!journal.is_on());
    }
}
