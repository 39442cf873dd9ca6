//! An answer's body sent as a fault rule says ([`Delivery`]): cut in half, then the
//! connection closed (`drop: "truncate"`), or in pieces over time (`dribble`).
//!
//! Done here, below every layer, because the body is final only once the finishing
//! layer wrote it (an error body in the caller's generation). The body is read whole
//! first (an API answer is small), so that its `Content-Length` is the whole body's.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use hyper::body::{Frame, SizeHint};
use tokio::time::Sleep;

use crate::http::cause::Delivery;

/// `response` with its body sent as its [`Delivery`] says; as it is without one.
pub(crate) async fn deliver(mut response: Response) -> Response {
    let Some(delivery) = response.extensions_mut().remove::<Delivery>() else {
        return response;
    };
    let (mut parts, body) = response.into_parts();
    let whole = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(whole) => whole,
        // The answer's own body failed: there is nothing to cut or dribble.
        Err(error) => return Response::from_parts(parts, Body::new(Failed(Some(error)))),
    };
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(whole.len()));
    let body = match delivery {
        Delivery::Truncated => Body::new(Truncated::new(whole)),
        Delivery::Dribbled { chunks, over } => Body::new(Dribbled::new(whole, chunks, over)),
    };
    Response::from_parts(parts, body)
}

/// Why a cut answer's connection is closed (hyper closes it when a body fails).
#[derive(Debug, thiserror::Error)]
#[error("a fault rule cut the answer's body after {sent} of {len} bytes")]
struct CutOff {
    sent: usize,
    len: usize,
}

/// The first half of a body under the whole one's length, then a failure that makes
/// hyper close the connection.
struct Truncated {
    whole_len: usize,
    half: Option<Bytes>,
    /// Whether hyper has been given a turn to write the half before the failure:
    /// hyper drops what it has not written when a body fails.
    flushed: bool,
}

impl Truncated {
    fn new(mut whole: Bytes) -> Self {
        let whole_len = whole.len();
        whole.truncate(whole_len / 2);
        Self {
            whole_len,
            half: Some(whole),
            flushed: false,
        }
    }
}

impl hyper::body::Body for Truncated {
    type Data = Bytes;
    type Error = CutOff;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, CutOff>>> {
        if let Some(half) = self.half.take() {
            return Poll::Ready(Some(Ok(Frame::data(half))));
        }
        if !self.flushed {
            // Pending once: hyper flushes what it holds before it polls again.
            self.flushed = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(Some(Err(CutOff {
            sent: self.whole_len / 2,
            len: self.whole_len,
        })))
    }

    fn is_end_stream(&self) -> bool {
        false
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.whole_len as u64)
    }
}

/// A body in pieces, spread evenly over a time from the first to the last.
struct Dribbled {
    rest: Bytes,
    /// The pieces not sent yet.
    pieces_left: usize,
    whole_len: usize,
    gap: Duration,
    /// The wait before the next piece, once one was sent.
    wait: Option<Pin<Box<Sleep>>>,
}

impl Dribbled {
    fn new(whole: Bytes, chunks: u32, over: Duration) -> Self {
        // At most one piece per byte, and at least one.
        let pieces = usize::try_from(chunks)
            .unwrap_or(usize::MAX)
            .clamp(1, whole.len().max(1));
        let gaps = u32::try_from(pieces - 1).unwrap_or(u32::MAX).max(1);
        Self {
            whole_len: whole.len(),
            rest: whole,
            pieces_left: pieces,
            gap: over / gaps,
            wait: None,
        }
    }
}

impl hyper::body::Body for Dribbled {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.pieces_left == 0 {
            return Poll::Ready(None);
        }
        if let Some(wait) = self.wait.as_mut()
            && wait.as_mut().poll(cx).is_pending()
        {
            return Poll::Pending;
        }
        let this = &mut *self;
        // The pieces share the rest evenly, the last one taking what is left.
        let size = this.rest.len() / this.pieces_left;
        let piece = if this.pieces_left == 1 {
            std::mem::take(&mut this.rest)
        } else {
            this.rest.split_to(size)
        };
        this.pieces_left -= 1;
        if this.pieces_left > 0 {
            this.wait = Some(Box::pin(tokio::time::sleep(this.gap)));
        }
        Poll::Ready(Some(Ok(Frame::data(piece))))
    }

    fn is_end_stream(&self) -> bool {
        self.pieces_left == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.rest.len() as u64)
    }
}

impl std::fmt::Debug for Dribbled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dribbled")
            .field("whole_len", &self.whole_len)
            .field("pieces_left", &self.pieces_left)
            .field("gap", &self.gap)
            .finish_non_exhaustive()
    }
}

/// A body whose reading failed before it could be delivered: fails at once.
struct Failed(Option<axum::Error>);

impl hyper::body::Body for Failed {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Poll::Ready(self.0.take().map(Err))
    }
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;

    use super::*;

    async fn frames(body: Body) -> Vec<Bytes> {
        let mut body = body;
        let mut frames = Vec::new();
        for _ in 0..100 {
            match body.frame().await {
                Some(Ok(frame)) => frames.extend(frame.into_data().ok()),
                _ => break,
            }
        }
        frames
    }

    #[tokio::test(start_paused = true)]
    async fn a_dribbled_body_comes_in_its_pieces_over_its_time() {
        let started = tokio::time::Instant::now();
        let body = Body::new(Dribbled::new(
            Bytes::from_static(b"0123456789"),
            4,
            Duration::from_millis(300),
        ));
        let pieces = frames(body).await;
        assert_eq!(pieces, ["01", "23", "456", "789"].map(Bytes::from));
        assert_eq!(started.elapsed(), Duration::from_millis(300));
    }

    #[tokio::test(start_paused = true)]
    async fn a_dribble_of_more_pieces_than_bytes_sends_a_byte_each() {
        let body = Body::new(Dribbled::new(
            Bytes::from_static(b"abc"),
            1000,
            Duration::from_millis(20),
        ));
        assert_eq!(frames(body).await, ["a", "b", "c"].map(Bytes::from));
    }

    #[tokio::test]
    async fn a_truncated_body_says_the_whole_length_sends_half_then_fails() {
        let mut body = Body::new(Truncated::new(Bytes::from_static(b"0123456789")));
        assert_eq!(hyper::body::Body::size_hint(&body).exact(), Some(10));
        let first = body.frame().await.expect("a frame").expect("data");
        assert_eq!(first.into_data().ok(), Some(Bytes::from_static(b"01234")));
        let error = body.frame().await.expect("a frame").expect_err("cut off");
        assert!(error.to_string().contains("after 5 of 10 bytes"), "{error}");
    }
}
