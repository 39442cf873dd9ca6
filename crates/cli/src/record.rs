//! `collab record`: the recording proxy of `collab-fidelity`, stopped by a signal, its
//! recording written to `--out`.

use collab_fidelity::{Error, Recorder};

use crate::args::RecordArgs;
use crate::failure::Failure;
use crate::signals::ShutdownSignals;

/// Records until SIGINT or SIGTERM, then reads the end states and writes `--out`.
pub(crate) async fn run(args: RecordArgs) -> Result<(), Failure> {
    let recorder = args
        .datasets
        .iter()
        .fold(Recorder::builder(), |builder, dataset| {
            builder.with_dataset(*dataset)
        })
        .with_upstream(&args.upstream)
        .with_repeat_reads(args.repeat_reads)
        .with_recorder_name(format!("collab {}", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(failure)?;
    warn_if_in_the_clear(recorder.upstream());
    // Listening for the signals before the first line, so that none finds the default
    // action (which would end the process without writing the file).
    let mut signals = ShutdownSignals::new()
        .map_err(|e| Failure::Failed(format!("cannot listen for signals: {e}")))?;
    let proxy = recorder.bind(args.listen).await.map_err(failure)?;
    let address = proxy.local_addr();
    crate::output::announce(&format!("recording on http://{address}\n"));
    eprintln!(
        "forwarding to {}; point clients at LIGHTLY_SERVER_LOCATION=http://{address}, stop with Ctrl-C to write {}",
        recorder.upstream(),
        args.out.display()
    );
    signals.recv().await;
    // The end states come from the upstream, which may hang: a second signal gives up.
    let recording = tokio::select! {
        recording = proxy.stop() => recording.map_err(failure)?,
        _ = signals.recv() => {
            return Err(Failure::Failed(
                "a second signal while the end states were read: stopped, nothing was written"
                    .to_owned(),
            ));
        }
    };
    std::fs::write(&args.out, recording.to_json())
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

/// A bad setting is the flag's (exit 2); anything else fails the command (exit 1).
fn failure(error: Error) -> Failure {
    match error {
        Error::InvalidSetting { .. } => Failure::Usage(format!("--{error}")),
        error => Failure::Failed(error.to_string()),
    }
}

fn warn_if_in_the_clear(upstream: &str) {
    let Ok(url) = reqwest::Url::parse(upstream) else {
        return;
    };
    if crate::client::token_travels_in_the_clear(url.scheme(), url.host_str()) {
        eprintln!(
            "warning: --upstream is plain http:// to another machine: the callers' tokens travel readable on the way (use https://)"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_upstream_is_a_usage_error_naming_the_flag() {
        let refused = Recorder::builder()
            .with_upstream("http://127.0.0.1:1/?token=x")
            .build()
            .unwrap_err();
        let failure = failure(refused);
        assert!(
            matches!(&failure, Failure::Usage(why) if why.starts_with("--upstream takes no user info, query")),
            "{failure:?}"
        );
    }
}
