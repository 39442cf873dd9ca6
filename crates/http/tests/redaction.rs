//! No credential in any error (Display, Debug, the whole source chain), log line or
//! `Debug` output, with both authentication schemes, on the failures that carry the
//! most context: a refused connection, a timeout and an error status.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use collab_core::{AccessConfigRepository, DatasetId, Error};
use collab_http::{HttpRepository, HttpRepositoryBuilder, RetryPolicy};
use serde_json::json;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Distinctive, so that any occurrence in any text is found.
const SECRET: &str = "SeCrEt-9f8e7d6c5b4a";

#[derive(Clone, Copy, Debug)]
enum Scheme {
    ApiToken,
    Bearer,
}

const SCHEMES: [Scheme; 2] = [Scheme::ApiToken, Scheme::Bearer];

fn dataset() -> DatasetId {
    "0123456789abcdef01234567".parse().unwrap()
}

fn builder(base_url: String, scheme: Scheme) -> HttpRepositoryBuilder {
    let builder = HttpRepository::builder()
        .with_base_url(base_url)
        .with_request_timeout(Duration::from_millis(100))
        .with_retry(
            RetryPolicy::new()
                .with_max_attempts(2)
                .with_initial_backoff(Duration::from_millis(5))
                .with_max_backoff(Duration::from_millis(50))
                .with_max_elapsed(Duration::from_secs(2))
                .with_jitter(true),
        );
    match scheme {
        Scheme::ApiToken => builder.with_api_token(SECRET),
        Scheme::Bearer => builder.with_bearer_token(SECRET),
    }
}

/// Every text an error can be turned into: Display and Debug of it and of each source.
fn all_texts(error: &Error) -> String {
    let mut texts = format!("{error}\n{error:?}\n{error:#?}\n");
    let mut source = std::error::Error::source(error);
    let mut depth = 0;
    while let Some(current) = source {
        texts.push_str(&format!("{current}\n{current:?}\n"));
        source = current.source();
        depth += 1;
        assert!(depth < 32, "the source chain must end");
    }
    texts
}

fn assert_clean(what: &str, text: &str) {
    assert!(
        !text.contains(SECRET),
        "{what} leaks the credential:\n{text}"
    );
    assert!(
        !text.contains("token="),
        "{what} shows a token query:\n{text}"
    );
}

/// Collects everything logged while it is the thread's default subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Logs every level of every crate into this buffer for the current thread;
    /// `#[tokio::test]` runs on that one thread. reqwest logs through the `log` crate,
    /// so its records are bridged into tracing (once per process).
    fn install(&self) -> tracing::subscriber::DefaultGuard {
        static LOG_BRIDGE: std::sync::Once = std::sync::Once::new();
        LOG_BRIDGE.call_once(|| {
            tracing_log::LogTracer::init().expect("no other logger in this test binary");
        });
        let writer = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_default(subscriber)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

async fn check(scheme: Scheme, what: &str, base_url: String) -> Error {
    let logs = Captured::default();
    let guard = logs.install();
    let repo = builder(base_url, scheme).build().unwrap();
    let error = repo.list(&dataset()).await.unwrap_err();
    drop(guard);

    let what = format!("{what} with {scheme:?}");
    assert_clean(&format!("the error of {what}"), &all_texts(&error));
    assert_clean(
        &format!("the repository's Debug ({what})"),
        &format!("{repo:?} {repo:#?}"),
    );
    let logs = logs.text();
    assert!(
        logs.contains("collab-http: failed") && logs.contains("/collaboration/access"),
        "the attempts of {what} are logged:\n{logs}"
    );
    assert!(
        logs.contains("reqwest::"),
        "reqwest's own records are captured too:\n{logs}"
    );
    assert_clean(&format!("the logs of {what}"), &logs);
    error
}

#[tokio::test]
async fn a_refused_connection_leaks_no_credential() {
    for scheme in SCHEMES {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let error = check(
            scheme,
            "a refused connection",
            format!("http://127.0.0.1:{port}"),
        )
        .await;
        assert!(
            matches!(
                error,
                Error::Unavailable {
                    source: Some(_),
                    ..
                }
            ),
            "{error:?}"
        );
    }
}

#[tokio::test]
async fn a_timeout_leaks_no_credential() {
    for scheme in SCHEMES {
        let server = MockServer::start().await;
        Mock::given(wiremock::matchers::any())
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
            .mount(&server)
            .await;
        let error = check(scheme, "a timeout", server.uri()).await;
        assert!(
            matches!(&error, Error::Unavailable { message, source: Some(_) } if message.contains("timed out")),
            "{error:?}"
        );
    }
}

#[tokio::test]
async fn an_error_status_leaks_no_credential_even_when_the_service_echoes_it() {
    for scheme in SCHEMES {
        let server = MockServer::start().await;
        Mock::given(wiremock::matchers::any())
            .respond_with(ResponseTemplate::new(401).set_body_json(json!({
                "code": "UNAUTHORIZED",
                "message": format!("unknown token {SECRET}")
            })))
            .mount(&server)
            .await;
        let error = check(scheme, "an error status", server.uri()).await;
        assert!(
            matches!(&error, Error::Unauthorized { message } if message.contains("unknown token [REDACTED]")),
            "{error:?}"
        );
    }
}

#[tokio::test]
async fn a_malformed_body_echoing_the_credential_leaks_nothing() {
    for scheme in SCHEMES {
        let server = MockServer::start().await;
        Mock::given(wiremock::matchers::any())
            .respond_with(ResponseTemplate::new(200).set_body_string(format!("hello {SECRET}")))
            .mount(&server)
            .await;
        let repo = builder(server.uri(), scheme).build().unwrap();
        let error = repo.list(&dataset()).await.unwrap_err();
        assert!(matches!(
            error,
            Error::UnexpectedResponse {
                status: Some(200),
                ..
            }
        ));
        assert_clean("a malformed body", &all_texts(&error));
    }
}

#[test]
fn debug_of_builders_and_repositories_shows_no_credential() {
    for scheme in SCHEMES {
        let builder = builder("http://127.0.0.1:1".to_owned(), scheme);
        assert_clean("the builder's Debug", &format!("{builder:?} {builder:#?}"));
        let repo = builder.build().unwrap();
        let shown = format!("{repo:?} {repo:#?}");
        assert_clean("the repository's Debug", &shown);
        assert!(shown.contains("[REDACTED]"), "{shown}");
    }
}
