//! Load test: the real `collab serve` binary, with its access log on at its default
//! level and off, against a bare hyper service that answers the same bytes, each
//! driven the same way, in one run.
//!
//! ```text
//! cargo build --release --bin collab
//! cargo run --release -p collab-server --example load [-- --seconds 3 --connections 64 --rounds 3 --collab target/release/collab]
//! ```
//!
//! The targets take turns for `--rounds` rounds, so that noise from other work on the
//! machine hits them alike; each ratio is of each target's best round. Each target
//! gets `--connections` HTTP/1.1 keep-alive connections on loopback, each sending
//! `GET /v1/datasets/{id}/collaboration/access?token=...` in a loop for `--seconds`
//! (and at most `MAX_REQUESTS` in all). The bare service skips everything the collab
//! server does per request (routing, authentication, the repository, serialisation,
//! the access log, deadlines, timeout and body-limit layers), so the ratio collab /
//! bare is the cost of all of that.
//!
//! `collab serve` runs as users run it: its own process, `--user` and `--dataset`
//! flags, the access log at its default level (`INFO`, one line per request) written
//! to stderr, which goes to a file here, and, for comparison, with `RUST_LOG=warn`
//! (no access log). The bare service runs in its own process too (this example,
//! started again with `--bare-body JSON`), so that no server shares the load
//! generator's runtime.

use std::convert::Infallible;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::{TcpListener, TcpStream};

const TOKEN: &str = "load-test-token";
const DATASET: &str = "0123456789abcdef01234567";
const MAX_REQUESTS: u64 = 5_000_000;

type Failure = Box<dyn std::error::Error + Send + Sync>;

struct Settings {
    seconds: f64,
    connections: usize,
    rounds: usize,
    collab: PathBuf,
}

