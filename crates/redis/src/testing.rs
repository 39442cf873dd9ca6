//! Test support (feature `testing`): a real `redis-server` per test, on an ephemeral
//! loopback port, without persistence, stopped when dropped.
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use collab_redis::testing::RedisServer;
//! let server = RedisServer::start(); // fails the test if redis-server is missing
//! let coordinator = server.config().build().unwrap();
//! coordinator.ping().await.unwrap();
//! # }
//! ```

use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::RedisConfig;
use crate::token::random_u64;

/// How long a `redis-server` may take to say it accepts connections.
const STARTUP_DEADLINE: Duration = Duration::from_secs(20);
/// How many ports to try when the one picked was taken meanwhile.
const PORT_ATTEMPTS: usize = 5;
/// The server's program, looked up on `PATH`.
const PROGRAM: &str = "redis-server";
/// What `redis-server` prints once it accepts connections.
const READY_LINE: &str = "Ready to accept connections";

/// A `redis-server` child process for one test. Dropping it kills the server.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
}

impl RedisServer {
    /// Starts `redis-server` on a free loopback port, with no persistence
    /// (`--save '' --appendonly no`), and returns once it accepts connections.
    ///
    /// # Panics
    ///
    /// When `redis-server` is not installed (the message says how to install it), or
    /// it does not start within 20 s.
    pub fn start() -> Self {
        let mut last_failure = String::new();
        for _ in 0..PORT_ATTEMPTS {
            let port = free_port();
            match spawn(PROGRAM, port) {
                Ok(child) => {
                    return Self {
                        child: Some(child),
                        port,
                    };
                }
                Err(failure) => last_failure = failure,
            }
        }
        panic!("redis-server did not start on any of {PORT_ATTEMPTS} ports: {last_failure}");
    }

    /// The server's URL, `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// A configuration for this server with a key prefix of its own (so that
    /// coordinators of one test share keys with each other only), short waits and
    /// short leases fit for tests.
    pub fn config(&self) -> RedisConfig {
        RedisConfig::new()
            .with_url(self.url())
            .with_key_prefix(format!("test-{:016x}:", random_u64()))
            .with_command_timeout(Duration::from_secs(2))
    }

    /// Kills the server (as a crash would) and waits until it is gone.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // It may have exited already; either way it is gone after `wait`.
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port, empty (nothing was persisted), and
    /// returns once it accepts connections.
    ///
    /// # Panics
    ///
    /// When it does not start (e.g. the port was taken meanwhile).
    pub fn restart(&mut self) {
        self.stop();
        match spawn(PROGRAM, self.port) {
            Ok(child) => self.child = Some(child),
            Err(failure) => panic!(
                "redis-server did not restart on port {}: {failure}",
                self.port
            ),
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A port nobody listens on right now (the OS picks it).
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("the OS gives an ephemeral loopback port")
}

/// Starts `program` (`redis-server`) on `port` and waits for its ready line; the error
/// says why it did not start.
fn spawn(program: &str, port: u16) -> Result<Child, String> {
    let mut child = Command::new(program)
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .args(["--protected-mode", "yes", "--loglevel", "notice"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|error| {
            panic!(
                "cannot run {program} ({error}): these tests need a real Redis; \
                 install it with `apt-get install -y redis-server` (CI's .ci/run does)"
            )
        });
    let stdout = child.stdout.take().expect("stdout is piped");
    let (ready, signal) = mpsc::channel();
    // Reads the log until the server exits, so that it never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut log = Vec::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains(READY_LINE) {
                let _ = ready.send(Ok(()));
            } else if log.len() < 20 {
                log.push(line);
            }
        }
        let _ = ready.send(Err(log.join("\n")));
    });
    match signal.recv_timeout(STARTUP_DEADLINE) {
        Ok(Ok(())) => Ok(child),
        Ok(Err(log)) => {
            let _ = child.wait();
            Err(format!("redis-server exited on port {port}: {log}"))
        }
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            Err(format!(
                "redis-server did not accept connections on port {port} within {STARTUP_DEADLINE:?}"
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(
        expected = "these tests need a real Redis; install it with `apt-get install -y redis-server`"
    )]
    fn a_missing_redis_server_fails_the_test_saying_how_to_install_it() {
        let _ = spawn("collab-test-no-such-redis-server", free_port());
    }

    #[test]
    fn a_started_server_answers_and_is_gone_once_stopped() {
        let mut server = RedisServer::start();
        let address = ("127.0.0.1", server.port);
        assert!(
            std::net::TcpStream::connect(address).is_ok(),
            "it accepts connections"
        );
        server.stop();
        assert!(
            std::net::TcpStream::connect(address).is_err(),
            "stopped means gone"
        );
    }
}
