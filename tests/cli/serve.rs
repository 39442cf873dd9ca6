//! End-to-end: `collab serve` as a user starts it: its first line, the demo, its
//! refusals of bad flags, and a graceful stop on SIGTERM.

use std::time::Duration;

use crate::support::poll::until_closed;
use crate::support::{ServeProcess, collab_command, run_collab};

#[tokio::test(flavor = "multi_thread")]
async fn demo_prints_a_working_example_and_stops_on_sigterm() {
    let mut served = ServeProcess::start(&["--demo"]);
    assert!(
        served.url.starts_with("http://127.0.0.1:") && !served.url.ends_with(":0"),
        "{}",
        served.url
    );
    let demo: Vec<String> = (0..6).map(|_| served.next_line()).collect();
    let demo = demo.join("\n");
    assert!(
        demo.contains("token: demo-token") && demo.contains("5f0e4a6b2c1d3e4f5a6b7c8d"),
        "{demo}"
    );
    assert!(
        demo.contains(&format!("LIGHTLY_SERVER_LOCATION={}", served.url)),
        "{demo}"
    );

    let granted = run_collab(
        &served.url,
        Some("demo-token"),
        &["grant", "5f0e4a6b2c1d3e4f5a6b7c8d", "ann@example.com"],
    )
    .await;
    assert_eq!(granted.code, 0, "{granted:?}");
    let listed = run_collab(
        &served.url,
        Some("demo-token"),
        &["list", "5f0e4a6b2c1d3e4f5a6b7c8d"],
    )
    .await;
    assert!(listed.stdout.contains("ann@example.com"), "{listed:?}");

    let pid = served.child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::task::spawn_blocking(move || {
        let status = served.child.wait();
        (status, served)
    });
    let (status, _served) = tokio::time::timeout(Duration::from_secs(30), status)
        .await
        .unwrap()
        .unwrap();
    assert!(status.unwrap().success(), "a graceful stop exits 0");
}

#[tokio::test(flavor = "multi_thread")]
async fn users_and_datasets_from_flags_are_served() {
    let served = ServeProcess::start(&[
        "--user",
        "alice=tok-a",
        "--user",
        "bob=tok-b",
        "--dataset",
        "aaaaaaaaaaaaaaaaaaaaaaaa=alice",
    ]);
    let shared = run_collab(
        &served.url,
        Some("tok-a"),
        &[
            "--json",
            "share",
            "aaaaaaaaaaaaaaaaaaaaaaaa",
            "--user",
            "c@x.io",
        ],
    )
    .await;
    assert_eq!(shared.code, 0, "{shared:?}");
    let listed = run_collab(
        &served.url,
        Some("tok-a"),
        &["--json", "list", "aaaaaaaaaaaaaaaaaaaaaaaa"],
    )
    .await;
    let configs: serde_json::Value = serde_json::from_str(&listed.stdout).unwrap();
    assert_eq!(configs[0]["owner"], "alice", "NAME is the owner's id");
    let forbidden = run_collab(
        &served.url,
        Some("tok-b"),
        &["list", "aaaaaaaaaaaaaaaaaaaaaaaa"],
    )
    .await;
    assert_eq!(forbidden.code, 3, "{forbidden:?}");
}

#[test]
fn bad_flags_fail_before_listening() {
    let cases: [(&[&str], &str); 5] = [
        (
            &["--dataset", "aaaaaaaaaaaaaaaaaaaaaaaa=ghost"],
            "unknown user \"ghost\"",
        ),
        (&["--user", "alice"], "NAME=TOKEN"),
        (&["--user", "=hunter2secret"], "NAME=TOKEN"),
        (
            &["--dataset", "xyz=alice", "--user", "alice=t"],
            "not a dataset id",
        ),
        (
            &["--listen", "nowhere"],
            "expected HOST:PORT, localhost:PORT or PORT",
        ),
    ];
    for (args, expected) in cases {
        let output = collab_command().arg("serve").args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("hunter2"),
            "a token is never echoed: {stderr}"
        );
        assert!(output.stdout.is_empty(), "nothing listened: {args:?}");
    }
}

