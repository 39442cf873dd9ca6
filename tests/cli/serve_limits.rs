//! End-to-end: `collab serve` stops within its grace period even when a client is
//! half-way through a request, a second signal stops it at once, and its deadline
//! and limit flags refuse nonsense before listening.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use crate::support::poll::{poll, until};
use crate::support::{ServeProcess, collab_command};

/// Starts `collab serve --user alice=... ARGS` on an ephemeral port; returns once
/// it listens, with its address.
fn serve(args: &[&str]) -> (ServeProcess, SocketAddr) {
    let mut all = vec!["--user", "alice=alice-token"];
    all.extend_from_slice(args);
    let served = ServeProcess::start(&all);
    let addr = served
        .url
        .strip_prefix("http://")
        .and_then(|addr| addr.parse().ok())
        .unwrap_or_else(|| panic!("an address in {}", served.url));
    (served, addr)
}

/// A connection that sent half of its first request's head, accepted by the server.
fn half_sent_request(addr: SocketAddr) -> TcpStream {
    let mut half_sent = TcpStream::connect(addr).expect("connect");
    // Past the first 24 bytes, so that the server reads it as HTTP/1.
    half_sent
        .write_all(b"GET /openapi.json HTTP/1.1\r\nhost: test\r\nuser-agent: ")
        .expect("send");
    // The server accepts in order: once a later connection is answered, the
    // half-sent one is being served.
    let mut later = TcpStream::connect(addr).expect("connect");
    later
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("read timeout");
    later
        .write_all(b"GET /openapi.json HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n")
        .expect("send");
    let mut start = [0u8; 12];
    later.read_exact(&mut start).expect("an answer");
    assert_eq!(&start, b"HTTP/1.1 200");
    half_sent
}

fn signal(served: &ServeProcess, name: &str) {
    let status = std::process::Command::new("kill")
        .args([&format!("-{name}"), &served.child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{name}");
}

/// Waits for the process to exit, for at most `within`; its status and how long it took.
fn exit_within(served: &mut ServeProcess, within: Duration) -> (ExitStatus, Duration) {
    let started = Instant::now();
    let status = poll("collab serve's exit", within, || {
        served.child.try_wait().expect("wait")
    });
    (status, started.elapsed())
}

#[test]
fn sigterm_with_a_half_sent_request_exits_within_the_grace_period() {
    let (mut served, addr) = serve(&["--shutdown-grace", "1", "--header-timeout", "600"]);
    let _half_sent = half_sent_request(addr);
    signal(&served, "TERM");
    let (status, took) = exit_within(&mut served, Duration::from_secs(30));
    assert!(
        status.success(),
        "the grace period ended a graceful stop: {status}"
    );
    assert!(
        took >= Duration::from_secs(1),
        "exited {took:?} after SIGTERM: the half-sent request should have held it for the 1 s grace period"
    );
    assert!(
        took < Duration::from_secs(1) + Duration::from_secs(5),
        "exited {took:?} after SIGTERM with a 1 s grace period"
    );
}

#[test]
fn a_second_signal_exits_at_once() {
    let (mut served, addr) = serve(&["--shutdown-grace", "600", "--header-timeout", "600"]);
    let _half_sent = half_sent_request(addr);
    signal(&served, "TERM");
    // The first signal has been taken when the server stops accepting.
    until(
        "the listener's close after SIGTERM",
        Duration::from_secs(30),
        || TcpStream::connect(addr).is_err(),
    );
    signal(&served, "INT");
    let (status, took) = exit_within(&mut served, Duration::from_secs(30));
    assert_eq!(
        status.code(),
        Some(1),
        "a stop that gave up waiting is a failure"
    );
    assert!(
        took < Duration::from_secs(10),
        "exited {took:?} after the second signal, with 600 s of grace left"
    );
}

#[test]
fn deadline_and_limit_flags_refuse_what_is_not_positive() {
    let cases: [(&[&str], &str); 5] = [
        (
            &["--header-timeout", "0"],
            "not a positive number of seconds",
        ),
        (
            &["--request-timeout", "0"],
            "not a positive number of seconds",
        ),
        (&["--write-timeout=-1"], "not a positive number of seconds"),
        (&["--shutdown-grace", "soon"], "not a number of seconds"),
        (
            &["--max-connections", "0"],
            "not a positive number of connections",
        ),
    ];
    for (args, expected) in cases {
        let output = collab_command()
            .args(["serve", "--demo"])
            .args(args)
            .output()
            .expect("collab runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "nothing listened: {args:?}");
    }
}

#[test]
fn request_timeout_flag_bounds_the_body_read_to_half_of_it() {
    const DATASET: &str = "0123456789abcdef01234567";
    let (_served, addr) = serve(&[
        "--request-timeout",
        "2",
        "--dataset",
        &format!("{DATASET}=alice"),
    ]);
    let mut stalled = TcpStream::connect(addr).expect("connect");
    stalled
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("read timeout");
    // Declares 100 bytes of body and sends 10: the body read gives up at half the
    // request timeout, 1 s, where its own default is 10 s.
    stalled
        .write_all(
            format!(
                "POST /v1/datasets/{DATASET}/collaboration/access?token=alice-token HTTP/1.1\r\n\
                 host: test\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n\
                 {{\"access\"",
            )
            .as_bytes(),
        )
        .expect("send");
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    while !String::from_utf8_lossy(&answer).contains("ms\"") {
        let read = stalled
            .read(&mut chunk)
            .expect("an answer within 30 s, not a hang");
        assert!(read > 0, "closed without an answer: {answer:?}");
        answer.extend_from_slice(&chunk[..read]);
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(
        answer.contains("not received within 1000 ms"),
        "the body read timeout is half of --request-timeout 2: {answer}"
    );
}
