//! The record of each request: its id, the access log's event and the request
//! journal's entry, made in one place when the answer is ready ([`RecordLayer`]).
//!
//! The access log is one `INFO` event per answered request (`DEBUG` for the control
//! plane's, under `/_collab`), with target
//! [`ACCESS_LOG_TARGET`] and the fields `method`, `path` (never the query string, which
//! can carry a token), `user` (once authenticated), `status`, `latency_ms`,
//! `request_id` and, when a fault rule fired, `fault`. It is one event and no span at
//! `INFO`, because a span costs the request path more than the line it is for. The
//! `request` span (same `method`, `path`, `user`) exists at `DEBUG`.
//!
//! Every answer carries an `X-Request-Id` header: the caller's own when it sent a sane
//! one (1 to 128 of `A-Z a-z 0-9 . _ : -`), else one the server makes. Error bodies of
//! today's generation carry the same id as `requestId`, and so do the log line and the
//! journal's entry.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use axum::body::Bytes;
use axum::http::{HeaderName, HeaderValue, Method, Request, Response, Uri};
use collab_core::DatasetId;
use collab_core::wire::WireGeneration;
use tower::{Layer, Service};
use tracing::Span;
use tracing::instrument::Instrumented;

use crate::WireMode;
use crate::api::access_routes::AccessIds;
use crate::api::faults::NoAnswer;
use crate::api::generation::{Placement, answered_in};
use crate::control::journal::{Entry, Journal};

/// The target of the access log's events: filter it on its own with, say,
/// `RUST_LOG=info,collab_server::access=off`.
pub const ACCESS_LOG_TARGET: &str = "collab_server::access";

/// The header that carries a request's id, both ways.
pub(crate) static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The prefix of the control plane's routes, which the journal leaves out.
pub(crate) const CONTROL_PREFIX: &str = "/_collab";

