//! Load test: the real `collab serve` binary, as users run it (access log and request
//! journal on) and with each of them off, against a bare hyper service that answers the
//! same bytes, each driven the same way, in one run.
//!
//! ```text
//! cargo build --release --bin collab
//! cargo run --release -p collab-server --example load [-- --seconds 3 --connections 64 --rounds 3 --collab target/release/collab]
//! cargo run --release -p collab-server --example load -- --driver wrk --seconds 4 --rounds 3
//! cargo run --release -p collab-server --example load -- --mode memory --requests 1000000
//! cargo run --release -p collab-server --example load -- --mode state --configs 10000
//! ```
//!
//! `--driver wrk` drives each target with `wrk -t1 -c{connections} -d{seconds}s`
//! (Debian's `wrk` package) instead of this example's hyper client. `--mode memory`
//! sends `--requests` GETs to one `collab serve` with its default journal and prints its
//! resident memory (`VmRSS`) after the first 100 000 and at the end. `--mode state`
//! times `PUT /_collab/state` of a state with `--configs` configs (one dataset each),
//! `POST /_collab/reset` back to a start state that size, and `GET /_collab/state`.
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
    mode: String,
    driver: String,
    requests: u64,
    configs: usize,
}

/// The admin token of the servers this example starts.
const ADMIN: &str = "load-admin-token";

