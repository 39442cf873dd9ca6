//! What a person at a terminal sees while a call takes long: a spinner on stderr.

use std::future::Future;
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// A call shorter than this shows nothing: a spinner that flickers is noise.
const QUIET_FOR: Duration = Duration::from_secs(1);

/// Runs `work`; if it takes longer than about a second and stderr is a terminal,
/// shows a spinner saying what it waits for, and clears it at the end. When stderr is
/// not a terminal (a pipe, a file, CI) nothing is shown.
pub(crate) async fn while_waiting<T>(what: String, work: impl Future<Output = T>) -> T {
    if !std::io::stderr().is_terminal() {
        return work.await;
    }
    let mut work = std::pin::pin!(work);
    tokio::select! {
        done = &mut work => return done,
        () = tokio::time::sleep(QUIET_FOR) => {}
    }
    let spinner = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        spinner.set_style(style);
    }
    spinner.set_message(what);
    spinner.enable_steady_tick(Duration::from_millis(100));
    let done = work.await;
    spinner.finish_and_clear();
    done
}
