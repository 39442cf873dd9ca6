//! End-to-end: the `collab` binary on a terminal (a pseudo-terminal made by util-linux's
//! `script`): it asks before destructive changes, shows a spinner while it waits,
//! colours its logs, and honours NO_COLOR.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::support::{ALICE_TOKEN, Api, DATASET, Run, dataset};

/// Runs `collab ARGS` with stdin, stdout and stderr on one pseudo-terminal, typing
/// `input`; what the terminal showed comes back as `stdout`. Bounded by coreutils'
/// `timeout`. Fails, saying what is missing, when `script` is not installed.
async fn on_a_terminal(url: &str, env: &[(&str, &str)], args: &[&str], input: &str) -> Run {
    let has_script = Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    assert!(
        has_script,
        "these tests need `script` (util-linux) to give collab a terminal: apt-get install util-linux"
    );
    let quoted: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_collab"))
        .chain(args.iter().copied())
        .map(|word| format!("'{}'", word.replace('\'', r"'\''")))
        .collect();
    let mut command = Command::new("timeout");
    command
        .args([
            "60",
            "script",
            "-q",
            "-e",
            "-c",
            &quoted.join(" "),
            "/dev/null",
        ])
        .env_remove("LIGHTLY_TOKEN")
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .env_remove("COLLAB_TIMEOUT")
        .env("TZ", "UTC")
        .env("LIGHTLY_SERVER_LOCATION", url)
        .env("LIGHTLY_TOKEN", ALICE_TOKEN)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let input = input.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().expect("script started");
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.as_bytes()).unwrap();
        drop(stdin);
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
    .into()
}

async fn shared_with_ann(api: &Api) -> collab::core::AccessConfigId {
    use collab::core::{AccessConfigRepository, ShareRequest};
    api.store
        .session("alice")
        .create_or_update(
            &dataset(),
            &ShareRequest::users_only(["ann@example.com"]).unwrap(),
        )
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_asks_on_a_terminal_and_does_nothing_unless_told_yes() {
    let api = Api::start().await;
    let id = shared_with_ann(&api).await.to_string();
    let question = format!("delete access config {id} of dataset {DATASET}. Continue? [y/N] ");

    let declined = on_a_terminal(&api.url(), &[], &["delete", DATASET, &id], "n\n").await;
    assert_eq!(declined.code, 1, "{declined:?}");
    assert!(declined.stdout.contains(&question), "{declined:?}");
    assert!(
        declined
            .stdout
            .contains("error: not confirmed: nothing was changed"),
        "{declined:?}"
    );
    assert_eq!(api.store.configs(&dataset()).unwrap().len(), 1);

    let accepted = on_a_terminal(&api.url(), &[], &["delete", DATASET, &id], "y\n").await;
    assert_eq!(accepted.code, 0, "{accepted:?}");
    assert!(accepted.stdout.contains(&question), "{accepted:?}");
    assert!(
        accepted
            .stdout
            .contains(&format!("deleted access config {id}")),
        "{accepted:?}"
    );
    assert!(api.store.configs(&dataset()).unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn emptying_share_asks_and_a_dry_run_never_does() {
    let api = Api::start().await;
    shared_with_ann(&api).await;
    let dry = on_a_terminal(&api.url(), &[], &["share", DATASET, "--dry-run"], "").await;
    assert_eq!(dry.code, 0, "{dry:?}");
    assert!(!dry.stdout.contains("Continue?"), "{dry:?}");
    assert!(dry.stdout.contains("- user ann@example.com"), "{dry:?}");

    let asked = on_a_terminal(&api.url(), &[], &["share", DATASET], "y\n").await;
    assert_eq!(asked.code, 0, "{asked:?}");
    assert!(
        asked.stdout.contains(&format!(
            "share dataset {DATASET} with nobody (no --user, no --team): this removes everyone's access. Continue? [y/N] "
        )),
        "{asked:?}"
    );
    assert!(api.store.configs(&dataset()).unwrap()[0].users.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_wait_shows_a_spinner_on_a_terminal() {
    // A peer that accepts and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let peer = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let run = on_a_terminal(&url, &[], &["--timeout", "2", "list", DATASET], "").await;
    peer.abort();
    assert_eq!(run.code, 4, "{run:?}");
    assert!(
        run.stdout
            .contains(&format!("waiting for the API at {url}")),
        "{run:?}"
    );
    assert!(run.stdout.contains("error: no answer from"), "{run:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_are_coloured_on_a_terminal_unless_no_color_is_set() {
    let api = Api::start().await;
    let coloured = on_a_terminal(&api.url(), &[], &["-v", "list", DATASET], "").await;
    assert_eq!(coloured.code, 0, "{coloured:?}");
    assert!(coloured.stdout.contains("collab_http"), "{coloured:?}");
    assert!(coloured.stdout.contains('\u{1b}'), "{coloured:?}");

    let plain = on_a_terminal(
        &api.url(),
        &[("NO_COLOR", "1")],
        &["-v", "list", DATASET],
        "",
    )
    .await;
    assert_eq!(plain.code, 0, "{plain:?}");
    assert!(plain.stdout.contains("collab_http"), "{plain:?}");
    assert!(!plain.stdout.contains('\u{1b}'), "{plain:?}");
}

/// `collab serve` on a terminal, killed when dropped.
struct ServeOnATerminal(std::process::Child);

impl Drop for ServeOnATerminal {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The first log line of `collab serve` on a terminal (its "serving" line), with this
/// environment; the server is then stopped with SIGTERM.
async fn serve_log_line(env: &[(&str, &str)]) -> String {
    use std::io::{BufRead, BufReader};
    // The shell prints its pid and becomes collab (exec), so that the test can stop
    // collab itself; script then ends with it.
    let line = format!(
        "echo pid=$$; exec '{}' serve --demo --listen 127.0.0.1:0",
        env!("CARGO_BIN_EXE_collab")
    );
    let mut child = Command::new("script")
        .args(["-q", "-e", "-c", &line, "/dev/null"])
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("these tests need `script` (util-linux): apt-get install util-linux");
    let stdout = child.stdout.take().unwrap();
    let guard = ServeOnATerminal(child);
    let read = tokio::task::spawn_blocking(move || {
        let mut pid = None;
        for line in BufReader::new(stdout).lines().take(50) {
            let line = line.unwrap();
            if let Some(number) = line.trim().strip_prefix("pid=") {
                pid = Some(number.to_owned());
            }
            if line.contains("serving") {
                return (pid, line);
            }
        }
        panic!("no `serving` log line in the first 50 lines");
    });
    let (pid, line) = tokio::time::timeout(std::time::Duration::from_secs(30), read)
        .await
        .expect("serve logged within 30 s")
        .unwrap();
    let stopped = Command::new("kill")
        .args(["-TERM", &pid.expect("the shell printed its pid")])
        .status()
        .unwrap();
    assert!(stopped.success());
    drop(guard);
    line
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_honours_no_color_too() {
    let coloured = serve_log_line(&[]).await;
    assert!(coloured.contains('\u{1b}'), "{coloured:?}");
    let plain = serve_log_line(&[("NO_COLOR", "1")]).await;
    assert!(!plain.contains('\u{1b}'), "{plain:?}");
}
