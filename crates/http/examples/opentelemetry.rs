//! How `collab-http`'s spans reach OpenTelemetry: `tracing-opentelemetry`'s layer on
//! the application's subscriber turns every `collab_http.call` and
//! `collab_http.attempt` span into an OpenTelemetry span (the attempts as HTTP client
//! spans, by their `otel.kind`), here printed by the stdout exporter. An application
//! would export to its collector instead (`opentelemetry-otlp`).
//!
//! The libraries do not depend on OpenTelemetry; only this example does.
//!
//! `cargo run -p collab-http --example opentelemetry`

use collab_core::{AccessConfigRepository, DatasetId, ShareRequest};
use collab_http::HttpRepository;
use opentelemetry::trace::TracerProvider as _;
use tracing_subscriber::layer::SubscriberExt;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_simple_exporter(opentelemetry_stdout::SpanExporter::default())
        .build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("collab-example")))
        // The spans are at INFO: a filter at INFO keeps them and drops the debug events.
        .with(tracing_subscriber::EnvFilter::new("collab_http=info"));
    tracing::subscriber::set_global_default(subscriber)?;

    // An in-process `collab serve` over the in-memory fake, on a loopback port.
    let dataset: DatasetId = "0123456789abcdef01234567".parse()?;
    let store = collab_fake::InMemoryStore::new();
    store.add_dataset(dataset, "alice");
    let config = collab_server::ServerConfig::new(move |user: &str| store.session(user))
        .with_user("alice", "token-a");
    let server = collab_server::bind("127.0.0.1:0".parse()?, config)
        .await?
        .spawn();

    let repo = HttpRepository::builder()
        .with_base_url(server.base_url())
        .with_api_token("token-a")
        .build()?;
    repo.create_or_update(
        &dataset,
        &ShareRequest::write(["ann@example.com"], ["acme"])?,
    )
    .await?;
    let configs = repo.list(&dataset).await?;
    println!("{} config(s); the spans follow", configs.len());

    server.shutdown().await;
    provider.shutdown()?; // flushes the exporter
    Ok(())
}