/// Whether `path` is the control plane's: [`CONTROL_PREFIX`] as a whole segment
/// (`/_collab`, `/_collab/...`), not a path that only begins with its letters.
pub(crate) fn is_control_path(path: &str) -> bool {
    path.strip_prefix(CONTROL_PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// What the layers and handlers know of a request for its record: its id and
/// placement, made when it arrives, and what the handlers learn (the authenticated
/// user, the dataset of its path, its body, the fault rule that fired on it), each set
/// at most once. One request extension, so that a request pays for one.
#[derive(Debug, Clone)]
pub(crate) struct RequestNotes(Arc<Notes>);

#[derive(Debug)]
struct Notes {
    id: RequestId,
    placement: Placement,
    /// The request's own copy: a name shared by every request would be a reference
    /// count that the server's threads contend for.
    user: OnceLock<Box<str>>,
    dataset: OnceLock<DatasetId>,
    /// The ids of a request that the API's routes matched before the router.
    route: OnceLock<AccessIds>,
    body: OnceLock<Bytes>,
    fault: OnceLock<u64>,
}

impl RequestNotes {
    /// The notes of a request that arrived with `id`, placed at `placement`.
    fn new(id: RequestId, placement: Placement) -> Self {
        Self(Arc::new(Notes {
            id,
            placement,
            user: OnceLock::new(),
            dataset: OnceLock::new(),
            route: OnceLock::new(),
            body: OnceLock::new(),
            fault: OnceLock::new(),
        }))
    }

    /// The request's id.
    pub(crate) fn id(&self) -> &RequestId {
        &self.0.id
    }

    /// Where the request was placed before its body was read.
    pub(crate) fn placement(&self) -> Placement {
        self.0.placement
    }

    /// Notes `user` as the caller of the request.
    pub(crate) fn note_user(&self, user: &str) {
        let _ = self.0.user.set(user.into());
    }

    /// Notes the ids of a request that the API's routes matched.
    pub(crate) fn note_route(&self, ids: AccessIds) {
        let _ = self.0.route.set(ids);
    }

    /// The ids the API's routes matched, if they did.
    pub(crate) fn route(&self) -> Option<AccessIds> {
        self.0.route.get().copied()
    }

    /// Notes the dataset the request's path names.
    pub(crate) fn note_dataset(&self, dataset: DatasetId) {
        let _ = self.0.dataset.set(dataset);
    }

    /// Notes the request's body as received.
    pub(crate) fn note_body(&self, body: &Bytes) {
        let _ = self.0.body.set(body.clone());
    }

    /// Notes the fault rule that fired on the request.
    pub(crate) fn note_fault(&self, rule: u64) {
        let _ = self.0.fault.set(rule);
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for RequestNotes {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        // Without the record layer (a router used in an unusual way), notes go nowhere
        // and the request is answered in today's generation.
        Ok(notes(&parts.extensions).cloned().unwrap_or_else(|| {
            Self::new(
                RequestId::fresh(),
                Placement::of(WireMode::Pinned(WireGeneration::Current), &parts.headers),
            )
        }))
    }
}

/// The notes of a request, if the record layer runs (a router used without it has none).
pub(crate) fn notes(extensions: &axum::http::Extensions) -> Option<&RequestNotes> {
    extensions.get::<RequestNotes>()
}

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
    fn header_value(&self) -> HeaderValue {
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

/// Records each request answered by the service it wraps (see the module docs).
#[derive(Debug, Clone)]
pub(crate) struct RecordLayer {
    journal: Option<Arc<Journal>>,
    mode: WireMode,
}

impl RecordLayer {
    /// Records into the access log, and into `journal` when it is on, placing callers
    /// by `mode` for the journal's `generation`.
    pub(crate) fn new(journal: Option<Arc<Journal>>, mode: WireMode) -> Self {
        Self {
            journal: journal.filter(|journal| journal.is_on()),
            mode,
        }
    }
}

impl<S> Layer<S> for RecordLayer {
    type Service = Record<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Record {
            inner,
            journal: self.journal.clone(),
            mode: self.mode,
        }
    }
}

/// The service of [`RecordLayer`].
#[derive(Debug, Clone)]
pub(crate) struct Record<S> {
    inner: S,
    journal: Option<Arc<Journal>>,
    mode: WireMode,
}

impl<S, B, ResBody> Service<Request<B>> for Record<S>
where
    S: Service<Request<B>, Response = Response<ResBody>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Recorded<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        // Placed here once, for the handlers, the finishing layer and the journal.
        let placement = Placement::of(self.mode, request.headers());
        let notes = RequestNotes::new(RequestId::of(request.headers()), placement);
        request.extensions_mut().insert(notes.clone());
        let span = tracing::debug_span!(
            "request",
            method = %request.method(),
            path = %request.uri().path(),
            user = tracing::field::Empty,
        );
        let control = is_control_path(request.uri().path());
        let line = Line {
            method: request.method().clone(),
            uri: request.uri().clone(),
            control,
            notes,
            started: Instant::now(),
            arrived: SystemTime::now(),
            journal: self.journal.clone().filter(|_| !control),
        };
        let answer = {
            let _entered = span.enter();
            self.inner.call(request)
        };
        Recorded {
            answer: tracing::Instrument::instrument(answer, span),
            line: Pending(Some(line)),
        }
    }
}

/// What the record of a request says besides its answer.
struct Line {
    method: Method,
    uri: Uri,
    /// Whether the path is the control plane's (not journaled, logged at `DEBUG`).
    control: bool,
    notes: RequestNotes,
    started: Instant,
    arrived: SystemTime,
    journal: Option<Arc<Journal>>,
}

impl Line {
    /// Logs the line, journals the entry (before the answer leaves) and gives the
    /// answer its request id.
    fn finish<T>(self, response: &mut Response<T>) {
        // A connection dropped on purpose sends nothing: journaled and logged as 0.
        let status = if response.extensions().get::<NoAnswer>().is_some() {
            NO_ANSWER
        } else {
            response.status().as_u16()
        };
        let generation = answered_in(response, self.notes.placement());
        let request_id = self.notes.id().text();
        response
            .headers_mut()
            .insert(X_REQUEST_ID.clone(), request_id.header_value());
        self.record(status, generation, &request_id);
    }

    /// Records a request whose answer was never made: the client went away (or a
    /// fault hung the request) before it was ready.
    fn abandoned(self) {
        self.record(NO_ANSWER, WireGeneration::Current, &self.notes.id().text());
    }

    fn record(&self, status: u16, generation: WireGeneration, request_id: &IdText<'_>) {
        let latency = self.started.elapsed();
        let notes = &self.notes.0;
        let user = notes.user.get();
        let fault = notes.fault.get().copied();
        // The control plane's requests (a dashboard polls every second) are logged at
        // DEBUG, so that the INFO log is the API's traffic.
        macro_rules! access_event {
            ($level:expr) => {
                tracing::event!(
                    target: ACCESS_LOG_TARGET,
                    $level,
                    method = %self.method,
                    path = %self.uri.path(),
                    user = user.map(tracing::field::display),
                    status,
                    latency_ms = %Millis(latency),
                    request_id = request_id.as_str(),
                    fault,
                    "answered"
                )
            };
        }
        if self.control {
            access_event!(tracing::Level::DEBUG);
        } else {
            access_event!(tracing::Level::INFO);
        }
        if let Some(journal) = &self.journal {
            let path = self.uri.path();
            // The dataset the handlers read, else the one the path names (a request
            // refused before its path was read, such as a 401, names it too).
            let dataset = notes
                .dataset
                .get()
                .copied()
                .or_else(|| notes.route.get().map(|ids| ids.dataset))
                .or_else(|| dataset_named_by(path));
            journal.push(Entry {
                time: self.arrived,
                method: &self.method,
                path,
                user: user.map(|user| &**user),
                dataset,
                list_path: notes.route.get().is_some_and(|ids| ids.config.is_none()),
                status,
                generation,
                body: notes.body.get(),
                request_id: &notes.id,
                latency,
                fault,
            });
        }
    }
}

/// The dataset a path of the API names: `/v1/datasets/{datasetId}` and what follows,
/// with a valid id.
fn dataset_named_by(path: &str) -> Option<DatasetId> {
    let rest = path.strip_prefix("/v1/datasets/")?;
    let id = rest.split('/').next()?;
    id.parse().ok()
}

/// A duration in milliseconds with three decimals, written with integer arithmetic.
struct Millis(Duration);

impl std::fmt::Display for Millis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Written into one buffer and handed over once: a line per request.
        let micros = self.0.subsec_micros();
        let mut millis = self
            .0
            .as_secs()
            .saturating_mul(1000)
            .saturating_add(u64::from(micros / 1000));
        let mut text = [b'0'; 24];
        let mut start = text.len() - 4;
        text[start] = b'.';
        write_decimal(&mut text[start + 1..], u64::from(micros % 1000));
        loop {
            start -= 1;
            text[start] = b'0' + (millis % 10) as u8;
            millis /= 10;
            if millis == 0 {
                break;
            }
        }
        f.write_str(std::str::from_utf8(&text[start..]).map_err(|_| std::fmt::Error)?)
    }
}

