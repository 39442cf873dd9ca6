//! The signals that stop `serve` and `record`: [`ShutdownSignals`].

use std::io;

/// `SIGINT` (Ctrl-C) and, on Unix, `SIGTERM`, listened to from creation on: a signal
/// that arrives before [`recv`](Self::recv) is kept, not lost, and none of them
/// kills the process while this value lives.
///
/// A server run from the command line stops gracefully on the first signal and
/// exits at once on the second (`serve.rs`); a recording is written on the first and
/// given up on the second (`record.rs`).
#[derive(Debug)]
pub(crate) struct ShutdownSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

/// Which signal arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ShutdownSignal {
    /// `SIGINT`, as Ctrl-C sends.
    Interrupt,
    /// `SIGTERM`, as service managers send.
    Terminate,
}

impl std::fmt::Display for ShutdownSignal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Interrupt => "SIGINT",
            Self::Terminate => "SIGTERM",
        })
    }
}

impl ShutdownSignals {
    /// Starts listening. Fails when the signal handlers cannot be installed.
    pub(crate) fn new() -> io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    /// Waits for the next signal.
    pub(crate) async fn recv(&mut self) -> ShutdownSignal {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => ShutdownSignal::Interrupt,
                _ = self.terminate.recv() => ShutdownSignal::Terminate,
            }
        }
        #[cfg(not(unix))]
        {
            match tokio::signal::ctrl_c().await {
                Ok(()) => ShutdownSignal::Interrupt,
                Err(_) => std::future::pending().await,
            }
        }
    }
}
