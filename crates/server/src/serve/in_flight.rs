//! What the requests of one connection are doing: [`Activity`], shared by the
//! connection's socket (which closes it when idle, and lingers on close only when a
//! body was left unread) and its service (which counts requests from their head
//! until their answer is written, and sees whether their bodies were read, and tells
//! the socket how a fault rule closes it).

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use hyper::body::{Body as _, Frame, Incoming, SizeHint};

use crate::http::cause::Closing;

/// The requests of one connection: how many are being answered, how many were.
#[derive(Debug, Default)]
pub(crate) struct Activity {
    in_flight: AtomicUsize,
    answered: AtomicU64,
    body_left_unread: AtomicBool,
    /// How a fault rule closes the connection, once one said so.
    closing: OnceLock<Closing>,
}

impl Activity {
    /// A request's head has arrived: it is in flight until the guard is dropped.
    pub(crate) fn begin(self: &Arc<Self>) -> RequestInFlight {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        RequestInFlight(Arc::clone(self))
    }

    /// How many requests are being answered.
    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// How many requests were answered (or abandoned) so far.
    pub(crate) fn answered(&self) -> u64 {
        self.answered.load(Ordering::SeqCst)
    }

    /// Whether a request's body was dropped before its end: the client may still be
    /// sending it.
    pub(crate) fn body_left_unread(&self) -> bool {
        self.body_left_unread.load(Ordering::SeqCst)
    }

    /// How a fault rule said to close the connection, if one did.
    pub(crate) fn closing(&self) -> Option<&Closing> {
        self.closing.get()
    }
}

/// A request's body that tells its connection's [`Activity`] when it is dropped
/// before its end (an early `413`, say).
#[derive(Debug)]
pub(crate) struct WatchedRequestBody {
    body: Incoming,
    activity: Arc<Activity>,
}

impl WatchedRequestBody {
    pub(crate) fn new(body: Incoming, activity: &Arc<Activity>) -> Self {
        Self {
            body,
            activity: Arc::clone(activity),
        }
    }
}

impl Drop for WatchedRequestBody {
    fn drop(&mut self) {
        if !self.body.is_end_stream() {
            self.activity.body_left_unread.store(true, Ordering::SeqCst);
        }
    }
}

impl hyper::body::Body for WatchedRequestBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// Keeps a request counted as in flight while it lives.
#[derive(Debug)]
pub(crate) struct RequestInFlight(Arc<Activity>);

impl RequestInFlight {
    /// Closes the connection as `closing` says when it ends (the first fault rule to
    /// say so decides).
    pub(crate) fn close_with(&self, closing: Closing) {
        let _ = self.0.closing.set(closing);
    }
}

impl Drop for RequestInFlight {
    fn drop(&mut self) {
        // Answered first: a reader that sees nothing in flight sees the new count.
        self.0.answered.fetch_add(1, Ordering::SeqCst);
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// An answer's body that keeps its request in flight until hyper has taken its last
/// byte (hyper drops the body then).
#[derive(Debug)]
pub(crate) struct InFlightBody {
    body: Body,
    _request: RequestInFlight,
}

impl InFlightBody {
    pub(crate) fn new(body: Body, request: RequestInFlight) -> Self {
        Self {
            body,
            _request: request,
        }
    }
}

impl hyper::body::Body for InFlightBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_in_flight_until_its_guard_is_dropped() {
        let activity = Arc::new(Activity::default());
        let request = activity.begin();
        assert_eq!((activity.in_flight(), activity.answered()), (1, 0));
        drop(request);
        assert_eq!((activity.in_flight(), activity.answered()), (0, 1));
    }
}
