//! A client that says what it is doing: a `WARN` event per retry (which attempt failed,
//! the wait before the next), and an error that says how many attempts were made and,
//! for a write that timed out or lost its connection, that its outcome is unknown.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use collab_core::{AccessConfigRepository, DatasetId, Error, FailedAttempts, ShareRequest};
use collab_http::{HttpRepository, RetryPolicy};
use serde_json::json;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const DATASET: &str = "0123456789abcdef01234567";

fn dataset() -> DatasetId {
    DATASET.parse().unwrap()
}

/// Retries quickly and without jitter, so that the waits are known.
fn retry(max_attempts: u32) -> RetryPolicy {
    RetryPolicy::new()
        .with_max_attempts(max_attempts)
        .with_initial_backoff(Duration::from_millis(5))
        .with_max_backoff(Duration::from_millis(50))
        .with_max_elapsed(Duration::from_secs(10))
        .with_jitter(false)
}

fn repo(url: &str, max_attempts: u32) -> HttpRepository {
    HttpRepository::builder()
        .with_base_url(url)
        .with_api_token("tok-retry-events")
        .with_request_timeout(Duration::from_millis(200))
        .with_retry(retry(max_attempts))
        .build()
        .unwrap()
}

/// An event: its level and fields (the message as `message`).
#[derive(Debug, Clone)]
struct Event {
    level: tracing::Level,
    target: String,
    fields: std::collections::BTreeMap<String, String>,
}

#[derive(Clone, Default)]
struct Events(Arc<Mutex<Vec<Event>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Events {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        struct Fields<'a>(&'a mut std::collections::BTreeMap<String, String>);
        impl Visit for Fields<'_> {
            fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
                self.0.insert(field.name().to_owned(), format!("{value:?}"));
            }
            fn record_str(&mut self, field: &Field, value: &str) {
                self.0.insert(field.name().to_owned(), value.to_owned());
            }
        }
        let mut fields = std::collections::BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        self.0.lock().unwrap().push(Event {
            level: *event.metadata().level(),
            target: event.metadata().target().to_owned(),
            fields,
        });
    }
}

impl Events {
    fn warnings(&self) -> Vec<Event> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.level == tracing::Level::WARN)
            .cloned()
            .collect()
    }
}

fn capture() -> (Events, tracing::subscriber::DefaultGuard) {
    let events = Events::default();
    collab_testkit::keep_every_callsite_interested();
    let guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(events.clone()));
    (events, guard)
}

#[tokio::test(flavor = "current_thread")]
async fn each_retry_is_one_warning_with_the_attempt_and_the_wait() {
    let (events, _guard) = capture();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({"code": "UNAVAILABLE"})))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;

    let listed = repo(&server.uri(), 3).list(&dataset()).await.unwrap();
    assert!(listed.is_empty());

    let warnings = events.warnings();
    assert_eq!(warnings.len(), 2, "one warning per retry: {warnings:#?}");
    for (index, warning) in warnings.iter().enumerate() {
        let attempt = (index + 1).to_string();
        assert_eq!(warning.fields["attempt"], attempt, "{warning:?}");
        assert_eq!(
            warning.fields["next_attempt"],
            (index + 2).to_string(),
            "{warning:?}"
        );
        assert_eq!(warning.fields["collab.operation"], "list", "{warning:?}");
        assert_eq!(
            warning.target,
            collab_http::RETRY_TARGET,
            "filterable alone"
        );
        let message = &warning.fields["message"];
        assert!(
            message.starts_with(&format!(
                "collab-http: attempt {attempt} failed, retrying in "
            )),
            "{message}"
        );
        assert!(
            warning.fields["reason"].contains("503")
                || warning.fields["reason"].contains("unavailable"),
            "{warning:?}"
        );
        assert!(
            !format!("{warning:?}").contains("tok-retry-events"),
            "no token in the event"
        );
    }
    assert_eq!(
        warnings[0].fields["delay_ms"], "5",
        "the first wait: {warnings:?}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_call_that_succeeds_at_once_warns_nothing() {
    let (events, _guard) = capture();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    repo(&server.uri(), 3).list(&dataset()).await.unwrap();
    assert!(events.warnings().is_empty(), "{:?}", events.warnings());
}

#[tokio::test(flavor = "current_thread")]
async fn a_write_that_timed_out_three_times_says_so_and_that_its_outcome_is_unknown() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"id": "89abcdef0123456789abcdef"}))
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    let request = ShareRequest::users_only(["ann@example.com"]).unwrap();

    let error = repo(&server.uri(), 3)
        .create_or_update(&dataset(), &request)
        .await
        .unwrap_err();

    assert!(matches!(error, Error::Unavailable { .. }), "{error:?}");
    assert_eq!(error.attempts(), Some(3), "{error:?}");
    assert!(error.outcome_unknown(), "{error:?}");
    let message = error.to_string();
    assert!(
        message.starts_with(
            "service unavailable: after 3 attempts, the write's outcome is unknown (it may have been applied): POST "
        ),
        "{message}"
    );
    assert!(message.contains("timed out after 200 ms"), "{message}");
    let transport = error
        .find_source::<reqwest::Error>()
        .expect("the transport error is kept under FailedAttempts");
    assert!(transport.is_timeout());
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        3,
        "three attempts reached the service"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_write_that_could_not_connect_says_its_attempts_and_that_nothing_was_sent() {
    // A port that was just free: nothing listens there, so no attempt sent anything.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let request = ShareRequest::users_only(["ann@example.com"]).unwrap();
    let error = repo(&format!("http://127.0.0.1:{port}"), 2)
        .create_or_update(&dataset(), &request)
        .await
        .unwrap_err();

    assert_eq!(error.attempts(), Some(2), "{error:?}");
    assert!(!error.outcome_unknown(), "nothing was sent: {error:?}");
    assert!(
        error
            .to_string()
            .starts_with("service unavailable: after 2 attempts: POST "),
        "{error}"
    );
    assert_eq!(
        error.find_source::<FailedAttempts>().map(|f| f.attempts),
        Some(2)
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_read_that_failed_says_its_attempts_but_no_unknown_outcome() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({"code": "UNAVAILABLE"})))
        .mount(&server)
        .await;
    let error = repo(&server.uri(), 3).list(&dataset()).await.unwrap_err();
    assert_eq!(error.attempts(), Some(3), "{error:?}");
    assert!(
        !error.outcome_unknown(),
        "a read changes nothing: {error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with("service unavailable: after 3 attempts: "),
        "{error}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_write_refused_at_its_only_attempt_keeps_its_error_as_it_was() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({"code": "FORBIDDEN", "error": "not yours"})),
        )
        .mount(&server)
        .await;
    let request = ShareRequest::users_only(["ann@example.com"]).unwrap();
    let error = repo(&server.uri(), 3)
        .create_or_update(&dataset(), &request)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Forbidden { message } if message.contains("not yours")),
        "{error:?}"
    );
    assert_eq!(error.attempts(), None);
    assert!(!error.outcome_unknown());
}
