//! The record of each request: its id, the access log's line and the request
//! journal's entry, made in one place when the answer is ready ([`RecordLayer`]).
//!
//! The access log's line ([`AccessLine`]) is one event and no span at `INFO`, because
//! a span costs the request path more than the line it is for. The `request` span
//! (same `method`, `path`, `user`) exists at `DEBUG`.
//!
//! Every answer carries an `X-Request-Id` header: the caller's own when it sent a sane
//! one (1 to 128 of `A-Z a-z 0-9 . _ : -`), else one the server makes. Error bodies of
//! today's generation carry the same id as `requestId`, and so do the log line and the
//! journal's entry.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::http::{Method, Request, Response, Uri};
use collab_core::wire::WireGeneration;
use tower::{Layer, Service};
use tracing::Level;
use tracing::instrument::Instrumented;

use crate::http::cause::{NoAnswer, Reason};
use crate::http::credentials::{HeaderText, LastHeaders};
use crate::http::generation::{Placement, WireMode, answered_in};
use crate::journal::{Entry, Journal};
use crate::request::access_log::{AccessLine, AccessLog};
use crate::request::id::{IdText, RequestId, X_REQUEST_ID};
use crate::request::notes::RequestNotes;
use crate::request::path::{dataset_named_by, is_control_path};

/// Records each request answered by the service it wraps (see the module docs).
#[derive(Debug, Clone)]
pub(crate) struct RecordLayer {
    journal: Option<Arc<Journal>>,
    mode: WireMode,
    access_log: Option<Arc<dyn AccessLog>>,
}

impl RecordLayer {
    /// Records into the access log (as events, or through `access_log`), and into
    /// `journal` when it is on, placing callers by `mode` for the journal's
    /// `generation`.
    pub(crate) fn new(
        journal: Option<Arc<Journal>>,
        mode: WireMode,
        access_log: Option<Arc<dyn AccessLog>>,
    ) -> Self {
        Self {
            journal: journal.filter(|journal| journal.is_on()),
            mode,
            access_log,
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
            access_log: self.access_log.clone(),
            last_headers: LastHeaders::default(),
        }
    }
}

/// The service of [`RecordLayer`].
#[derive(Debug, Clone)]
pub(crate) struct Record<S> {
    inner: S,
    journal: Option<Arc<Journal>>,
    mode: WireMode,
    access_log: Option<Arc<dyn AccessLog>>,
    /// Each connection has its own record (its own clone of the router): the
    /// headers its last request sent, shared by the next ones that send the same.
    last_headers: LastHeaders,
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
        let journal = self.journal.clone().filter(|_| !control);
        let headers = journal
            .as_ref()
            .map(|_| self.last_headers.kept(request.headers()));
        let line = Line {
            method: request.method().clone(),
            uri: request.uri().clone(),
            control,
            notes,
            started: Instant::now(),
            journal,
            access_log: self.access_log.clone(),
            headers,
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
    journal: Option<Arc<Journal>>,
    /// Where the access line goes instead of an event, if anywhere.
    access_log: Option<Arc<dyn AccessLog>>,
    /// The request's headers as the journal keeps them, when there is a journal.
    headers: Option<Arc<HeaderText>>,
}

impl Line {
    /// Logs the line, journals the entry (before the answer leaves) and gives the
    /// answer its request id.
    fn finish<T>(mut self, response: &mut Response<T>) {
        // A connection dropped on purpose sends nothing: journaled and logged as 0.
        let status = if response.extensions().get::<NoAnswer>().is_some() {
            NO_ANSWER
        } else {
            response.status().as_u16()
        };
        let generation = answered_in(response, self.notes.placement());
        let headers = self.headers.take();
        let request_id = self.notes.id().text();
        response
            .headers_mut()
            .insert(X_REQUEST_ID.clone(), request_id.header_value());
        let reason = response
            .extensions()
            .get::<Reason>()
            .map(|reason| &*reason.0);
        self.record(status, generation, &request_id, reason, headers);
    }

    /// Records a request whose answer was never made: the client went away (or a
    /// fault hung the request) before it was ready.
    fn abandoned(mut self) {
        let headers = self.headers.take();
        let request_id = self.notes.id().text();
        self.record(
            NO_ANSWER,
            WireGeneration::Current,
            &request_id,
            Some("the connection ended before the answer was ready"),
            headers,
        );
    }

    fn record(
        &self,
        status: u16,
        generation: WireGeneration,
        request_id: &IdText<'_>,
        reason: Option<&str>,
        headers: Option<Arc<HeaderText>>,
    ) {
        let answered_at = Instant::now();
        let latency = answered_at.duration_since(self.started);
        let notes = &self.notes;
        let user = notes.user();
        let fault = notes.fault();
        let line = AccessLine {
            // The control plane's requests (a dashboard polls every second) are logged
            // at DEBUG, so that the INFO log is the API's traffic.
            level: if self.control {
                Level::DEBUG
            } else {
                Level::INFO
            },
            method: self.method.as_str(),
            path: self.uri.path(),
            user,
            status,
            latency,
            request_id: request_id.as_str(),
            fault,
        };
        match &self.access_log {
            Some(access_log) => {
                if line.is_enabled() {
                    access_log.write(&line);
                }
            }
            None => line.emit(),
        }
        if let Some(journal) = &self.journal {
            let path = self.uri.path();
            // The dataset the handlers read, else the one the path names (a request
            // refused before its path was read, such as a 401, names it too).
            let route = notes.route();
            let dataset = notes
                .dataset()
                .or_else(|| route.map(|ids| ids.dataset))
                .or_else(|| dataset_named_by(path));
            let reason = failure_reason(status, reason, user, fault);
            journal.push(Entry {
                method: &self.method,
                path,
                user,
                dataset,
                list_path: route.is_some_and(|ids| ids.config.is_none()),
                status,
                generation,
                body: notes.body(),
                request_id: notes.id(),
                latency,
                answered_at,
                fault,
                reason: reason.as_deref(),
                headers,
            });
        }
    }
}

/// The journal's `reason` of an answer: none for a success; else the one the answer
/// carries (naming the user where the rule is about them), or the fault rule that fired.
fn failure_reason(
    status: u16,
    carried: Option<&str>,
    user: Option<&str>,
    fault: Option<u64>,
) -> Option<String> {
    if let Some(fault) = fault {
        return Some(format!("fault rule {fault} fired"));
    }
    if (200..400).contains(&status) {
        return None;
    }
    let reason = carried.map_or_else(|| format!("answered {status} by the server"), str::to_owned);
    Some(match (status, user) {
        (403, Some(user)) => format!("user {user}: {reason}"),
        _ => reason,
    })
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
