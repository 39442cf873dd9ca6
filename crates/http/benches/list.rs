//! What the SDK layer costs over a bare reqwest call.
//!
//! An in-process `collab-server` over the in-memory fake, on a loopback port, serves a
//! dataset with one config. In the same runtime and the same run, criterion measures
//!
//! - `sdk`: `HttpRepository::list` (URL building, auth, retry wrapper, status mapping,
//!   JSON decoding into `AccessConfig`s), and
//! - `bare`: `reqwest::Client::get(url?token=..).send()` then `.bytes()`: the HTTP round
//!   trip alone, the baseline;
//!
//! then, to report one ratio, runs both in alternating rounds and prints the SDK's
//! throughput as a fraction of the bare call's (target: at least 0.85 with no
//! subscriber). It then installs a subscriber that records the SDK's spans (a
//! `tracing-subscriber` registry with its fmt layer, writing to a sink, filtered to
//! `collab_http=info`: every call and attempt span is built and its fields formatted)
//! and prints the same ratio again.
//!
//! `cargo bench -p collab-http --bench list`
//! (`cargo test --benches` runs each once, as a smoke test.)

use std::time::{Duration, Instant};

use collab_core::{AccessConfigRepository, DatasetId, ShareRequest};
use collab_fake::InMemoryStore;
use collab_http::{HttpRepository, RetryPolicy};
use collab_server::{ServerConfig, ServerHandle, bind};
use criterion::{Criterion, Throughput};
use tokio::runtime::Runtime;
use tracing_subscriber::layer::SubscriberExt;

const TOKEN: &str = "bench-token";

struct Setup {
    _server: ServerHandle,
    repo: HttpRepository,
    bare: reqwest::Client,
    bare_url: String,
    dataset: DatasetId,
}

async fn setup() -> Setup {
    let dataset: DatasetId = "0123456789abcdef01234567".parse().expect("a dataset id");
    let store = InMemoryStore::new();
    store.add_dataset(dataset, "alice");
    let config = ServerConfig::new(move |user: &str| store.session(user)).with_user("alice", TOKEN);
    let server = bind("127.0.0.1:0".parse().expect("an address"), config)
        .await
        .expect("a loopback port")
        .spawn();
    let repo = HttpRepository::builder()
        .with_base_url(server.base_url())
        .with_api_token(TOKEN)
        .with_retry(RetryPolicy::none())
        .build()
        .expect("a repository");
    let request = ShareRequest::write(["ann@example.com", "bob@example.com"], ["acme"])
        .expect("a valid request");
    repo.create_or_update(&dataset, &request)
        .await
        .expect("one config");
    let bare_url = format!(
        "{}/v1/datasets/{dataset}/collaboration/access?token={TOKEN}",
        server.base_url()
    );
    Setup {
        _server: server,
        repo,
        bare: reqwest::Client::new(),
        bare_url,
        dataset,
    }
}

async fn sdk_list(setup: &Setup) {
    let configs = setup.repo.list(&setup.dataset).await.expect("a list");
    assert_eq!(configs.len(), 1);
}

async fn bare_list(setup: &Setup) {
    let body = setup
        .bare
        .get(&setup.bare_url)
        .send()
        .await
        .expect("an answer")
        .bytes()
        .await
        .expect("a body");
    assert!(!body.is_empty());
}

fn criterion_figures(criterion: &mut Criterion, runtime: &Runtime, setup: &Setup) {
    let mut group = criterion.benchmark_group("list");
    group.throughput(Throughput::Elements(1));
    group.bench_function("bare", |b| b.to_async(runtime).iter(|| bare_list(setup)));
    group.bench_function("sdk", |b| b.to_async(runtime).iter(|| sdk_list(setup)));
    group.finish();
}

/// Alternating rounds of each, so that drift of the machine hits both alike; returns
/// calls per second of (sdk, bare), the median over rounds.
fn alternating_rounds(runtime: &Runtime, setup: &Setup, rounds: usize, calls: u32) -> (f64, f64) {
    let mut sdk = Vec::with_capacity(rounds);
    let mut bare = Vec::with_capacity(rounds);
    runtime.block_on(async {
        for _ in 0..rounds {
            let started = Instant::now();
            for _ in 0..calls {
                bare_list(setup).await;
            }
            bare.push(f64::from(calls) / started.elapsed().as_secs_f64());
            let started = Instant::now();
            for _ in 0..calls {
                sdk_list(setup).await;
            }
            sdk.push(f64::from(calls) / started.elapsed().as_secs_f64());
        }
    });
    (median(&mut sdk), median(&mut bare))
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    // Two workers, as many as the machine's cores: the server and the client share them.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let setup = runtime.block_on(setup());

    let args: Vec<String> = std::env::args().collect();
    let benchmarking = args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--test");

    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    criterion_figures(&mut criterion, &runtime, &setup);
    criterion.final_summary();

    let (rounds, calls) = if benchmarking { (11, 2_000) } else { (1, 10) };
    let (sdk, bare) = alternating_rounds(&runtime, &setup, rounds, calls);
    println!(
        "list, no subscriber, median of {rounds} alternating rounds of {calls} calls: \
         sdk {sdk:.0}/s, bare reqwest {bare:.0}/s, ratio sdk/bare = {:.3} (target >= 0.85)",
        sdk / bare
    );

    // Global, so that the runtime's workers see it; the figures without one are done.
    let recording = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::sink))
        .with(tracing_subscriber::EnvFilter::new("collab_http=info"));
    tracing::subscriber::set_global_default(recording).expect("the first subscriber");
    let (sdk, bare) = alternating_rounds(&runtime, &setup, rounds, calls);
    println!(
        "list, span-recording subscriber, median of {rounds} alternating rounds of {calls} calls: \
         sdk {sdk:.0}/s, bare reqwest {bare:.0}/s, ratio sdk/bare = {:.3}",
        sdk / bare
    );
}
