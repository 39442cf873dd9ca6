//! A connection's socket under the server's deadlines: [`WatchedIo`].
//!
//! hyper reads and writes through it, so each deadline is enforced where hyper
//! waits, without a task per connection:
//!
//! - **header read**: while no request is in flight, a request head must arrive in
//!   full within the header-read timeout, counted from the connection's acceptance
//!   for its first request and from the head's first byte for a later one;
//! - **idle**: after an answer, the next request's first byte must arrive within the
//!   idle timeout;
//! - **write**: a write that makes no progress (the client does not read) fails
//!   after the write timeout, and hyper drops the connection and its answer;
//! - **lingering close**: when hyper closes a connection on which a request body
//!   was left unread (an early `413`), the socket stops writing, then reads and
//!   discards what the client still sends (bounded in time and bytes), so that a
//!   client still sending the body reads the answer instead of a reset.
//!
//! A deadline that passes fails the read or write with [`io::ErrorKind::TimedOut`].
//!
//! It also closes the socket as a fault rule said ([`Closing`], set on the
//! connection's [`Activity`] by its service): when hyper drops it, after the service
//! failed the request on purpose, it sends the rule's garbage bytes first, or resets
//! the connection instead of closing it cleanly. hyper writes nothing on that path
//! (neither an answer nor a shutdown), so the drop is the one moment left.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};

use crate::config::ConnectionLimits;
use crate::http::cause::Closing;
use crate::serve::in_flight::Activity;

/// What a fault rule may do to a socket as it is closed: write without waiting, and
/// close with a reset.
pub(crate) trait FaultableSocket {
    /// Writes what the socket takes now, without waiting.
    fn write_now(&self, bytes: &[u8]) -> io::Result<usize>;
    /// Makes the close a reset (a zero linger).
    fn reset_on_close(&self) -> io::Result<()>;
}

impl FaultableSocket for TcpStream {
    fn write_now(&self, bytes: &[u8]) -> io::Result<usize> {
        self.try_write(bytes)
    }

    fn reset_on_close(&self) -> io::Result<()> {
        self.set_zero_linger()
    }
}

/// The socket `I` of one connection, with the deadlines of [`ConnectionLimits`].
#[derive(Debug)]
pub(crate) struct WatchedIo<I: FaultableSocket> {
    inner: I,
    activity: Arc<Activity>,
    limits: ConnectionLimits,
    /// The answers counted when the read deadline was last set.
    answers_seen: u64,
    /// When a read must have completed what it waits for, if anything.
    read_deadline: Option<Instant>,
    /// Whether the read deadline is the idle one (no byte of the next head yet).
    idle: bool,
    /// Whether the header-read deadline is to be set when a read next waits: most
    /// heads arrive whole, and then it is never needed (a clock read saved a request).
    header_deadline_at_next_wait: bool,
    read_timer: Option<Pin<Box<Sleep>>>,
    /// When a stalled write fails, while one is stalled.
    write_deadline: Option<Instant>,
    write_timer: Option<Pin<Box<Sleep>>>,
    lingering: Option<Lingering>,
}

/// The state of a lingering close.
#[derive(Debug)]
struct Lingering {
    until: Instant,
    discarded: u64,
}

impl<I: FaultableSocket> WatchedIo<I> {
    /// Wraps the socket of a connection accepted now.
    pub(crate) fn new(inner: I, activity: Arc<Activity>, limits: ConnectionLimits) -> Self {
        Self {
            inner,
            answers_seen: activity.answered(),
            activity,
            read_deadline: Some(Instant::now() + limits.header_read_timeout),
            idle: false,
            header_deadline_at_next_wait: false,
            limits,
            read_timer: None,
            write_deadline: None,
            write_timer: None,
            lingering: None,
        }
    }

