//! `collab record`: a proxy that records a session with the API (Lightly's, or any
//! server of it) into a file that `collab check-drift` replays against the fake.
//!
//! - [`proxy`]: forwarding, start and end states;
//! - [`secrets`]: credentials replaced by placeholders, and the search of the file's
//!   bytes for them before it is written;
//! - [`format`]: the recording file (JSON, `"format": 1`; see `docs/fidelity.md`);
//! - [`paths`]: JSON paths as the file and the report spell them.

pub(crate) mod format;
pub(crate) mod paths;
mod proxy;
pub(crate) mod secrets;

use std::sync::Arc;

use crate::args::RecordArgs;
use crate::failure::Failure;
use format::{FORMAT, Recording};
use proxy::Recorder;

/// Records until SIGINT or SIGTERM, then reads the end states and writes `--out`.
pub(crate) async fn run(args: RecordArgs) -> Result<(), Failure> {
    let upstream = upstream_base(&args.upstream)?;
    let allowed = args.datasets.iter().map(ToString::to_string).collect();
    let recorder = Recorder::new(upstream.clone(), allowed, args.repeat_reads)
        .map_err(|e| Failure::Failed(format!("cannot build the HTTP client: {e}")))?;
    let recorder = Arc::new(recorder);
    // Listening for the signals before the first line, so that none finds the default
    // action (which would end the process without writing the file).
    let mut signals = stop_signals()?;
    let (give_back, given_back) = tokio::sync::oneshot::channel();
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| Failure::Failed(format!("cannot listen on {}: {e}", args.listen)))?;
    let address = listener
        .local_addr()
        .map_err(|e| Failure::Failed(format!("cannot listen on {}: {e}", args.listen)))?;
    crate::output::announce(&format!("recording on http://{address}\n"));
    eprintln!(
        "forwarding to {upstream}; point clients at LIGHTLY_SERVER_LOCATION=http://{address}, stop with Ctrl-C to write {}",
        args.out.display()
    );
    axum::serve(listener, Arc::clone(&recorder).app())
        .with_graceful_shutdown(async move {
            signals.recv().await;
            // Handed back for the second signal.
            let _ = give_back.send(signals);
        })
        .await
        .map_err(|e| Failure::Failed(format!("the proxy failed: {e}")))?;
    // The end states come from the upstream, which may hang: a second signal gives up.
    let mut signals = given_back
        .await
        .map_err(|_| Failure::Failed("the proxy stopped without a signal".to_owned()))?;
    let finished = tokio::select! {
        finished = recorder.finish() => finished,
        _ = signals.recv() => {
            return Err(Failure::Failed(
                "a second signal while the end states were read: stopped, nothing was written"
                    .to_owned(),
            ));
        }
    };
    let recording = Recording {
        format: FORMAT,
        recorded_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        upstream,
        recorder: format!("collab {}", env!("CARGO_PKG_VERSION")),
        callers: finished.callers,
        datasets: finished.datasets,
        steps: finished.steps,
        gaps: Vec::new(),
    };
    let text = serde_json::to_string_pretty(&recording)
        .map_err(|e| Failure::Failed(format!("cannot write the recording: {e}")))?;
    // Once more over the whole file: an answer may have echoed a credential that was
    // first presented later (placeholders hold no character JSON escapes).
    let text = finished.credentials.scrub(&text);
    if finished.credentials.found_in(text.as_bytes()) {
        return Err(Failure::Failed(
            "the recording would hold a credential seen in the session, so nothing was written \
             (a spelling of it escaped the scrubbing: please report it)"
                .to_owned(),
        ));
    }
    std::fs::write(&args.out, format!("{text}\n"))
        .map_err(|e| Failure::Failed(format!("cannot write {}: {e}", args.out.display())))?;
    crate::output::announce(&format!(
        "wrote {}: {} steps, {} datasets, {} callers\n",
        args.out.display(),
        recording.steps.len(),
        recording.datasets.len(),
        recording.callers.len()
    ));
    Ok(())
}

/// The upstream's base URL, checked: http(s), no user info, query or fragment (they
/// would end up in the file), no trailing `/`.
fn upstream_base(text: &str) -> Result<String, Failure> {
    let url = reqwest::Url::parse(text.trim())
        .map_err(|e| Failure::Usage(format!("--upstream is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Failure::Usage(
            "--upstream must be an http:// or https:// URL".to_owned(),
        ));
    }
    if !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(Failure::Usage(
            "--upstream takes no user info, query or fragment: pass credentials from the clients"
                .to_owned(),
        ));
    }
    if crate::client::token_travels_in_the_clear(url.scheme(), url.host_str()) {
        eprintln!(
            "warning: --upstream is plain http:// to another machine: the callers' tokens travel readable on the way (use https://)"
        );
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// A message for every SIGINT or SIGTERM (Ctrl-C elsewhere), from a task that
/// listens from now on.
fn stop_signals() -> Result<tokio::sync::mpsc::UnboundedReceiver<()>, Failure> {
    let failed = |e: std::io::Error| Failure::Failed(format!("cannot listen for signals: {e}"));
    let (send, receive) = tokio::sync::mpsc::unbounded_channel();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate()).map_err(failed)?;
        let mut interrupt = signal(SignalKind::interrupt()).map_err(failed)?;
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = terminate.recv() => {}
                    _ = interrupt.recv() => {}
                }
                if send.send(()).is_err() {
                    break;
                }
            }
        });
    }
    #[cfg(not(unix))]
    {
        let _ = failed;
        tokio::spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                if send.send(()).is_err() {
                    break;
                }
            }
        });
    }
    Ok(receive)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_upstream_is_a_plain_base_url() {
        assert_eq!(
            upstream_base("https://api.lightly.ai/").ok().as_deref(),
            Some("https://api.lightly.ai")
        );
        let refused = upstream_base("http://127.0.0.1:1/?token=x").err();
        assert!(
            matches!(&refused, Some(Failure::Usage(why)) if why.contains("no user info, query")),
            "{refused:?}"
        );
        assert!(matches!(upstream_base("ftp://x"), Err(Failure::Usage(_))));
    }
}