#[test]
fn a_busy_address_is_a_clear_failure() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let output = collab_command()
        .args(["serve", "--demo", "--listen", &addr])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")),
        "{stderr}"
    );
}

/// The demo's example lines of `collab serve --demo` started by `command`.
fn demo_banner(mut command: std::process::Command) -> String {
    command
        .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .env_remove("RUST_LOG");
    ServeProcess::spawn(command).first_lines(6)
}

#[test]
fn the_demo_banner_names_the_binary_as_it_was_started() {
    // Installed: found as `collab` on the PATH.
    let dir = std::env::temp_dir().join(format!("collab-banner-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join("collab");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_collab"), &link).unwrap();
    let mut installed = std::process::Command::new("collab");
    installed
        .env("PATH", &dir)
        .env_remove("CARGO")
        .env_remove("CARGO_PKG_NAME");
    let banner = demo_banner(installed);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        banner.contains("\n  collab grant 5f0e4a6b2c1d3e4f5a6b7c8d ann@example.com"),
        "{banner}"
    );
    assert!(!banner.contains("cargo run"), "{banner}");

    // Under `cargo run` of this package.
    let mut under_cargo = std::process::Command::new(env!("CARGO_BIN_EXE_collab"));
    under_cargo
        .env("CARGO", "cargo")
        .env("CARGO_PKG_NAME", "collab");
    let banner = demo_banner(under_cargo);
    assert!(
        banner.contains("\n  cargo run -q -- grant 5f0e4a6b2c1d3e4f5a6b7c8d"),
        "{banner}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_stdout_does_not_stop_the_server() {
    // As under `collab serve ... | head -1`: nobody reads the banner. The address is
    // learnt from the log's "serving" line instead.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut child = collab_command()
        .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .env("RUST_LOG", "info")
        .stdin(std::process::Stdio::null())
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (send, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let url = loop {
        let line = lines
            .recv_timeout(crate::support::served::LINE_DEADLINE)
            .unwrap_or_else(|e| panic!("no \"serving\" line ({e}); the log said: {seen:#?}"));
        if let Some(at) = line.find("url=") {
            let url = line[at + 4..].split_whitespace().next().unwrap().to_owned();
            break url;
        }
        seen.push(line);
        assert!(seen.len() < 100, "no \"serving\" line in {seen:#?}");
    };
    let listed = run_collab(
        &url,
        Some("demo-token"),
        &["list", "5f0e4a6b2c1d3e4f5a6b7c8d"],
    )
    .await;
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(listed.code, 0, "{listed:?}; the log said: {seen:#?}");
}

#[test]
fn with_exit_with_parent_the_server_ends_when_its_parent_is_killed() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    // The parent: a process that holds the write end of the server's stdin and never
    // writes to it, as collab_serve's Server does. This test keeps no copy of it.
    let (stdin, holder) = std::io::pipe().unwrap();
    let mut parent = std::process::Command::new("sleep")
        .arg("600")
        .stdin(Stdio::null())
        .stdout(holder)
        .spawn()
        .expect("sleep starts");
    let mut server = collab_command()
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--exit-with-parent",
            "--demo",
        ])
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("collab starts");
    let stdout = server.stdout.take().unwrap();
    let (send, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = send.send(line);
        }
    });
    let first = lines
        .recv_timeout(crate::support::served::LINE_DEADLINE)
        .expect("the server's first line");
    assert!(
        first.starts_with("listening on http://127.0.0.1:"),
        "{first}"
    );

    parent.kill().expect("SIGKILL to the parent");
    parent.wait().unwrap();
    // The server's stdout closes when it exits: wait for that, bounded.
    if !until_closed(&lines, crate::support::served::LINE_DEADLINE) {
        let _ = server.kill();
        panic!("the server still runs after its parent was killed")
    }
    let status = server.wait().unwrap();
    assert!(
        status.success(),
        "it stops as on SIGTERM, gracefully: {status}"
    );
}
