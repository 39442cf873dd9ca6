//! Logs on stderr: how much, whose, and in colour only where colour belongs; the
//! access log written without events ([`BatchedAccessLog`]) and the batched writer
//! that keeps `serve`'s log off the request path ([`BatchedLog`]).
//!
//! They live here, where the binary is composed, and not in `collab-server`: the server
//! emits its access event (target `collab_server::access`), or hands its line to the
//! `AccessLog` it is given, and stops there, so that a user of its router pays for no
//! logging stack.

mod access_lines;
mod log_batches;

pub(crate) use access_lines::BatchedAccessLog;
use log_batches::{BatchedLog, BatchedLogGuard, LOG_BATCH_BYTES};

use std::io::IsTerminal;

/// The targets of this workspace's crates: every one starts with `collab`, and a
/// directive's target matches by prefix.
const OURS: &str = "collab";

/// The filter for `-v` given `verbose` times: `serve` logs requests at info by default,
/// the client commands only warnings; `-v` adds this workspace's debug logs, `-vv` the
/// HTTP stack's (reqwest, hyper, rustls) too, `-vvv` everything at trace.
pub(crate) fn filter(verbose: u8, serving: bool) -> String {
    let base = if serving { "info" } else { "warn" };
    match verbose {
        // The client commands say what they wait for (a spinner) and fail with one
        // line: the HTTP adapter's retry warnings show from `-v` on.
        0 if !serving => format!("{base},{}", collab_http::RETRY_TARGET) + "=error",
        0 => base.to_owned(),
        1 => format!("{base},{OURS}=debug"),
        2 => format!("debug,{OURS}=trace"),
        _ => "trace".to_owned(),
    }
}

/// Whether log lines may carry colour codes: only on a terminal, and never when
/// `NO_COLOR` is set to anything but the empty string (<https://no-color.org>).
pub(crate) fn colour(stderr_is_terminal: bool, no_color: Option<std::ffi::OsString>) -> bool {
    stderr_is_terminal && no_color.is_none_or(|value| value.is_empty())
}

/// What `serve` logs through: the guard that flushes its batched log, and the
/// access log to give the server (none when the log has colour: then the access
/// events go through the default format like the rest).
pub(crate) struct ServeLog {
    pub(crate) guard: BatchedLogGuard,
    pub(crate) access: Option<BatchedAccessLog>,
}

/// Installs the subscriber; `RUST_LOG` overrides the filter. `serve` writes through
/// a non-blocking writer ([`log_writer`]), whose guard this returns with the access
/// log.
pub(crate) fn init(verbose: u8, serving: bool) -> Option<ServeLog> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(filter(verbose, serving)));
    let ansi = colour(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR"),
    );
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi);
    if serving {
        let (writer, guard) = log_writer();
        let access = (!ansi).then(|| BatchedAccessLog::new(writer.clone()));
        builder.with_writer(writer).init();
        Some(ServeLog { guard, access })
    } else {
        builder.with_writer(std::io::stderr).init();
        None
    }
}

/// The writer of `serve`'s log: lines go in batches to a background thread that
/// writes them to stderr, so that requests never wait for stderr (see
/// [`BatchedLog`]: when stderr falls behind, batches are dropped and
/// counted rather than slowing the server down; [`report_dropped_log_lines`] says
/// how many were lost).
fn log_writer() -> (BatchedLog, BatchedLogGuard) {
    // Buffered: the writer thread drains every waiting batch, then flushes.
    BatchedLog::new(std::io::BufWriter::new(std::io::stderr()))
}

/// Flushes the log, then says on stderr how many batches of it were dropped, if any.
pub(crate) fn report_dropped_log_lines(guard: BatchedLogGuard) {
    let dropped = guard.dropped_batches();
    drop(guard);
    if dropped > 0 {
        eprintln!(
            "warning: stderr fell behind: {dropped} batches of log lines (up to {} KiB each) were dropped",
            LOG_BATCH_BYTES / 1024
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_set_to_anything_turns_colour_off() {
        assert!(colour(true, None));
        assert!(colour(true, Some("".into())));
        assert!(!colour(true, Some("1".into())));
        assert!(!colour(false, None));
    }

    #[test]
    fn each_v_widens_the_logs() {
        assert_eq!(filter(0, false), "warn,collab_http::retry=error");
        assert_eq!(filter(0, true), "info");
        assert_eq!(filter(1, false), "warn,collab=debug");
        assert_eq!(filter(2, true), "debug,collab=trace");
        assert_eq!(filter(5, false), "trace");
    }
}
