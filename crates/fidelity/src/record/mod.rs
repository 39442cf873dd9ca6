//! Recording a session: [`RecorderBuilder`] makes a [`Recorder`], a proxy between a
//! client and the API (Lightly's, or any server of it) that keeps a scrubbed copy of
//! every request and answer, and hands it over as a [`Recording`] when finished.
//!
//! - [`proxy`]: forwarding, start and end states.

mod proxy;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use collab_core::DatasetId;

use crate::Error;
use crate::recording::{FORMAT, Recording};
use proxy::Proxy;

/// Builds a [`Recorder`]: [`new`](Self::new), the `with_*` settings, then
/// [`build`](Self::build), which checks them.
///
/// ```
/// use collab_fidelity::{Error, RecorderBuilder};
///
/// let recorder = RecorderBuilder::new()
///     .with_upstream("https://api.lightly.ai/")
///     .with_dataset("5f0e4a6b2c1d3e4f5a6b7c8d".parse().unwrap())
///     .with_repeat_reads(true)
///     .build()?;
/// assert_eq!(recorder.upstream(), "https://api.lightly.ai");
///
/// let refused = RecorderBuilder::new()
///     .with_upstream("https://api.lightly.ai/?token=secret")
///     .build()
///     .unwrap_err();
/// assert!(matches!(refused, Error::InvalidSetting { setting: "upstream", .. }));
/// assert!(!refused.to_string().contains("secret"));
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct RecorderBuilder {
    upstream: Option<String>,
    datasets: Vec<DatasetId>,
    repeat_reads: bool,
    recorder_name: String,
    upstream_timeout: Duration,
}

impl Default for RecorderBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl RecorderBuilder {
    /// How long one upstream call may take unless
    /// [`with_upstream_timeout`](Self::with_upstream_timeout) says otherwise: 60 s.
    pub const DEFAULT_UPSTREAM_TIMEOUT: Duration = Duration::from_secs(60);

    /// No upstream yet (one is required), every dataset allowed, reads sent once, the
    /// recorder named `collab-fidelity VERSION`, [`DEFAULT_UPSTREAM_TIMEOUT`](Self::DEFAULT_UPSTREAM_TIMEOUT).
    pub fn new() -> Self {
        Self {
            upstream: None,
            datasets: Vec::new(),
            repeat_reads: false,
            recorder_name: format!("collab-fidelity {}", env!("CARGO_PKG_VERSION")),
            upstream_timeout: Self::DEFAULT_UPSTREAM_TIMEOUT,
        }
    }

    /// The API to forward to, e.g. `https://api.lightly.ai` or a `collab serve`:
    /// `http` or `https`, a path prefix allowed, no user info, query or fragment
    /// (they would be written in the file). Required.
    #[must_use]
    pub fn with_upstream(mut self, url: impl Into<String>) -> Self {
        self.upstream = Some(url.into());
        self
    }

    /// A dataset the session may touch (call it once per dataset). With none, every
    /// dataset may be touched; with some, a request about any other is answered
    /// `403` by the proxy itself, never forwarded and never recorded.
    #[must_use]
    pub fn with_dataset(mut self, dataset: DatasetId) -> Self {
        self.datasets.push(dataset);
        self
    }

    /// Whether every `GET` is sent twice, so that the JSON paths that differ between
    /// the two answers (a counter, a signed URL) are recorded as the step's noise and
    /// left out of every comparison. Default `false`.
    #[must_use]
    pub fn with_repeat_reads(mut self, repeat_reads: bool) -> Self {
        self.repeat_reads = repeat_reads;
        self
    }

    /// The recording's `recorder` field, e.g. `collab 0.1.0`.
    #[must_use]
    pub fn with_recorder_name(mut self, name: impl Into<String>) -> Self {
        self.recorder_name = name.into();
        self
    }

    /// How long one upstream call (a forwarded request, a read of a dataset's state)
    /// may take; default [`DEFAULT_UPSTREAM_TIMEOUT`](Self::DEFAULT_UPSTREAM_TIMEOUT).
    #[must_use]
    pub fn with_upstream_timeout(mut self, timeout: Duration) -> Self {
        self.upstream_timeout = timeout;
        self
    }

    /// Checks the settings and builds the recorder. Needs no runtime; serving does.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSetting`] naming `upstream` (missing, not a URL, not http(s),
    /// with user info, a query or a fragment) or `upstream_timeout` (zero);
    /// [`Error::Unavailable`] when the HTTP client cannot be built.
    pub fn build(self) -> Result<Recorder, Error> {
        let upstream = upstream_base(self.upstream.as_deref())?;
        if self.upstream_timeout.is_zero() {
            return Err(Error::InvalidSetting {
                setting: "upstream_timeout",
                reason: "must be longer than zero".to_owned(),
            });
        }
        let allowed = self.datasets.iter().map(ToString::to_string).collect();
        let proxy = Proxy::new(upstream, allowed, self.repeat_reads, self.upstream_timeout)
            .map_err(|e| Error::unavailable(format!("cannot build the HTTP client: {e}")))?;
        Ok(Recorder {
            proxy: Arc::new(proxy),
            recorder_name: Arc::from(self.recorder_name),
        })
    }
}

