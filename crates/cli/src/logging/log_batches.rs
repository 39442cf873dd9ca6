//! A log writer off the request path: [`BatchedLog`].

use std::io::{self, Write};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_appender::non_blocking::{NonBlocking, NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::fmt::MakeWriter;

/// Lines are handed on in batches of about this many bytes: each batch wakes the
/// writer thread once, a cost the lines of a batch share.
pub(crate) const LOG_BATCH_BYTES: usize = 64 * 1024;

/// A batch that is not full is handed on after at most this long.
pub(crate) const LOG_FLUSH_INTERVAL: Duration = Duration::from_millis(50);

/// How many batches may wait for the output before new ones are dropped: with
/// [`LOG_BATCH_BYTES`], at most 16 MiB of log held in memory.
pub(crate) const LOG_BATCHES_QUEUED: usize = 256;

/// A writer for a request log (give [`tracing_subscriber`'s `with_writer`] a closure
/// that clones it) that keeps the output off the request path.
///
/// Each line is appended to a shared batch in memory, which is all a request pays.
/// A full batch ([`LOG_BATCH_BYTES`]), or any batch every [`LOG_FLUSH_INTERVAL`], is
/// handed to tracing-appender's non-blocking writer, whose own thread writes it to
/// the output. Batching spares the request path a wake-up of that thread per line.
///
/// When the output falls behind by more than [`LOG_BATCHES_QUEUED`] batches, new
/// batches are dropped, not waited for, and counted: see
/// [`BatchedLogGuard::dropped_batches`]. Dropping the guard writes what is left.
///
/// [`tracing_subscriber`'s `with_writer`]: https://docs.rs/tracing-subscriber
#[derive(Debug, Clone)]
pub(crate) struct BatchedLog {
    shared: Arc<Shared>,
}

/// Flushes and stops a [`BatchedLog`]'s threads when dropped.
#[derive(Debug)]
pub(crate) struct BatchedLogGuard {
    shared: Arc<Shared>,
    stop: Option<mpsc::Sender<()>>,
    flusher: Option<JoinHandle<()>>,
    worker: Option<WorkerGuard>,
}

#[derive(Debug)]
struct Shared {
    pending: Mutex<Pending>,
}

#[derive(Debug)]
struct Pending {
    batch: Vec<u8>,
    output: NonBlocking,
}

impl Shared {
    fn pending(&self) -> MutexGuard<'_, Pending> {
        // A panic while appending bytes leaves them valid: keep logging.
        self.pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Pending {
    fn hand_on(&mut self) {
        if !self.batch.is_empty() {
            // Lossy: a full queue drops the batch and counts it.
            let _ = self.output.write_all(&self.batch);
            self.batch.clear();
        }
    }
}

impl BatchedLog {
    /// A batched log written to `output` by a background thread.
    pub(crate) fn new(output: impl Write + Send + 'static) -> (Self, BatchedLogGuard) {
        let (output, worker) = NonBlockingBuilder::default()
            .lossy(true)
            .buffered_lines_limit(LOG_BATCHES_QUEUED)
            .thread_name("collab-log-writer")
            .finish(output);
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending {
                batch: Vec::with_capacity(LOG_BATCH_BYTES * 2),
                output,
            }),
        });
        let (stop, stopped) = mpsc::channel::<()>();
        let flushed = Arc::clone(&shared);
        let flusher = std::thread::Builder::new()
            .name("collab-log-flusher".into())
            .spawn(move || {
                loop {
                    let outcome = stopped.recv_timeout(LOG_FLUSH_INTERVAL);
                    flushed.pending().hand_on();
                    if !matches!(outcome, Err(RecvTimeoutError::Timeout)) {
                        return;
                    }
                }
            })
            .ok();
        let guard = BatchedLogGuard {
            shared: Arc::clone(&shared),
            stop: Some(stop),
            flusher,
            worker: Some(worker),
        };
        (Self { shared }, guard)
    }
}

impl BatchedLog {
    /// Appends one line (or several whole ones) to the batch.
    pub(crate) fn append(&self, bytes: &[u8]) {
        // Appending to memory does not fail; a full queue drops and counts batches.
        let _ = self.shared.append(bytes);
    }
}

impl Shared {
    /// Adds `bytes` to the batch, handing it on once it is full.
    fn append(&self, bytes: &[u8]) -> io::Result<usize> {
        let mut pending = self.pending();
        pending.batch.extend_from_slice(bytes);
        if pending.batch.len() >= LOG_BATCH_BYTES {
            pending.hand_on();
        }
        Ok(bytes.len())
    }
}

impl Write for BatchedLog {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.shared.append(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The writer of one event in a [`BatchedLog`]: the log, borrowed, so that a line
/// costs no reference count that the server's threads would contend for.
impl<'a> MakeWriter<'a> for BatchedLog {
    type Writer = BatchedLine<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        BatchedLine(&self.shared)
    }
}

/// What [`BatchedLog`] gives each event to write into.
#[derive(Debug)]
pub(crate) struct BatchedLine<'a>(&'a Shared);

impl Write for BatchedLine<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.append(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl BatchedLogGuard {
    /// How many batches were dropped because the output fell behind.
    pub(crate) fn dropped_batches(&self) -> usize {
        self.shared.pending().output.error_counter().dropped_lines()
    }
}

impl Drop for BatchedLogGuard {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(flusher) = self.flusher.take() {
            let _ = flusher.join();
        }
        self.shared.pending().hand_on();
        // Last: waits for the writer thread to write what is queued.
        drop(self.worker.take());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An output the test reads back.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_line_reaches_the_output_in_order_once_the_guard_is_dropped() {
        let output = Captured::default();
        let (log, guard) = BatchedLog::new(output.clone());
        let lines: Vec<String> = (0..5_000).map(|i| format!("line {i}\n")).collect();
        for line in &lines {
            log.clone().write_all(line.as_bytes()).expect("write");
        }
        assert_eq!(guard.dropped_batches(), 0);
        drop(guard);
        let written = String::from_utf8(output.0.lock().expect("lock").clone()).expect("UTF-8");
        assert_eq!(written, lines.concat());
    }
}