fn settings() -> Result<Settings, Failure> {
    let mut settings = Settings {
        seconds: 3.0,
        connections: 64,
        rounds: 3,
        collab: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/release/collab"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--seconds" => settings.seconds = value.parse()?,
            "--connections" => settings.connections = value.parse()?,
            "--rounds" => settings.rounds = value.parse()?,
            "--collab" => settings.collab = value.into(),
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    if !settings.collab.is_file() {
        return Err(format!(
            "no collab binary at {}: build it first with `cargo build --release --bin collab`, or pass --collab PATH",
            settings.collab.display()
        )
        .into());
    }
    Ok(settings)
}

/// A server process (`collab serve` or the bare service), stopped when dropped.
struct Served {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
}

impl Served {
    /// Starts `collab serve` with `log_filter` as `RUST_LOG` (none: the default).
    fn collab(collab: &PathBuf, name: &str, log_filter: Option<&str>) -> Result<Self, Failure> {
        let mut command = Command::new(collab);
        command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(["--user", &format!("alice={TOKEN}")])
            .args(["--dataset", &format!("{DATASET}=alice")])
            .env_remove("RUST_LOG");
        if let Some(filter) = log_filter {
            command.env("RUST_LOG", filter);
        }
        Self::start(command, name)
    }

    /// Starts this example again as the bare service answering `body`.
    fn bare(body: &Bytes) -> Result<Self, Failure> {
        let mut command = Command::new(std::env::current_exe()?);
        command.arg("--bare-body").arg(std::str::from_utf8(body)?);
        Self::start(command, "bare")
    }

    /// Starts `command`, its stderr to a file, and reads the address from its first
    /// line (`listening on http://ADDR`).
    fn start(mut command: Command, name: &str) -> Result<Self, Failure> {
        let log =
            std::env::temp_dir().join(format!("collab-load-{}-{name}.log", std::process::id()));
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log)?);
        let mut child = command.spawn()?;
        let mut first = String::new();
        BufReader::new(child.stdout.take().ok_or("no stdout")?).read_line(&mut first)?;
        let addr = first
            .trim_end()
            .strip_prefix("listening on http://")
            .ok_or(format!("unexpected first line {first:?}"))?
            .parse()?;
        Ok(Self { child, addr, log })
    }

    /// Stops the server gracefully; the lines its log holds, and what it said last.
    fn stop(mut self) -> Result<(usize, String), Failure> {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()?;
        self.child.wait()?;
        let text = std::fs::read_to_string(&self.log)?;
        let last = text.lines().last().unwrap_or_default().to_owned();
        Ok((text.lines().count(), last))
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

fn main() -> Result<(), Failure> {
    let runtime = tokio::runtime::Runtime::new()?;
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("--bare-body") {
        let body = Bytes::from(args.next().ok_or("--bare-body needs the body")?);
        return runtime.block_on(serve_bare(body));
    }
    runtime.block_on(run(settings()?))
}

async fn run(settings: Settings) -> Result<(), Failure> {
    let logged = Served::collab(&settings.collab, "log-on", None)?;
    let quiet = Served::collab(&settings.collab, "log-off", Some("warn"))?;
    let path = format!("/v1/datasets/{DATASET}/collaboration/access?token={TOKEN}");
    let share =
        r#"{"accessType":"WRITE","users":["ann@example.com","bob@example.com"],"teams":["acme"]}"#;
    let mut bodies = Vec::new();
    for served in [&logged, &quiet] {
        post(served.addr, &path, share).await?;
        bodies.push(fetch(served.addr, &path).await?);
    }
    // The bare service answers exactly the bytes the logged server answers.
    let bare = Served::bare(&bodies[0])?;

    println!(
        "{} connections, {} s per target, {} rounds, list response of {} bytes",
        settings.connections,
        settings.seconds,
        settings.rounds,
        bodies[0].len()
    );
    let targets = [
        ("bare hyper", bare.addr, bodies[0].clone()),
        ("collab, log on", logged.addr, bodies[0].clone()),
        ("collab, log off", quiet.addr, bodies[1].clone()),
    ];
    let mut best = [0.0f64; 3];
    let (mut logged_ratios, mut quiet_ratios) = (Vec::new(), Vec::new());
    for _ in 0..settings.rounds {
        let mut rates = [0.0f64; 3];
        for (i, (name, addr, body)) in targets.iter().enumerate() {
            rates[i] = drive(name, *addr, &path, body, &settings).await?;
            best[i] = best[i].max(rates[i]);
        }
        logged_ratios.push(rates[1] / rates[0]);
        quiet_ratios.push(rates[2] / rates[0]);
    }
    let [bare_best, on_best, off_best] = best;
    println!(
        "best of {} rounds: bare {bare_best:.0} requests/s, collab with the access log {on_best:.0} \
         ({:.2}x bare), without {off_best:.0} ({:.2}x bare)",
        settings.rounds,
        on_best / bare_best,
        off_best / bare_best,
    );
    println!(
        "median of the rounds' ratios (each round's collab against that round's bare): \
         with the access log {:.2}x, without {:.2}x",
        median(&mut logged_ratios),
        median(&mut quiet_ratios),
    );
    let (lines, last) = logged.stop()?;
    println!("the access log holds {lines} lines; its last: {last}");
    quiet.stop()?;
    Ok(())
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// A fresh HTTP/1 connection's sender.
async fn connect(
    addr: SocketAddr,
) -> Result<hyper::client::conn::http1::SendRequest<Full<Bytes>>, Failure> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    Ok(sender)
}

/// Shares the dataset: one POST, which must answer `201`.
async fn post(addr: SocketAddr, path: &str, json: &str) -> Result<(), Failure> {
    let request = Request::post(path)
        .header("host", "127.0.0.1")
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(json.to_owned())))?;
    let response = connect(addr).await?.send_request(request).await?;
    if response.status() != 201 {
        return Err(format!("POST {path} answered {}", response.status()).into());
    }
    Ok(())
}

/// One GET on a fresh connection: the body, which must be a `200`.
async fn fetch(addr: SocketAddr, path: &str) -> Result<Bytes, Failure> {
    let response = connect(addr).await?.send_request(get(path)?).await?;
    if response.status() != 200 {
        return Err(format!("GET {path} answered {}", response.status()).into());
    }
    Ok(response.into_body().collect().await?.to_bytes())
}

fn get(path: &str) -> Result<Request<Full<Bytes>>, Failure> {
    Ok(Request::get(path)
        .header("host", "127.0.0.1")
        .body(Full::new(Bytes::new()))?)
}

/// The bare service: a hyper 1 service (hyper-util's auto builder) answering `body`
/// to every request, until killed. Its first line is `listening on http://ADDR`.
async fn serve_bare(body: Bytes) -> Result<(), Failure> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    println!("listening on http://{}", listener.local_addr()?);
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
    Ok(())
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
            let mut sender = connect(addr).await?;
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
    println!("{name:>16}: {count:>9} requests in {elapsed:.2} s = {rate:>9.0} requests/s");
    Ok(rate)
}
