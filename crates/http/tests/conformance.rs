//! The port's conformance suite and model test, run against HttpRepository talking to
//! an in-process `collab-server` over `collab-fake` on an ephemeral loopback port.
//!
//! Fixture: alice owns both datasets (token A), bob is a known stranger (token B), and
//! the unauthenticated repository sends a token the server does not know.

use std::sync::Arc;
use std::time::Duration;

use collab_core::AccessConfigRepository;
use collab_http::{HttpRepository, RetryPolicy};
use collab_server::{ServerConfig, bind};
use collab_testkit::fake::populated_store;
use collab_testkit::{Fixture, OWNER, STRANGER, check_against_model, run_conformance};

const TOKEN_A: &str = "token-a-alice";
const TOKEN_B: &str = "token-b-bob";
const WRONG_TOKEN: &str = "token-nobody-knows";

#[derive(Clone, Copy)]
enum Scheme {
    ApiToken,
    Bearer,
}

/// Quick retries, so that a transient failure neither fails nor stalls the suite.
fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(100),
        max_elapsed: Duration::from_secs(5),
        jitter: true,
    }
}

fn repo(base_url: &str, token: &str, scheme: Scheme) -> HttpRepository {
    let builder = HttpRepository::builder()
        .with_base_url(base_url)
        .with_retry(quick_retries())
        .with_request_timeout(Duration::from_secs(5));
    match scheme {
        Scheme::ApiToken => builder.with_api_token(token),
        Scheme::Bearer => builder.with_bearer_token(token),
    }
    .build()
    .expect("a repository")
}

/// A fresh store with the standard fixture's users and datasets, and their tokens.
fn server_config() -> ServerConfig<impl Fn(&str) -> collab_fake::Session + Send + Sync + 'static> {
    let store = populated_store();
    ServerConfig::new(move |user: &str| store.session(user))
        .with_user(OWNER, TOKEN_A)
        .with_user(STRANGER, TOKEN_B)
}

fn fixture(base_url: &str, scheme: Scheme) -> Fixture<HttpRepository> {
    Fixture::standard(
        repo(base_url, TOKEN_A, scheme),
        repo(base_url, TOKEN_B, scheme),
        repo(base_url, WRONG_TOKEN, scheme),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_with_an_api_token() {
    let server = bind("127.0.0.1:0".parse().unwrap(), server_config())
        .await
        .unwrap()
        .spawn();
    run_conformance(&fixture(&server.base_url(), Scheme::ApiToken)).await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_with_a_bearer_token_through_arc_dyn() {
    let server = bind("127.0.0.1:0".parse().unwrap(), server_config())
        .await
        .unwrap()
        .spawn();
    let fixture = fixture(&server.base_url(), Scheme::Bearer)
        .map(|repo| Arc::new(repo) as Arc<dyn AccessConfigRepository>);
    run_conformance(&fixture).await;
    server.shutdown().await;
}

#[test]
fn agrees_with_the_model() {
    // Each case gets a fresh store behind a fresh server on its own port. The server
    // runs until check_against_model's runtime ends, which cancels its task.
    check_against_model(32, || async {
        let server = bind("127.0.0.1:0".parse().unwrap(), server_config())
            .await
            .unwrap();
        let base_url = format!("http://{}", server.local_addr());
        tokio::spawn(server.serve(std::future::pending()));
        fixture(&base_url, Scheme::ApiToken)
    });
}
