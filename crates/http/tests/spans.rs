//! What an application's trace shows of a call: one span per port call, a child per
//! HTTP attempt with OpenTelemetry's HTTP client field names, an event per retry wait;
//! and never the credential, in any span, field or event (checked with a subscriber
//! that captures everything).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use collab_core::{AccessConfigRepository, DatasetId, ShareRequest};
use collab_http::{HttpRepository, RetryPolicy};
use serde_json::json;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "SeCrEt-span-4b1d9e";
const DATASET: &str = "0123456789abcdef01234567";

/// One span (its fields as recorded by its end) or one event.
#[derive(Debug, Clone)]
struct Seen {
    name: String,
    parent: Option<String>,
    fields: BTreeMap<String, String>,
    is_event: bool,
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<Seen>>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

/// Which entry of the capture a span is.
struct Index(usize);

impl<S> tracing_subscriber::Layer<S> for Capture
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        let span = ctx.span(id).expect("span");
        let parent = span.parent().map(|parent| parent.name().to_owned());
        let mut seen = self.0.lock().unwrap();
        seen.push(Seen {
            name: attrs.metadata().name().to_owned(),
            parent,
            fields,
            is_event: false,
        });
        span.extensions_mut().insert(Index(seen.len() - 1));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let span = ctx.span(id).expect("span");
        let extensions = span.extensions();
        let Index(index) = extensions.get::<Index>().expect("indexed");
        let mut seen = self.0.lock().unwrap();
        values.record(&mut Fields(&mut seen[*index].fields));
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        let parent = ctx.event_span(event).map(|span| span.name().to_owned());
        self.0.lock().unwrap().push(Seen {
            name: event.metadata().name().to_owned(),
            parent,
            fields,
            is_event: true,
        });
    }
}

impl Capture {
    fn seen(&self) -> Vec<Seen> {
        self.0.lock().unwrap().clone()
    }
}

fn dataset() -> DatasetId {
    DATASET.parse().expect("id")
}

/// A 503 first, then success: two attempts and one retry wait.
async fn flaky(verb: &str, success: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method(verb))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({
            "code": "UNAVAILABLE", "error": format!("echoing {SECRET}"), "requestId": "r-1"
        })))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method(verb))
        .respond_with(success)
        .with_priority(2)
        .mount(&server)
        .await;
    server
}

fn repo(server: &MockServer, bearer: bool) -> HttpRepository {
    let builder = HttpRepository::builder()
        .with_base_url(server.uri())
        .with_request_timeout(Duration::from_secs(30))
        .with_retry(
            RetryPolicy::new()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(10))
                .with_max_elapsed(Duration::from_secs(60))
                .with_jitter(false),
        );
    let builder = if bearer {
        builder.with_bearer_token(SECRET)
    } else {
        builder.with_api_token(SECRET)
    };
    builder.build().expect("repository")
}

/// Runs `work` with the capture as the thread's subscriber, at every level.
async fn captured<F: std::future::Future<Output = ()>>(work: F) -> Vec<Seen> {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry()
        .with(capture.clone())
        .with(tracing_subscriber::filter::LevelFilter::TRACE);
    let _guard = tracing::subscriber::set_default(subscriber);
    work.await;
    capture.seen()
}

fn spans_named<'a>(seen: &'a [Seen], name: &str) -> Vec<&'a Seen> {
    seen.iter()
        .filter(|s| !s.is_event && s.name == name)
        .collect()
}

