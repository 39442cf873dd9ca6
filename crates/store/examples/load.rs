//! Load test: GET-list through `collab-server` over the durable store against the
//! same server over the in-memory fake, in one run.
//!
//! ```text
//! cargo run --release -p collab-store --example load [-- --seconds 3 --connections 32 --rounds 3]
//! ```
//!
//! Both servers hold the same dataset with one config and answer the same bytes. The
//! two take turns for `--rounds` rounds (so that noise from other work on the machine
//! hits both alike); each round, `--connections` tasks share one keep-alive reqwest
//! client and send `GET /v1/datasets/{id}/collaboration/access?token=...` in a loop for
//! `--seconds`. The ratio durable / in-memory is of each one's best round: what reading
//! from SQLite instead of a hash map costs a server.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use collab_core::{AccessConfigRepository, DatasetId, ShareRequest};
use collab_fake::InMemoryStore;
use collab_server::{RepositoryProvider, ServerConfig, ServerHandle, bind};
use collab_store::DurableStore;

const TOKEN: &str = "load-test-token";
const MAX_REQUESTS: u64 = 5_000_000;

type Failure = Box<dyn std::error::Error + Send + Sync>;

struct Settings {
    seconds: f64,
    connections: usize,
    rounds: usize,
}

fn settings() -> Result<Settings, Failure> {
    let mut settings = Settings {
        seconds: 3.0,
        connections: 32,
        rounds: 3,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--seconds" => settings.seconds = value.parse()?,
            "--connections" => settings.connections = value.parse()?,
            "--rounds" => settings.rounds = value.parse()?,
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    Ok(settings)
}

async fn start<P: RepositoryProvider>(provider: P) -> Result<ServerHandle, Failure> {
    let config = ServerConfig::new(provider).with_user("alice", TOKEN);
    Ok(bind("127.0.0.1:0".parse()?, config).await?.spawn())
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let settings = settings()?;
    let dataset: DatasetId = "0123456789abcdef01234567".parse()?;
    let request = ShareRequest::write(["ann@example.com", "bob@example.com"], ["acme"])?;

    let memory = InMemoryStore::new();
    memory.add_dataset(dataset, "alice");
    memory
        .session("alice")
        .create_or_update(&dataset, &request)
        .await?;
    let in_memory = start(move |user: &str| memory.session(user)).await?;

    let folder = std::env::temp_dir().join(format!("collab-store-load-{}", std::process::id()));
    std::fs::create_dir_all(&folder)?;
    let durable = DurableStore::open(folder.join("state.db"))?;
    durable.add_dataset(dataset, "alice")?;
    durable
        .session("alice")
        .create_or_update(&dataset, &request)
        .await?;
    let durable_server = start(move |user: &str| durable.session(user)).await?;

    let path = format!("/v1/datasets/{dataset}/collaboration/access?token={TOKEN}");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(settings.connections)
        .build()?;
    println!(
        "{} connections, {} s per target per round",
        settings.connections, settings.seconds
    );
    let (mut memory_best, mut durable_best) = (0.0f64, 0.0f64);
    for _ in 0..settings.rounds {
        let url = format!("{}{path}", in_memory.base_url());
        memory_best = memory_best.max(drive("in memory", &client, &url, &settings).await?);
        let url = format!("{}{path}", durable_server.base_url());
        durable_best = durable_best.max(drive("--data", &client, &url, &settings).await?);
    }
    println!(
        "best of {} rounds: in memory {memory_best:.0} requests/s, --data {durable_best:.0} \
         requests/s, ratio --data/in-memory {:.2}",
        settings.rounds,
        durable_best / memory_best
    );
    in_memory.shutdown().await;
    durable_server.shutdown().await;
    std::fs::remove_dir_all(&folder)?;
    Ok(())
}

/// Sends GETs to `url` from the configured number of tasks; prints and returns
/// requests/s. Every answer must be a `200` with a non-empty list.
async fn drive(
    name: &str,
    client: &reqwest::Client,
    url: &str,
    settings: &Settings,
) -> Result<f64, Failure> {
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(settings.seconds);
    let mut tasks = Vec::with_capacity(settings.connections);
    for _ in 0..settings.connections {
        let (done, client, url) = (Arc::clone(&done), client.clone(), url.to_owned());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline && done.load(Ordering::Relaxed) < MAX_REQUESTS {
                let response = client.get(&url).send().await?;
                let status = response.status();
                let body = response.bytes().await?;
                if status != 200 || !body.starts_with(b"[{") {
                    return Err(format!("unexpected answer {status}: {body:?}").into());
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<(), Failure>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let count = done.load(Ordering::Relaxed);
    let rate = count as f64 / elapsed;
    println!("{name:>10}: {count:>8} requests in {elapsed:.2} s = {rate:>8.0} requests/s");
    Ok(rate)
}
