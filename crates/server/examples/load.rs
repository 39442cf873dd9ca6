//! Load test: the collab server over the in-memory fake against a bare hyper service
//! that answers the same bytes, each driven the same way, in one run.
//!
//! ```text
//! cargo run --release -p collab-server --example load [-- --seconds 3 --connections 64 --rounds 2]
//! ```
//!
//! The targets take turns for `--rounds` rounds, so that noise from other work on the
//! machine hits both alike; the ratio is of each target's best round. Each target gets `--connections` HTTP/1.1 keep-alive connections on loopback, each
//! sending `GET /v1/datasets/{id}/collaboration/access?token=...` in a loop for
//! `--seconds` (and at most `MAX_REQUESTS` in all). The bare service skips everything
//! the collab server does per request (routing, authentication, the repository,
//! serialisation, logging spans, timeout and body-limit layers), so the ratio
//! collab / bare is the cost of all of that.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use collab_core::{AccessConfigRepository, DatasetId, ShareRequest};
use collab_fake::InMemoryStore;
use collab_server::{ServerConfig, bind};
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Bytes;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::{TcpListener, TcpStream};

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
        connections: 64,
        rounds: 2,
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

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let settings = settings()?;
    let dataset: DatasetId = "0123456789abcdef01234567".parse()?;
    let store = InMemoryStore::new();
    store.add_dataset(dataset, "alice");
    let request = ShareRequest::write(["ann@example.com", "bob@example.com"], ["acme"])?;
    store
        .session("alice")
        .create_or_update(&dataset, &request)
        .await?;

    let config = ServerConfig::new(move |user: &str| store.session(user)).with_user("alice", TOKEN);
    let collab = bind("127.0.0.1:0".parse()?, config).await?.spawn();
    let path = format!("/v1/datasets/{dataset}/collaboration/access?token={TOKEN}");

    // The bare service answers exactly the bytes the collab server answers.
    let body = fetch(collab.local_addr(), &path).await?;
    let bare = spawn_bare(body.clone()).await?;

    println!(
        "{} connections, {} s per target, list response of {} bytes",
        settings.connections,
        settings.seconds,
        body.len()
    );
    let (mut bare_best, mut collab_best) = (0.0f64, 0.0f64);
    for _ in 0..settings.rounds {
        bare_best = bare_best.max(drive("bare hyper", bare, &path, &body, &settings).await?);
        let collab_rate = drive(
            "collab server",
            collab.local_addr(),
            &path,
            &body,
            &settings,
        );
        collab_best = collab_best.max(collab_rate.await?);
    }
    println!(
        "best of {} rounds: bare {bare_best:.0} requests/s, collab {collab_best:.0} requests/s, \
         ratio collab/bare {:.2}",
        settings.rounds,
        collab_best / bare_best
    );
    collab.shutdown().await;
    Ok(())
}

/// One GET on a fresh connection: the body, which must be a `200`.
async fn fetch(addr: SocketAddr, path: &str) -> Result<Bytes, Failure> {
    let stream = TcpStream::connect(addr).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let response = sender.send_request(get(path)?).await?;
    if response.status() != 200 {
        return Err(format!("GET {path} answered {}", response.status()).into());
    }
    Ok(response.into_body().collect().await?.to_bytes())
}

fn get(path: &str) -> Result<Request<Empty<Bytes>>, Failure> {
    Ok(Request::get(path)
        .header("host", "127.0.0.1")
        .body(Empty::new())?)
}

/// A hyper 1 service (hyper-util's auto builder) answering `body` to every request.
async fn spawn_bare(body: Bytes) -> Result<SocketAddr, Failure> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let _ = stream.set_nodelay(true);
            let body = body.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |_request| {
                    let mut response = Response::new(Full::new(body.clone()));
                    response
                        .headers_mut()
                        .insert("content-type", "application/json".parse().expect("valid"));
                    async move { Ok::<_, Infallible>(response) }
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(addr)
}

/// Drives `addr` with the configured connections; prints and returns requests/s.
async fn drive(
    name: &str,
    addr: SocketAddr,
    path: &str,
    expected: &Bytes,
    settings: &Settings,
) -> Result<f64, Failure> {
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(settings.seconds);
    let mut workers = Vec::with_capacity(settings.connections);
    for _ in 0..settings.connections {
        let (done, path, expected) = (Arc::clone(&done), path.to_owned(), expected.clone());
        workers.push(tokio::spawn(async move {
            let stream = TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(connection);
            while Instant::now() < deadline && done.load(Ordering::Relaxed) < MAX_REQUESTS {
                let response = sender.send_request(get(&path)?).await?;
                let status = response.status();
                let body = response.into_body().collect().await?.to_bytes();
                if status != 200 || body != expected {
                    return Err(format!("unexpected answer {status}: {body:?}").into());
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<(), Failure>(())
        }));
    }
    for worker in workers {
        worker.await??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let count = done.load(Ordering::Relaxed);
    let rate = count as f64 / elapsed;
    println!("{name:>14}: {count:>9} requests in {elapsed:.2} s = {rate:>9.0} requests/s");
    Ok(rate)
}