/// The upstream's base URL, checked: http(s), no user info, query or fragment (they
/// would end up in the file), no trailing `/`.
fn upstream_base(text: Option<&str>) -> Result<String, Error> {
    let invalid = |reason: String| Error::InvalidSetting {
        setting: "upstream",
        reason,
    };
    let text = text.ok_or_else(|| invalid("is not set: give the API's URL".to_owned()))?;
    let url =
        reqwest::Url::parse(text.trim()).map_err(|e| invalid(format!("is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("must be an http:// or https:// URL".to_owned()));
    }
    if !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(invalid(
            "takes no user info, query or fragment: pass credentials from the clients".to_owned(),
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// A recording proxy. Serve its [`router`](Self::router) yourself, or let
/// [`bind`](Self::bind) serve it; then [`finish`](Self::finish) reads the end states
/// and gives the [`Recording`].
///
/// Requests are forwarded one at a time, so that the order of the steps is the order
/// the upstream saw them. Clones share the session.
///
/// # Credentials
///
/// The `token` query parameter and the credential of `Authorization` are replaced by
/// a placeholder (`<user:1>`, one per distinct credential) before anything is kept,
/// and so is every other occurrence of a credential seen (as is, URL-encoded,
/// JSON-escaped). Only the headers `accept`, `content-type`, `user-agent` and
/// `authorization` are forwarded and kept, and `allow`, `content-type`,
/// `retry-after` of the answers.
#[derive(Clone)]
pub struct Recorder {
    proxy: Arc<Proxy>,
    recorder_name: Arc<str>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The session holds the credentials seen: never shown.
        f.debug_struct("Recorder")
            .field("upstream", &self.upstream())
            .field("recorder_name", &self.recorder_name)
            .finish_non_exhaustive()
    }
}

impl Recorder {
    /// A builder; see [`RecorderBuilder`].
    pub fn builder() -> RecorderBuilder {
        RecorderBuilder::new()
    }

    /// The upstream's base URL, as checked (no trailing `/`).
    pub fn upstream(&self) -> &str {
        self.proxy.upstream()
    }

    /// The proxy as an axum app: every method and path is forwarded.
    pub fn router(&self) -> axum::Router {
        Arc::clone(&self.proxy).app()
    }

    /// Listens on `address` (port 0 picks a free one) and serves the proxy on a task
    /// of the current runtime until [`RecordingProxy::stop`] (or until it is dropped).
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`] when `address` cannot be bound.
    pub async fn bind(&self, address: SocketAddr) -> Result<RecordingProxy, Error> {
        let cannot =
            |e: std::io::Error| Error::unavailable(format!("cannot listen on {address}: {e}"));
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .map_err(cannot)?;
        let address = listener.local_addr().map_err(cannot)?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = tokio::spawn(
            axum::serve(listener, self.router())
                .with_graceful_shutdown(async move {
                    // A dropped sender stops too.
                    let _ = stopped.await;
                })
                .into_future(),
        );
        Ok(RecordingProxy {
            recorder: self.clone(),
            address,
            stop,
            serving,
        })
    }

    /// Reads every touched dataset's end state from the upstream, then gives the
    /// recording, scrubbed once more as a whole (an answer may have echoed a
    /// credential first presented later) and searched for every credential seen.
    /// What was recorded is handed over: a second call gives an empty session.
    ///
    /// # Errors
    ///
    /// [`Error::CredentialLeak`] when a credential seen is still in the recording's
    /// text (nothing is handed out).
    pub async fn finish(&self) -> Result<Recording, Error> {
        let finished = self.proxy.finish().await;
        let recording = Recording {
            format: FORMAT,
            recorded_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            upstream: self.upstream().to_owned(),
            recorder: self.recorder_name.to_string(),
            callers: finished.callers,
            datasets: finished.datasets,
            steps: finished.steps,
            gaps: Vec::new(),
        };
        let text = finished.credentials.scrub(&recording.to_json());
        if finished.credentials.found_in(text.as_bytes()) {
            return Err(Error::CredentialLeak);
        }
        // The scrubbed text read back: its own text is that text again (placeholders
        // hold no character JSON escapes).
        Recording::from_json(&text)
    }
}

/// A [`Recorder`] served on a socket, from [`Recorder::bind`].
#[derive(Debug)]
pub struct RecordingProxy {
    recorder: Recorder,
    address: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    serving: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RecordingProxy {
    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }

    /// `http://ADDRESS`: what clients are pointed at (`LIGHTLY_SERVER_LOCATION`).
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The recorder it serves.
    pub fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    /// Stops listening, waits for the requests in flight, then
    /// [`finish`](Recorder::finish)es.
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`] when serving failed; those of [`Recorder::finish`].
    pub async fn stop(self) -> Result<Recording, Error> {
        let _ = self.stop.send(());
        match self.serving.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(Error::unavailable(format!("the proxy failed: {e}"))),
            Err(e) => return Err(Error::unavailable(format!("the proxy failed: {e}"))),
        }
        self.recorder.finish().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_upstream_is_a_plain_base_url() {
        assert_eq!(
            upstream_base(Some("https://api.lightly.ai/"))
                .ok()
                .as_deref(),
            Some("https://api.lightly.ai")
        );
        let refused = upstream_base(Some("http://127.0.0.1:1/?token=x")).err();
        assert!(
            matches!(&refused, Some(Error::InvalidSetting { setting: "upstream", reason }) if reason.contains("no user info, query")),
            "{refused:?}"
        );
        assert!(matches!(
            upstream_base(Some("ftp://x")),
            Err(Error::InvalidSetting {
                setting: "upstream",
                ..
            })
        ));
        let missing = upstream_base(None).unwrap_err();
        assert_eq!(
            missing.to_string(),
            "upstream is not set: give the API's URL"
        );
    }

    #[test]
    fn a_zero_upstream_timeout_is_refused_naming_it() {
        let refused = RecorderBuilder::new()
            .with_upstream("http://127.0.0.1:1")
            .with_upstream_timeout(Duration::ZERO)
            .build()
            .unwrap_err();
        assert!(
            matches!(
                refused,
                Error::InvalidSetting {
                    setting: "upstream_timeout",
                    ..
                }
            ),
            "{refused:?}"
        );
    }
}
