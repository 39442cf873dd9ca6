//! Request logs are structured and never hold a token.
//!
//! A binary of its own, with one test: it installs the process-wide tracing
//! subscriber, which would capture the other tests' logs in a shared binary. (A
//! subscriber scoped to the test's thread, `set_default`, is not enough: tracing
//! caches a callsite's interest process-wide, and a callsite first reached on another
//! test's thread, while no subscriber wanted it, stays off; measured: 0 access lines
//! in 2 of 4 runs of the shared binary.)

#[allow(dead_code)] // this binary uses a little of the shared set-up
#[path = "behaviour/support/mod.rs"]
mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use crate::support::{DATASET, TestServer};
use reqwest::StatusCode;

/// A log sink the test can read back.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("lock")).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn request_logs_have_method_path_status_latency_and_never_the_token() {
    let logs = Captured::default();
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("first subscriber");

    const SECRET: &str = "SECRET-7c1e5a";
    const WRONG: &str = "SECRET-wrong-93b2";
    let server = TestServer::start_with(|config| config.with_user("carol", SECRET)).await;
    server
        .store
        .add_dataset(DATASET.parse().expect("id"), "carol");
    let access = server.access_url(DATASET);
    let client = &server.client;

    let listed = client
        .get(format!("{access}?token={SECRET}"))
        .send()
        .await
        .expect("request");
    assert_eq!(listed.status(), StatusCode::OK);
    let shared = client
        .post(format!("{access}?token={SECRET}&x=1"))
        .json(&serde_json::json!({"accessType": "WRITE", "users": ["ann@example.com"]}))
        .send()
        .await
        .expect("request");
    assert_eq!(shared.status(), StatusCode::CREATED);
    let bearer = client
        .get(&access)
        .bearer_auth(SECRET)
        .send()
        .await
        .expect("request");
    assert_eq!(bearer.status(), StatusCode::OK);
    let refused = client
        .get(format!("{access}?token={WRONG}"))
        .send()
        .await
        .expect("request");
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let lost = client
        .get(server.url(&format!("/nowhere?token={SECRET}")))
        .send()
        .await
        .expect("request");
    assert_eq!(lost.status(), StatusCode::NOT_FOUND);
    server.handle.shutdown().await;

    let text = logs.text();
    assert!(
        !text.contains("SECRET"),
        "a token leaked into the logs:\n{text}"
    );
    let path = format!("/v1/datasets/{DATASET}/collaboration/access");
    let answered: Vec<&str> = text
        .lines()
        .filter(|line| line.contains("answered"))
        .collect();
    assert_eq!(answered.len(), 5, "one line per request:\n{text}");
    for (line, (method, status)) in answered.iter().zip([
        ("GET", 200),
        ("POST", 201),
        ("GET", 200),
        ("GET", 401),
        ("GET", 404),
    ]) {
        assert!(line.contains("collab_server::access: answered"), "{line}");
        assert!(line.contains(&format!("method={method}")), "{line}");
        assert!(line.contains(&format!("status={status}")), "{line}");
        assert!(line.contains("latency_ms="), "{line}");
        assert!(line.contains("path=/"), "{line}");
    }
    assert!(
        answered[0].contains(&format!("path={path}")) && answered[0].contains("user=carol"),
        "{}",
        answered[0]
    );
    assert!(answered[4].contains("path=/nowhere"), "{}", answered[4]);
}