    /// Moves the read deadline along with the requests: none while one is in
    /// flight (the request and body timeouts govern it), the idle one once a new
    /// answer is done.
    fn update_read_deadline(&mut self) {
        if self.activity.in_flight() > 0 {
            self.read_deadline = None;
            self.header_deadline_at_next_wait = false;
            return;
        }
        let answered = self.activity.answered();
        if answered != self.answers_seen {
            self.answers_seen = answered;
            self.idle = true;
            self.header_deadline_at_next_wait = false;
            self.read_deadline = Some(Instant::now() + self.limits.idle_timeout);
        }
    }

    /// The read deadline of a read that waits: the header-read one starts now if
    /// the head began without a wait.
    fn waiting_read_deadline(&mut self) -> Option<Instant> {
        if std::mem::take(&mut self.header_deadline_at_next_wait) {
            self.read_deadline = Some(Instant::now() + self.limits.header_read_timeout);
        }
        self.read_deadline
    }

    /// Starts the timer of the read deadline that an answer just written begins (the
    /// idle one): hyper may not read again until the client sends something, so the
    /// timer must wake it for the deadline to be seen.
    fn arm_read_deadline(&mut self, cx: &mut Context<'_>) {
        self.update_read_deadline();
        if let Some(deadline) = self.read_deadline {
            // Passed already or not, the next read reports it.
            let _ = expired(&mut self.read_timer, deadline, cx);
        }
    }
}

/// Whether `deadline` has passed; if not, `timer` wakes the task when it does.
///
/// The deadlines move later with every request, so the timer is moved only when
/// the deadline comes before it: a timer that fires early is set again to the
/// deadline then. Moving a timer costs a timer-wheel update; most requests need none.
fn expired(timer: &mut Option<Pin<Box<Sleep>>>, deadline: Instant, cx: &mut Context<'_>) -> bool {
    let timer = match timer {
        Some(timer) => {
            if timer.deadline() > deadline {
                timer.as_mut().reset(deadline);
            }
            timer
        }
        None => timer.insert(Box::pin(tokio::time::sleep_until(deadline))),
    };
    if timer.as_mut().poll(cx).is_pending() {
        return false;
    }
    if Instant::now() >= deadline {
        return true;
    }
    // Fired at an earlier deadline: wait for this one.
    timer.as_mut().reset(deadline);
    timer.as_mut().poll(cx).is_ready()
}

fn timed_out(what: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, what)
}

impl<I: AsyncRead + AsyncWrite + FaultableSocket + Unpin> WatchedIo<I> {
    /// A write's outcome, failing it when it has made no progress for too long.
    fn watch_write<T>(
        &mut self,
        result: Poll<io::Result<T>>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<T>> {
        match result {
            Poll::Ready(result) => {
                self.write_deadline = None;
                Poll::Ready(result)
            }
            Poll::Pending => {
                let timeout = self.limits.write_timeout;
                let deadline = *self
                    .write_deadline
                    .get_or_insert_with(|| Instant::now() + timeout);
                if expired(&mut self.write_timer, deadline, cx) {
                    Poll::Ready(Err(timed_out("the client did not read the answer in time")))
                } else {
                    Poll::Pending
                }
            }
        }
    }

    /// Reads and discards until the client closes, the bytes are used up or the
    /// time is: then the close can no longer reset an answer the client is reading.
    fn poll_linger(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(lingering) = self.lingering.as_mut() else {
            return Poll::Ready(());
        };
        let mut scratch = [0u8; 8 * 1024];
        while lingering.discarded < self.limits.linger_bytes {
            let mut buf = ReadBuf::new(&mut scratch);
            match Pin::new(&mut self.inner).poll_read(cx, &mut buf) {
                Poll::Ready(Ok(())) if buf.filled().is_empty() => return Poll::Ready(()),
                Poll::Ready(Ok(())) => lingering.discarded += buf.filled().len() as u64,
                Poll::Ready(Err(_)) => return Poll::Ready(()),
                Poll::Pending => {
                    return if expired(&mut self.read_timer, lingering.until, cx) {
                        Poll::Ready(())
                    } else {
                        Poll::Pending
                    };
                }
            }
        }
        Poll::Ready(())
    }
}

impl<I: AsyncRead + AsyncWrite + FaultableSocket + Unpin> AsyncRead for WatchedIo<I> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.update_read_deadline();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if this.idle && buf.filled().len() > before {
                    // The next head has begun: it has the header-read time in full,
                    // counted from when the rest of it is first waited for (hyper
                    // reads until it has the head, so a partial one is waited for).
                    this.idle = false;
                    if this.read_deadline.take().is_some() {
                        this.header_deadline_at_next_wait = true;
                    }
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => match this.waiting_read_deadline() {
                Some(deadline) if expired(&mut this.read_timer, deadline, cx) => {
                    Poll::Ready(Err(timed_out(if this.idle {
                        "the keep-alive connection was idle too long"
                    } else {
                        "the request head did not arrive in time"
                    })))
                }
                _ => Poll::Pending,
            },
        }
    }
}