/// Writes `value` in decimal into all of `out`, with leading zeros.
fn write_decimal(out: &mut [u8], mut value: u64) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// The status recorded for a request that got no answer (a dropped connection, a
/// client that went away first).
pub(crate) const NO_ANSWER: u16 = 0;

/// The line of a request not answered yet: recorded as abandoned if dropped so.
struct Pending(Option<Line>);

impl Drop for Pending {
    fn drop(&mut self) {
        if let Some(line) = self.0.take() {
            line.abandoned();
        }
    }
}

pin_project_lite::pin_project! {
    /// The answer of a recorded request: recorded when the response is ready.
    pub(crate) struct Recorded<F> {
        #[pin]
        answer: Instrumented<F>,
        line: Pending,
    }
}

impl<F, ResBody, E> Future for Recorded<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut outcome = std::task::ready!(this.answer.poll(cx));
        if let Ok(response) = &mut outcome
            && let Some(line) = this.line.0.take()
        {
            line.finish(response);
        }
        Poll::Ready(outcome)
    }
}

/// Notes `user` for the record and in the current `request` span.
pub(crate) fn note_user(extensions: &axum::http::Extensions, user: &str) {
    if let Some(notes) = notes(extensions) {
        notes.note_user(user);
    }
    // The `request` span is a `DEBUG` one: below that, finding it would be wasted.
    if tracing::enabled!(tracing::Level::DEBUG) {
        Span::current().record("user", tracing::field::display(user));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_control_prefix_is_a_whole_segment() {
        for control in ["/_collab", "/_collab/", "/_collab/state"] {
            assert!(is_control_path(control), "{control}");
        }
        for other in ["/_collabX/state", "/_collab-x", "/v1/_collab/state", "/"] {
            assert!(!is_control_path(other), "{other}");
        }
    }

    #[test]
    fn a_path_names_a_dataset_only_with_a_valid_id_in_its_place() {
        let id = "0123456789abcdef01234567";
        let named = |path: &str| dataset_named_by(path).map(|d| d.to_string());
        assert_eq!(
            named(&format!("/v1/datasets/{id}/collaboration/access")).as_deref(),
            Some(id)
        );
        assert_eq!(named(&format!("/v1/datasets/{id}")).as_deref(), Some(id));
        assert_eq!(named("/v1/datasets/nope/collaboration/access"), None);
        assert_eq!(named(&format!("/v2/datasets/{id}")), None);
    }

    #[test]
    fn millis_have_three_decimals() {
        assert_eq!(
            Millis(Duration::from_micros(1_234_567)).to_string(),
            "1234.567"
        );
        assert_eq!(Millis(Duration::from_micros(5)).to_string(), "0.005");
        assert_eq!(Millis(Duration::from_secs(3)).to_string(), "3000.000");
        assert_eq!(
            Millis(Duration::from_secs(u64::MAX)).to_string(),
            format!("{}.000", u64::MAX)
        );
        assert_eq!(Millis(Duration::from_nanos(999)).to_string(), "0.000");
    }

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
