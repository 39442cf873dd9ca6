//! The port's conformance suite and model test, run against HttpRepository talking to
//! an in-process `collab-server` over `collab-fake` on an ephemeral loopback port.
//!
//! Each generation of the wire runs the suite against a server pinned to it: today's
//! with no generation set on the client's side, the 2022 one with the client pinned
//! to it; and a server in `auto` mode runs it too.
//!
//! Fixture: alice owns both datasets (token A), bob is a known stranger (token B), and
//! the unauthenticated repository sends a token the server does not know.

use std::sync::Arc;
use std::time::Duration;

use collab_core::AccessConfigRepository;
use collab_core::wire::WireGeneration;
use collab_http::{HttpRepository, RetryPolicy};
use collab_server::{ServerConfig, WireMode, bind};
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
    RetryPolicy::new()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(10))
        .with_max_backoff(Duration::from_millis(100))
        .with_max_elapsed(Duration::from_secs(5))
        .with_jitter(true)
}

/// A client; `generation` pins its wire generation, `None` keeps the default.
fn repo(
    base_url: &str,
    token: &str,
    scheme: Scheme,
    generation: Option<WireGeneration>,
) -> HttpRepository {
    let mut builder = HttpRepository::builder()
        .with_base_url(base_url)
        .with_retry(quick_retries())
        .with_request_timeout(Duration::from_secs(5));
    if let Some(generation) = generation {
        builder = builder.with_wire_generation(generation);
    }
    match scheme {
        Scheme::ApiToken => builder.with_api_token(token),
        Scheme::Bearer => builder.with_bearer_token(token),
    }
    .build()
    .expect("a repository")
}

/// A fresh store with the standard fixture's users and datasets, and their tokens.
fn server_config(
    mode: WireMode,
) -> ServerConfig<impl Fn(&str) -> collab_fake::Session + Send + Sync + 'static> {
    let store = populated_store();
    ServerConfig::new(move |user: &str| store.session(user))
        .with_user(OWNER, TOKEN_A)
        .with_user(STRANGER, TOKEN_B)
        .with_wire_mode(mode)
}

fn fixture(
    base_url: &str,
    scheme: Scheme,
    generation: Option<WireGeneration>,
) -> Fixture<HttpRepository> {
    Fixture::standard(
        repo(base_url, TOKEN_A, scheme, generation),
        repo(base_url, TOKEN_B, scheme, generation),
        repo(base_url, WRONG_TOKEN, scheme, generation),
    )
}

async fn spawn(mode: WireMode) -> collab_server::ServerHandle {
    bind("127.0.0.1:0".parse().unwrap(), server_config(mode))
        .await
        .unwrap()
        .spawn()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_today_with_no_generation_set_on_the_client() {
    let server = spawn(WireMode::Pinned(WireGeneration::Current)).await;
    run_conformance(&fixture(&server.base_url(), Scheme::ApiToken, None)).await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_in_the_2022_generation() {
    let server = spawn(WireMode::Pinned(WireGeneration::V2022)).await;
    let generation = Some(WireGeneration::V2022);
    run_conformance(&fixture(&server.base_url(), Scheme::ApiToken, generation)).await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_with_a_bearer_token_through_arc_dyn_against_auto() {
    let server = spawn(WireMode::Auto).await;
    let fixture = fixture(&server.base_url(), Scheme::Bearer, None)
        .map(|repo| Arc::new(repo) as Arc<dyn AccessConfigRepository>);
    run_conformance(&fixture).await;
    server.shutdown().await;
}

/// Each case gets a fresh store behind a fresh server on its own port. The server runs
/// until check_against_model's runtime ends, which cancels its task.
fn agrees_with_the_model_in(generation: WireGeneration, cases: u32) {
    check_against_model(cases, move || async move {
        let server = bind(
            "127.0.0.1:0".parse().unwrap(),
            server_config(WireMode::Pinned(generation)),
        )
        .await
        .unwrap();
        let base_url = format!("http://{}", server.local_addr());
        tokio::spawn(server.serve(std::future::pending()));
        fixture(&base_url, Scheme::ApiToken, Some(generation))
    });
}

#[test]
fn agrees_with_the_model_today() {
    agrees_with_the_model_in(WireGeneration::Current, 32);
}

#[test]
fn agrees_with_the_model_in_2022() {
    agrees_with_the_model_in(WireGeneration::V2022, 16);
}