impl<I: AsyncRead + AsyncWrite + FaultableSocket + Unpin> AsyncWrite for WatchedIo<I> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.watch_write(result, cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.watch_write(result, cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_flush(cx);
        if matches!(result, Poll::Ready(Ok(()))) {
            this.arm_read_deadline(cx);
        }
        this.watch_write(result, cx)
    }

    /// The lingering close: stop writing (the client sees the end of the answer),
    /// then drain what it still sends, within the limits.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.lingering.is_none() {
            let result = ready!(Pin::new(&mut this.inner).poll_shutdown(cx));
            if result.is_err() || !this.activity.body_left_unread() {
                // Not connected any more, or the client is not sending: there is
                // nothing left to protect.
                return Poll::Ready(Ok(()));
            }
            this.lingering = Some(Lingering {
                until: Instant::now() + this.limits.linger_timeout,
                discarded: 0,
            });
        }
        ready!(this.poll_linger(cx));
        Poll::Ready(Ok(()))
    }
}

impl<I: FaultableSocket> Drop for WatchedIo<I> {
    /// Closes as a fault rule said, if one did (see the module docs).
    fn drop(&mut self) {
        let done = match self.activity.closing() {
            None | Some(Closing::Clean) => Ok(()),
            Some(Closing::Reset) => self.inner.reset_on_close(),
            // A few hundred bytes on a connection whose answers were all written:
            // the socket's buffer takes them at once.
            Some(Closing::Garbage(bytes)) => write_all_now(&self.inner, bytes),
        };
        if let Err(error) = done {
            tracing::debug!(%error, "could not close the connection as the fault rule says");
        }
    }
}

/// Writes all of `bytes` that the socket takes without waiting; fails if it takes
/// less.
fn write_all_now(socket: &impl FaultableSocket, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        let written = socket.write_now(bytes)?;
        if written == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        bytes = &bytes[written..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_timer_is_moved_only_to_an_earlier_deadline_and_never_fires_early() {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let start = Instant::now();
        let (early, late) = (
            start + Duration::from_secs(10),
            start + Duration::from_secs(30),
        );
        let mut timer = None;
        assert!(!expired(&mut timer, early, &mut cx));
        // A later deadline leaves the timer where it is.
        assert!(!expired(&mut timer, late, &mut cx));
        assert_eq!(timer.as_ref().map(|timer| timer.deadline()), Some(early));
        tokio::time::advance(Duration::from_secs(10)).await;
        // The timer fired at the earlier deadline: not expired, and set to the later.
        assert!(!expired(&mut timer, late, &mut cx));
        assert_eq!(timer.as_ref().map(|timer| timer.deadline()), Some(late));
        // An earlier deadline moves it back.
        let sooner = Instant::now() + Duration::from_secs(5);
        assert!(!expired(&mut timer, sooner, &mut cx));
        assert_eq!(timer.as_ref().map(|timer| timer.deadline()), Some(sooner));
        tokio::time::advance(Duration::from_secs(5)).await;
        assert!(expired(&mut timer, sooner, &mut cx));
    }
}