fn settings() -> Result<Settings, Failure> {
    let mut settings = Settings {
        seconds: 3.0,
        connections: 64,
        rounds: 3,
        collab: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/release/collab"),
        mode: "throughput".to_owned(),
        driver: "builtin".to_owned(),
        requests: 1_000_000,
        configs: 10_000,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--seconds" => settings.seconds = value.parse()?,
            "--connections" => settings.connections = value.parse()?,
            "--rounds" => settings.rounds = value.parse()?,
            "--collab" => settings.collab = value.into(),
            "--mode" => settings.mode = value,
            "--driver" => settings.driver = value,
            "--requests" => settings.requests = value.parse()?,
            "--configs" => settings.configs = value.parse()?,
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
    /// Starts `collab serve` with `log_filter` as `RUST_LOG` (none: the default) and
    /// `extra` flags.
    fn collab(
        collab: &PathBuf,
        name: &str,
        log_filter: Option<&str>,
        extra: &[&str],
    ) -> Result<Self, Failure> {
        let mut command = Command::new(collab);
        command
            .args(["serve", "--listen", "127.0.0.1:0", "--admin-token", ADMIN])
            .args(["--user", &format!("alice={TOKEN}")])
            .args(["--dataset", &format!("{DATASET}=alice")])
            .args(extra)
            .env_remove("RUST_LOG");
        if let Some(filter) = log_filter {
            command.env("RUST_LOG", filter);
        }
        Self::start(command, name)
    }

    /// The process's resident memory, in KiB (`VmRSS` of `/proc/PID/status`).
    fn rss_kib(&self) -> Result<u64, Failure> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let line = status
            .lines()
            .find(|line| line.starts_with("VmRSS:"))
            .ok_or("no VmRSS line")?;
        Ok(line
            .split_whitespace()
            .nth(1)
            .ok_or("no VmRSS value")?
            .parse()?)
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
    match settings.mode.as_str() {
        "throughput" => throughput(settings).await,
        "memory" => memory(settings).await,
        "state" => state_calls(settings).await,
        other => Err(format!("unknown --mode {other} (throughput, memory or state)").into()),
    }
}

/// The list path, with the token.
fn list_path() -> String {
    format!("/v1/datasets/{DATASET}/collaboration/access?token={TOKEN}")
}

const SHARE: &str =
    r#"{"accessType":"WRITE","users":["ann@example.com","bob@example.com"],"teams":["acme"]}"#;

async fn throughput(settings: Settings) -> Result<(), Failure> {
    let served = [
        Served::collab(&settings.collab, "default", None, &[])?,
        Served::collab(
            &settings.collab,
            "journal-off",
            None,
            &["--journal-size", "0"],
        )?,
        Served::collab(&settings.collab, "log-off", Some("warn"), &[])?,
    ];
    let path = list_path();
    let mut bodies = Vec::new();
    for served in &served {
        post(served.addr, &path, SHARE).await?;
        bodies.push(fetch(served.addr, &path).await?);
    }
    // The bare service answers exactly the bytes the default server answers.
    let bare = Served::bare(&bodies[0])?;

    println!(
        "{} connections, {} s per target, {} rounds, {} driver, list response of {} bytes",
        settings.connections,
        settings.seconds,
        settings.rounds,
        settings.driver,
        bodies[0].len()
    );
    let targets = [
        ("bare hyper", bare.addr, bodies[0].clone()),
        ("collab (log, journal)", served[0].addr, bodies[0].clone()),
        ("collab, journal off", served[1].addr, bodies[1].clone()),
        ("collab, log off", served[2].addr, bodies[2].clone()),
    ];
    let mut best = [0.0f64; 4];
    let mut ratios: [Vec<f64>; 3] = Default::default();
    for _ in 0..settings.rounds {
        let mut rates = [0.0f64; 4];
        for (i, (name, addr, body)) in targets.iter().enumerate() {
            rates[i] = match settings.driver.as_str() {
                "wrk" => drive_wrk(name, *addr, &path, &settings)?,
                _ => drive(name, *addr, &path, body, &settings).await?,
            };
            best[i] = best[i].max(rates[i]);
        }
        for (ratio, rate) in ratios.iter_mut().zip(&rates[1..]) {
            ratio.push(rate / rates[0]);
        }
    }
    println!(
        "best of {} rounds: bare {:.0} requests/s; collab as run (log and journal) {:.0} ({:.2}x bare), \
         journal off {:.0} ({:.2}x), log off {:.0} ({:.2}x)",
        settings.rounds,
        best[0],
        best[1],
        best[1] / best[0],
        best[2],
        best[2] / best[0],
        best[3],
        best[3] / best[0],
    );
    let [with_both, journal_off, log_off] = &mut ratios;
    println!(
        "median of the rounds' ratios (each round's collab against that round's bare): \
         as run {:.2}x, journal off {:.2}x, log off {:.2}x",
        median(with_both),
        median(journal_off),
        median(log_off),
    );
    let [default, journal_off, log_off] = served;
    let (lines, last) = default.stop()?;
    println!("the access log holds {lines} lines; its last: {last}");
    journal_off.stop()?;
    log_off.stop()?;
    Ok(())
}

/// Drives `addr` with wrk; the requests/s it reports.
fn drive_wrk(
    name: &str,
    addr: SocketAddr,
    path: &str,
    settings: &Settings,
) -> Result<f64, Failure> {
    let output = Command::new("wrk")
        .args(["-t1", &format!("-c{}", settings.connections)])
        .arg(format!("-d{}s", settings.seconds.ceil() as u64))
        .arg(format!("http://{addr}{path}"))
        .output()
        .map_err(|e| format!("cannot run wrk (apt-get install wrk): {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let rate: f64 = text
        .lines()
        .find_map(|line| line.trim().strip_prefix("Requests/sec:"))
        .ok_or_else(|| format!("wrk printed no Requests/sec: {text}"))?
        .trim()
        .parse()?;
    if text.contains("Non-2xx") {
        return Err(format!("{name}: wrk saw answers other than 2xx: {text}").into());
    }
    println!("{name:>22}: {rate:>9.0} requests/s (wrk)");
    Ok(rate)
}

/// Resident memory of one server after 100 000 requests and after `--requests`.
async fn memory(settings: Settings) -> Result<(), Failure> {
    let served = Served::collab(&settings.collab, "memory", Some("warn"), &[])?;
    let path = list_path();
    post(served.addr, &path, SHARE).await?;
    let body = fetch(served.addr, &path).await?;
    let first = settings.requests.min(100_000);
    send_count(served.addr, &path, &body, first, settings.connections).await?;
    let after_first = served.rss_kib()?;
    send_count(
        served.addr,
        &path,
        &body,
        settings.requests - first,
        settings.connections,
    )
    .await?;
    let after_all = served.rss_kib()?;
    println!(
        "journal of {} entries (the default): RSS after {first} requests {} KiB, after {} \
         requests {} KiB ({:+} KiB)",
        collab_server::DEFAULT_JOURNAL_SIZE,
        after_first,
        settings.requests,
        after_all,
        after_all as i64 - after_first as i64
    );
    served.stop()?;
    Ok(())
}

/// Sends `count` GETs over `connections` connections, checking each answer.
async fn send_count(
    addr: SocketAddr,
    path: &str,
    expected: &Bytes,
    count: u64,
    connections: usize,
) -> Result<(), Failure> {
    let left = Arc::new(AtomicU64::new(count));
    let mut workers = Vec::with_capacity(connections);
    for _ in 0..connections {
        let (left, path, expected) = (Arc::clone(&left), path.to_owned(), expected.clone());
        workers.push(tokio::spawn(async move {
            let mut sender = connect(addr).await?;
            while left
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok()
            {
                let response = sender.send_request(get(&path)?).await?;
                let status = response.status();
                let body = response.into_body().collect().await?.to_bytes();
                if status != 200 || body != expected {
                    return Err(format!("unexpected answer {status}: {body:?}").into());
                }
            }
            Ok::<(), Failure>(())
        }));
    }
    for worker in workers {
        worker.await??;
    }
    Ok(())
}

/// Times the control plane's state calls on a state of `--configs` configs.
async fn state_calls(settings: Settings) -> Result<(), Failure> {
    let count = settings.configs;
    let seed = std::env::temp_dir().join(format!("collab-load-seed-{}.json", std::process::id()));
    std::fs::write(&seed, state_document(count))?;
    let served = Served::collab(
        &settings.collab,
        "state",
        Some("warn"),
        &["--seed", &seed.display().to_string()],
    )?;
    let client = reqwest::Client::new();
    let base = format!("http://{}/_collab", served.addr);
    let document = client
        .get(format!("{base}/state"))
        .bearer_auth(ADMIN)
        .send()
        .await?
        .bytes()
        .await?;
    let mut timings: Vec<(&str, Vec<f64>)> = vec![
        ("PUT state", vec![]),
        ("reset", vec![]),
        ("GET state", vec![]),
    ];
    for _ in 0..5 {
        for (name, samples) in timings.iter_mut() {
            let request = match *name {
                "PUT state" => client.put(format!("{base}/state")).body(document.clone()),
                "reset" => client.post(format!("{base}/reset")),
                _ => client.get(format!("{base}/state")),
            };
            let started = Instant::now();
            let answer = request.bearer_auth(ADMIN).send().await?;
            let status = answer.status();
            answer.bytes().await?;
            samples.push(started.elapsed().as_secs_f64() * 1000.0);
            if !status.is_success() {
                return Err(format!("{name} answered {status}").into());
            }
        }
    }
    println!(
        "a state of {count} configs ({} KiB of JSON), median of 5 calls each:",
        document.len() / 1024
    );
    for (name, samples) in &mut timings {
        println!("{name:>10}: {:.1} ms", median(samples));
    }
    served.stop()?;
    let _ = std::fs::remove_file(&seed);
    Ok(())
}

/// A fixture document: alice and `count` datasets of hers, each with one config.
fn state_document(count: usize) -> String {
    let datasets: Vec<String> = (0..count)
        .map(|i| {
            format!(
                r#"{{"id": "{i:024x}", "owner": "alice", "configs": [{{"users": ["u{i}@example.com"], "teams": ["t{i}"]}}]}}"#
            )
        })
        .collect();
    format!(
        r#"{{"users": [{{"name": "alice", "token": "{TOKEN}"}}], "datasets": [{}]}}"#,
        datasets.join(",")
    )
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
    println!("{name:>22}: {count:>9} requests in {elapsed:.2} s = {rate:>9.0} requests/s");
    Ok(rate)
}