#[tokio::test(flavor = "current_thread")]
async fn a_call_is_one_span_with_a_child_per_attempt_and_an_event_per_retry_wait() {
    let server = flaky("GET", ResponseTemplate::new(200).set_body_json(json!([]))).await;
    let repo = repo(&server, false);
    let seen = captured(async {
        repo.list(&dataset()).await.expect("the retry succeeds");
    })
    .await;

    let calls = spans_named(&seen, "collab_http.call");
    assert_eq!(calls.len(), 1, "{seen:#?}");
    let call = &calls[0].fields;
    assert_eq!(call["collab.operation"], "list");
    assert_eq!(call["collab.dataset"], DATASET);
    assert_eq!(call["collab.attempts"], "2");
    assert!(
        !call.contains_key("error.type"),
        "the call succeeded: {call:?}"
    );

    let attempts = spans_named(&seen, "collab_http.attempt");
    assert_eq!(attempts.len(), 2, "{seen:#?}");
    let host = server.address().ip().to_string();
    let port = server.address().port().to_string();
    for attempt in &attempts {
        assert_eq!(attempt.parent.as_deref(), Some("collab_http.call"));
        let fields = &attempt.fields;
        assert_eq!(fields["http.request.method"], "GET");
        assert_eq!(fields["otel.kind"], "client");
        assert_eq!(
            fields["url.path"],
            format!("/v1/datasets/{DATASET}/collaboration/access")
        );
        assert_eq!(fields["server.address"], host);
        assert_eq!(fields["server.port"], port);
    }
    let (first, second) = (&attempts[0].fields, &attempts[1].fields);
    assert_eq!(first["http.response.status_code"], "503");
    assert_eq!(first["error.type"], "503");
    assert!(
        !first.contains_key("http.request.resend_count"),
        "{first:?}"
    );
    assert_eq!(second["http.response.status_code"], "200");
    assert_eq!(second["http.request.resend_count"], "1");
    assert!(!second.contains_key("error.type"), "{second:?}");

    let waits: Vec<_> = seen
        .iter()
        .filter(|s| {
            s.is_event
                && s.fields
                    .get("message")
                    .is_some_and(|m| m.contains("retrying"))
        })
        .collect();
    assert_eq!(waits.len(), 1, "{seen:#?}");
    assert_eq!(waits[0].parent.as_deref(), Some("collab_http.call"));
    assert!(waits[0].fields.contains_key("delay_ms"), "{:?}", waits[0]);
    assert!(waits[0].fields["reason"].contains("r-1"), "{:?}", waits[0]);
}

#[tokio::test(flavor = "current_thread")]
async fn a_failed_call_records_its_error_type_and_a_delete_its_config() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "code": "FORBIDDEN", "error": "not the owner"
        })))
        .mount(&server)
        .await;
    let repo = repo(&server, true);
    let config = "89abcdef0123456789abcdef".parse().expect("id");
    let seen = captured(async {
        repo.delete(&dataset(), &config).await.unwrap_err();
    })
    .await;
    let calls = spans_named(&seen, "collab_http.call");
    assert_eq!(calls.len(), 1, "{seen:#?}");
    assert_eq!(calls[0].fields["collab.operation"], "delete");
    assert_eq!(calls[0].fields["collab.config"], "89abcdef0123456789abcdef");
    assert_eq!(calls[0].fields["error.type"], "forbidden");
    let attempts = spans_named(&seen, "collab_http.attempt");
    assert_eq!(attempts.len(), 1, "a 403 is final: {seen:#?}");
    assert_eq!(attempts[0].fields["error.type"], "403");
}

#[tokio::test(flavor = "current_thread")]
async fn no_span_field_or_event_holds_the_credential_with_either_scheme() {
    for bearer in [false, true] {
        let server = flaky(
            "POST",
            ResponseTemplate::new(201).set_body_json(json!({"id": "89abcdef0123456789abcdef"})),
        )
        .await;
        let repo = repo(&server, bearer);
        let seen = captured(async {
            let request = ShareRequest::write(["ann@example.com"], ["acme"]).expect("request");
            repo.create_or_update(&dataset(), &request)
                .await
                .expect("the retry succeeds");
            repo.list(&dataset()).await.unwrap_err();
        })
        .await;
        assert!(seen.len() > 4, "{seen:#?}");
        for record in &seen {
            let text = format!("{record:?}");
            assert!(!text.contains(SECRET), "bearer={bearer}: {text}");
            assert!(!text.contains("token="), "bearer={bearer}: {text}");
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn an_attempt_without_an_answer_records_the_kind_of_failure() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let repo = HttpRepository::builder()
        .with_base_url(format!("http://127.0.0.1:{port}"))
        .with_api_token(SECRET)
        .with_retry(RetryPolicy::none())
        .build()
        .expect("repository");
    let seen = captured(async {
        repo.list(&dataset()).await.unwrap_err();
    })
    .await;
    let attempts = spans_named(&seen, "collab_http.attempt");
    assert_eq!(attempts.len(), 1, "{seen:#?}");
    assert_eq!(attempts[0].fields["error.type"], "connect");
    assert!(!attempts[0].fields.contains_key("http.response.status_code"));
    assert_eq!(
        spans_named(&seen, "collab_http.call")[0].fields["error.type"],
        "unavailable"
    );
}
