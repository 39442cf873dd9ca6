//! A delete that finds no config after a retry is reported done only when an earlier
//! attempt may have reached the service: a connection that could not be made sent
//! nothing, so a missing config is still a not-found then.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use collab_core::{AccessConfigId, AccessConfigRepository, DatasetId, Error};
use collab_http::{HttpRepository, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Notify;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};

/// Wakes the test when the adapter schedules a retry, so that it can bring the service
/// up between two attempts without guessing at timing.
struct OnRetry(Arc<Notify>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for OnRetry {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        struct Message(bool);
        impl Visit for Message {
            fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" && format!("{value:?}").contains("retrying") {
                    self.0 = true;
                }
            }
        }
        let mut message = Message(false);
        event.record(&mut message);
        if message.0 {
            self.0.notify_one();
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_refused_connection_then_a_missing_config_is_still_not_found() {
    let retrying = Arc::new(Notify::new());
    let subscriber = tracing_subscriber::registry().with(OnRetry(Arc::clone(&retrying)));
    let _guard = tracing::subscriber::set_default(subscriber);

    // A port nobody listens on, for now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let repo = HttpRepository::builder()
        .with_base_url(format!("http://127.0.0.1:{port}"))
        .with_api_token("token")
        .with_retry(
            RetryPolicy::new()
                .with_max_attempts(2)
                .with_initial_backoff(Duration::from_millis(300))
                .with_max_backoff(Duration::from_millis(300))
                .with_max_elapsed(Duration::from_secs(10))
                .with_jitter(false),
        )
        .build()
        .unwrap();
    let dataset: DatasetId = "0123456789abcdef01234567".parse().unwrap();
    let config: AccessConfigId = "89abcdef0123456789abcdef".parse().unwrap();
    let requests = Arc::new(Mutex::new(0));

    let service = {
        let requests = Arc::clone(&requests);
        async move {
            // The first attempt was refused; now the service comes up and answers.
            retrying.notified().await;
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
                .await
                .unwrap();
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request).await.unwrap();
            *requests.lock().unwrap() += 1;
            let body = r#"{"code":"ACCESS_CONTROL_UNKNOWN","message":"no such config"}"#;
            let answer = format!(
                "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(answer.as_bytes()).await.unwrap();
        }
    };
    let (result, ()) = tokio::time::timeout(Duration::from_secs(10), async {
        tokio::join!(repo.delete(&dataset, &config), service)
    })
    .await
    .expect("the call ends in time");

    assert_eq!(
        *requests.lock().unwrap(),
        1,
        "the second attempt reached the service"
    );
    assert!(
        matches!(result, Err(Error::AccessConfigNotFound { config: c, .. }) if c == config),
        "nothing was sent by the refused attempt, so the config was never there: {result:?}"
    );
}
