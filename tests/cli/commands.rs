//! End-to-end: the real `collab` binary against an in-process server over the fake,
//! for every command and every error class, asserting exit code, stdout and stderr.

use std::time::Duration;

use crate::support::{ALICE_TOKEN, Api, BOB_TOKEN, DATASET, UNKNOWN_DATASET, dataset, run_collab};
use collab::core::{AccessConfig, ShareRequest};

async fn share(api: &Api, users: &[&str]) -> AccessConfig {
    let request = ShareRequest::write(users, ["acme"]).unwrap();
    use collab::core::AccessConfigRepository;
    api.store
        .session("alice")
        .create_or_update(&dataset(), &request)
        .await
        .unwrap();
    api.store.configs(&dataset()).unwrap()[0].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn list_prints_a_table_and_json() {
    let api = Api::start().await;
    let empty = api.collab(&["list", DATASET]).await;
    assert_eq!(empty.code, 0, "{empty:?}");
    assert!(empty.stdout.contains("is not shared"), "{empty:?}");

    let config = share(&api, &["ann@example.com", "bob@example.com"]).await;
    let table = api.collab(&["list", DATASET]).await;
    assert_eq!(table.code, 0, "{table:?}");
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert!(
        lines[0].starts_with("ID") && lines[0].contains("LAST MODIFIED"),
        "{table:?}"
    );
    assert!(lines[1].contains(&config.id.to_string()), "{table:?}");
    assert!(
        lines[1].contains("ann@example.com, bob@example.com") && lines[1].contains("acme"),
        "{table:?}"
    );
    assert!(
        lines[1].contains("2023-11-14 22:13:20+00:00"),
        "created time in local time (TZ=UTC): {table:?}"
    );

    let json = api.collab(&["--json", "list", DATASET]).await;
    assert_eq!(json.code, 0, "{json:?}");
    let listed: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(listed[0]["id"], config.id.to_string());
    assert_eq!(listed[0]["accessType"], "WRITE");
    assert_eq!(listed[0]["lastModifiedAt"], 1_700_000_000_000u64);
}

#[tokio::test(flavor = "multi_thread")]
async fn share_creates_then_replaces_the_write_config() {
    let api = Api::start().await;
    let created = api
        .collab(&[
            "share",
            DATASET,
            "--user",
            "ann@example.com",
            "--user",
            "bob@example.com",
            "--team",
            "acme",
        ])
        .await;
    assert_eq!(created.code, 0, "{created:?}");
    let config = api.store.configs(&dataset()).unwrap()[0].clone();
    assert!(
        created
            .stdout
            .contains(&format!("shared: access config {}", config.id)),
        "{created:?}"
    );
    assert!(
        created.stdout.contains("+ user ann@example.com"),
        "{created:?}"
    );
    assert_eq!(config.teams, ["acme"]);

    let replaced = api
        .collab(&["--json", "share", DATASET, "--user", "cy@example.com"])
        .await;
    assert_eq!(replaced.code, 0, "{replaced:?}");
    let body: serde_json::Value = serde_json::from_str(&replaced.stdout).unwrap();
    assert_eq!(
        body["id"],
        config.id.to_string(),
        "the API's JSON: same id on replace"
    );
    let after = api.store.configs(&dataset()).unwrap()[0].clone();
    assert_eq!(after.users, ["cy@example.com"]);
    assert!(after.teams.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn grant_and_revoke_keep_the_others_and_print_the_change() {
    let api = Api::start().await;
    share(&api, &["ann@example.com"]).await;

    let granted = api
        .collab(&["grant", DATASET, "bob@example.com", "cy@example.com"])
        .await;
    assert_eq!(granted.code, 0, "{granted:?}");
    assert!(
        granted.stdout.contains("+ user bob@example.com")
            && granted.stdout.contains("+ user cy@example.com"),
        "{granted:?}"
    );
    let config = api.store.configs(&dataset()).unwrap()[0].clone();
    assert_eq!(
        config.users,
        ["ann@example.com", "bob@example.com", "cy@example.com"]
    );
    assert_eq!(config.teams, ["acme"], "grant keeps the teams");

    let revoked = api.collab(&["revoke", DATASET, "ANN@example.com"]).await;
    assert_eq!(revoked.code, 0, "{revoked:?}");
    assert!(
        revoked.stdout.contains("- user ann@example.com"),
        "{revoked:?}"
    );
    let config = api.store.configs(&dataset()).unwrap()[0].clone();
    assert_eq!(config.users, ["bob@example.com", "cy@example.com"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_grant_that_changes_nothing_writes_nothing() {
    let api = Api::start().await;
    let before = share(&api, &["ann@example.com"]).await;
    api.clock.advance(Duration::from_secs(60));

    let run = api.collab(&["grant", DATASET, "ann@example.com"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("no change"), "{run:?}");
    let after = api.store.configs(&dataset()).unwrap()[0].clone();
    assert_eq!(
        after.last_modified_at, before.last_modified_at,
        "no write happened"
    );

    let json = api
        .collab(&["--json", "grant", DATASET, "ann@example.com"])
        .await;
    let plan: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(plan["changed"], false);
    assert_eq!(plan["written"], false);
    assert_eq!(
        plan["id"],
        before.id.to_string(),
        "the existing config's id, although nothing was written"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoke_of_nobody_with_access_says_so() {
    let api = Api::start().await;
    share(&api, &["ann@example.com"]).await;
    let run = api.collab(&["revoke", DATASET, "nobody@example.com"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        format!("no change: none of the users named has access to dataset {DATASET}\n")
    );
    let run = api.collab(&["grant", DATASET, "ann@example.com"]).await;
    assert_eq!(
        run.stdout,
        format!("no change: every user named already has access to dataset {DATASET}\n")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_runs_print_the_plan_and_write_nothing() {
    let api = Api::start().await;
    let before = share(&api, &["ann@example.com"]).await;
    for args in [
        vec!["grant", DATASET, "bob@example.com", "--dry-run"],
        vec!["revoke", DATASET, "ann@example.com", "--dry-run"],
        vec!["share", DATASET, "--user", "cy@example.com", "--dry-run"],
    ] {
        let run = api.collab(&args).await;
        assert_eq!(run.code, 0, "{args:?}: {run:?}");
        assert!(
            run.stdout.contains("dry run, nothing written"),
            "{args:?}: {run:?}"
        );
        assert_eq!(
            api.store.configs(&dataset()).unwrap()[0],
            before,
            "{args:?} wrote"
        );
    }
    let json = api
        .collab(&["--json", "grant", DATASET, "bob@example.com", "--dry-run"])
        .await;
    let plan: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(plan["dryRun"], true);
    assert_eq!(plan["addedUsers"][0], "bob@example.com");
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_removes_one_config() {
    let api = Api::start().await;
    let config = share(&api, &["ann@example.com"]).await;
    let id = config.id.to_string();
    let refused = api.collab(&["delete", DATASET, &id]).await;
    assert_eq!(refused.code, 2, "{refused:?}");
    assert_eq!(
        refused.stderr,
        format!(
            "error: delete access config {id} of dataset {DATASET}: pass --yes to confirm (stdin is not a terminal, so collab cannot ask); nothing was changed\n"
        )
    );
    assert_eq!(
        api.store.configs(&dataset()).unwrap().len(),
        1,
        "nothing deleted"
    );

    let run = api.collab(&["delete", DATASET, &id, "--yes"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains(&format!("deleted access config {id}")),
        "{run:?}"
    );
    assert!(api.store.configs(&dataset()).unwrap().is_empty());

    let again = api.collab(&["delete", DATASET, &id, "--yes"]).await;
    assert_eq!(again.code, 3, "{again:?}");
    assert_eq!(
        without_request_id(again.stderr.trim()),
        format!("error: access config {id} not found in dataset {DATASET}")
    );
}

/// An error line without the server's request id at its end, which it must have: the
/// in-process server answers every error with one.
fn without_request_id(line: &str) -> &str {
    let (text, id) = line
        .split_once(" (request id ")
        .unwrap_or_else(|| panic!("no request id on the error line: {line}"));
    assert!(id.ends_with(')') && id.len() > 1, "{line}");
    text
}

#[tokio::test(flavor = "multi_thread")]
async fn refusals_of_the_api_exit_3_with_one_clear_line() {
    let api = Api::start().await;
    let unknown = api.collab(&["list", UNKNOWN_DATASET]).await;
    assert_eq!(unknown.code, 3, "{unknown:?}");
    assert_eq!(
        without_request_id(unknown.stderr.trim()),
        format!("error: dataset {UNKNOWN_DATASET} not found")
    );

    let forbidden = api
        .collab_as(Some(BOB_TOKEN), &["grant", DATASET, "eve@example.com"])
        .await;
    assert_eq!(forbidden.code, 3, "{forbidden:?}");
    assert!(
        forbidden.stderr.starts_with("error: forbidden"),
        "{forbidden:?}"
    );
    assert_eq!(forbidden.stderr.lines().count(), 1, "{forbidden:?}");

    let unauthorized = api
        .collab_as(Some("wrong-token-xyz"), &["list", DATASET])
        .await;
    assert_eq!(unauthorized.code, 3, "{unauthorized:?}");
    assert!(
        unauthorized.stderr.contains("unauthorized")
            && unauthorized.stderr.contains("LIGHTLY_TOKEN"),
        "{unauthorized:?}"
    );
    assert!(
        !unauthorized.stderr.contains("wrong-token-xyz"),
        "the token never shows: {unauthorized:?}"
    );

    let shouting = api
        .collab_as(
            Some(BOB_TOKEN),
            &["share", DATASET, "--user", "eve@example.com"],
        )
        .await;
    assert_eq!(shouting.code, 3, "{shouting:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn input_checked_before_any_call_is_a_usage_error() {
    let api = Api::start().await;
    let invalid = api.collab(&["grant", DATASET, "not-an-email"]).await;
    assert_eq!(invalid.code, 2, "{invalid:?}");
    assert!(
        invalid.stderr.contains("not-an-email") && invalid.stderr.contains("e-mail"),
        "{invalid:?}"
    );
    let invalid = api.collab(&["share", DATASET, "--team", " "]).await;
    assert_eq!(invalid.code, 2, "{invalid:?}");
    assert!(
        invalid.stderr.contains("team") && invalid.stderr.contains("empty"),
        "{invalid:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_command_lines_keep_claps_detail_and_json_with_json() {
    let api = Api::start().await;
    let run = api.collab(&["list", "nope"]).await;
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .starts_with("error: invalid value 'nope' for '<DATASET>'")
            && run.stderr.contains("not a dataset id")
            && run.stderr.contains("--help"),
        "{run:?}"
    );

    let run = api.collab(&["--json", "frobnicate"]).await;
    assert_eq!(run.code, 2, "{run:?}");
    let error: serde_json::Value = serde_json::from_str(&run.stderr).unwrap();
    assert_eq!(error["error"]["kind"], "usage");
    assert_eq!(
        error["error"]["message"],
        "unrecognized subcommand 'frobnicate'"
    );
    assert!(
        error["error"]["detail"]
            .as_str()
            .unwrap()
            .contains("Usage: collab"),
        "{error}"
    );

    let help = api.collab(&["--help"]).await;
    assert_eq!(help.code, 0, "{help:?}");
    assert!(
        help.stdout.contains("Exit codes:") && help.stdout.contains("LIGHTLY_TOKEN"),
        "{help:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn credentials_in_the_api_url_are_never_echoed() {
    for url in [
        "http://user:pw-secret-1@127.0.0.1:9",
        "http://127.0.0.1:9/?token=pw-secret-1",
        "not a url pw-secret-1",
    ] {
        let run = run_collab(url, Some(ALICE_TOKEN), &["list", DATASET]).await;
        assert_eq!(run.code, 2, "{url}: {run:?}");
        assert!(
            run.stderr
                .starts_with("error: LIGHTLY_SERVER_LOCATION is not a usable API URL"),
            "{url}: {run:?}"
        );
        assert!(!run.stderr.contains("pw-secret"), "{url}: {run:?}");
    }
    let api = Api::start().await;
    let flag = crate::support::collab_command()
        .args([
            "--api-url",
            "http://u:pw-secret-2@127.0.0.1:9",
            "--token",
            ALICE_TOKEN,
            "list",
            DATASET,
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&flag.stderr);
    assert_eq!(flag.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("pw-secret"), "{stderr}");
    drop(api);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_environment_is_read_as_the_library_reads_it() {
    let api = Api::start().await;
    // A token with surrounding white space (a pasted newline) is trimmed.
    let padded = format!(" {ALICE_TOKEN}\n");
    let run = run_collab(&api.url(), Some(&padded), &["list", DATASET]).await;
    assert_eq!(run.code, 0, "{run:?}");
    // --api-url and --token win over the environment.
    let mut command = crate::support::collab_command();
    command
        .env("LIGHTLY_SERVER_LOCATION", "http://127.0.0.1:9")
        .env("LIGHTLY_TOKEN", "wrong")
        .args([
            "--api-url",
            &api.url(),
            "--token",
            ALICE_TOKEN,
            "list",
            DATASET,
        ]);
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_api_path_is_not_reported_as_a_missing_dataset() {
    let api = Api::start().await;
    let run = run_collab(
        &format!("{}/api", api.url()),
        Some(ALICE_TOKEN),
        &["list", DATASET],
    )
    .await;
    assert_eq!(run.code, 5, "{run:?}");
    assert!(
        run.stderr.contains("status 404") && run.stderr.contains("check the API URL"),
        "{run:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_timestamp_beyond_the_calendar_is_shown_as_a_number() {
    let api = Api::start().await;
    api.clock
        .set(collab::core::Timestamp::from_millis(u64::MAX / 2));
    share(&api, &["ann@example.com"]).await;
    let run = api.collab(&["list", DATASET]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains(&format!("{} ms", u64::MAX / 2)),
        "{run:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sharing_a_dataset_without_config_says_it_creates_one() {
    let api = Api::start().await;
    let dry = api.collab(&["share", DATASET, "--dry-run"]).await;
    assert_eq!(dry.code, 0, "{dry:?}");
    assert!(
        dry.stdout
            .contains("would create (dry run, nothing written)"),
        "{dry:?}"
    );
    assert!(api.store.configs(&dataset()).unwrap().is_empty());
    let refused = api.collab(&["share", DATASET]).await;
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(refused.stderr.contains("pass --yes"), "{refused:?}");
    assert!(api.store.configs(&dataset()).unwrap().is_empty());
    let real = api.collab(&["share", DATASET, "--yes"]).await;
    assert_eq!(real.code, 0, "{real:?}");
    assert_eq!(
        api.store.configs(&dataset()).unwrap().len(),
        1,
        "the real run creates it, as the dry run said"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_service_message_cannot_break_the_one_line() {
    use collab::core::{Error, MockAccessConfigRepository};
    let config = collab::server::ServerConfig::new(|_user: &str| {
        let mut repo = MockAccessConfigRepository::new();
        repo.expect_list().returning(|_| {
            Err(Error::Forbidden {
                message: "line one\nline two\u{1b}[31m red".into(),
            })
        });
        repo
    })
    .with_user("alice", ALICE_TOKEN);
    let server = collab::server::bind("127.0.0.1:0".parse().unwrap(), config)
        .await
        .unwrap()
        .spawn();
    let run = run_collab(&server.base_url(), Some(ALICE_TOKEN), &["list", DATASET]).await;
    assert_eq!(run.code, 3, "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
    assert!(
        !run.stderr.contains('\u{1b}') && run.stderr.contains("line one line two"),
        "{run:?}"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn json_errors_are_json_on_stderr() {
    let api = Api::start().await;
    let run = api.collab(&["--json", "list", UNKNOWN_DATASET]).await;
    assert_eq!(run.code, 3);
    assert!(run.stdout.is_empty(), "{run:?}");
    let error: serde_json::Value = serde_json::from_str(&run.stderr).unwrap();
    assert_eq!(error["error"]["kind"], "dataset_not_found");
    assert_eq!(error["exitCode"], 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_api_exits_4_without_the_token() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let run = run_collab(&url, Some(ALICE_TOKEN), &["list", DATASET]).await;
    assert_eq!(run.code, 4, "{run:?}");
    assert!(
        run.stderr
            .starts_with(&format!("error: cannot reach {url}")),
        "{run:?}"
    );
    assert!(!run.stderr.contains(ALICE_TOKEN), "{run:?}");
    assert!(!run.stderr.contains("panicked"), "{run:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn usage_errors_exit_2() {
    let api = Api::start().await;
    let no_token = api.collab_as(None, &["list", DATASET]).await;
    assert_eq!(no_token.code, 2, "{no_token:?}");
    assert!(no_token.stderr.contains("LIGHTLY_TOKEN"), "{no_token:?}");

    let bad_id = api.collab(&["list", "not-an-id"]).await;
    assert_eq!(bad_id.code, 2, "{bad_id:?}");
    assert!(
        bad_id.stderr.contains("not a dataset id") && bad_id.stderr.contains("not-an-id"),
        "{bad_id:?}"
    );

    let no_users = api.collab(&["grant", DATASET]).await;
    assert_eq!(no_users.code, 2, "{no_users:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn completions_are_printed_for_a_shell() {
    let run = run_collab("http://127.0.0.1:9", None, &["completions", "bash"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("_collab()") && run.stdout.contains("grant"),
        "{}",
        &run.stdout[..200.min(run.stdout.len())]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_api_exits_4_and_says_it_is_unavailable() {
    use collab::core::{Error, MockAccessConfigRepository};
    // Every request's repository fails as a backend outage would: the server answers 503.
    let config = collab::server::ServerConfig::new(|_user: &str| {
        let mut repo = MockAccessConfigRepository::new();
        repo.expect_list().returning(|_| {
            Err(Error::Unavailable {
                message: "the database is down".into(),
                source: None,
            })
        });
        repo
    })
    .with_user("alice", ALICE_TOKEN);
    let server = collab::server::bind("127.0.0.1:0".parse().unwrap(), config)
        .await
        .unwrap()
        .spawn();
    let run = run_collab(&server.base_url(), Some(ALICE_TOKEN), &["list", DATASET]).await;
    assert_eq!(run.code, 4, "{run:?}");
    assert!(
        run.stderr.starts_with(&format!(
            "error: the API at {} is unavailable",
            server.base_url()
        )) && run.stderr.contains("the database is down"),
        "{run:?}"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_outside_the_api_exits_5() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // A peer that answers every request with a 200 that is not the API's JSON.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let peer = tokio::spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request).await;
            let body = "<html>a captive portal</html>";
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes()).await;
        }
    });
    let run = run_collab(&url, Some(ALICE_TOKEN), &["list", DATASET]).await;
    peer.abort();
    assert_eq!(run.code, 5, "{run:?}");
    assert!(
        run.stderr
            .starts_with("error: unexpected response (status 200)")
            && run.stderr.contains("captive portal"),
        "{run:?}"
    );
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
}

/// A peer on a loopback port that answers every request with `answer` (a whole HTTP
/// response), or, with `None`, accepts and never answers. Aborted by the caller.
async fn peer(answer: Option<String>) -> (String, tokio::task::JoinHandle<()>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request).await;
            match &answer {
                Some(answer) => {
                    let _ = stream.write_all(answer.as_bytes()).await;
                }
                None => held.push(stream),
            }
        }
    });
    (url, task)
}

#[tokio::test(flavor = "multi_thread")]
async fn usage_errors_keep_names_suggestions_values_and_the_usage_line() {
    let api = Api::start().await;
    let missing = api.collab(&["grant", DATASET]).await;
    assert_eq!(missing.code, 2, "{missing:?}");
    assert!(
        missing.stderr.starts_with(
            "error: the following required arguments were not provided:\n  <EMAIL>..."
        ) && missing.stderr.contains("Usage: collab grant"),
        "{missing:?}"
    );

    let typo = api.collab(&["lst", DATASET]).await;
    assert_eq!(typo.code, 2, "{typo:?}");
    assert!(
        typo.stderr.contains("a similar subcommand exists: 'list'"),
        "{typo:?}"
    );

    let flag = api.collab(&["list", DATASET, "--jsn"]).await;
    assert_eq!(flag.code, 2, "{flag:?}");
    assert!(
        flag.stderr.contains("a similar argument exists: '--json'"),
        "{flag:?}"
    );

    let shell = api.collab(&["completions", "nushell"]).await;
    assert_eq!(shell.code, 2, "{shell:?}");
    assert!(
        shell
            .stderr
            .contains("[possible values: bash, elvish, fish, powershell, zsh]"),
        "{shell:?}"
    );

    let bare = api.collab(&[]).await;
    assert_eq!(bare.code, 2, "{bare:?}");
    assert!(bare.stdout.is_empty(), "{bare:?}");
    assert!(
        bare.stderr.contains("Usage: collab [OPTIONS] <COMMAND>")
            && bare.stderr.contains("Commands:")
            && !bare.stderr.starts_with("error:"),
        "the help, not an error: {bare:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_api_url_names_its_source_and_suggests_one() {
    let flag = crate::support::collab_command()
        .args(["--api-url", "127.0.0.1:8080", "--token", ALICE_TOKEN])
        .args(["list", DATASET])
        .output()
        .unwrap();
    assert_eq!(flag.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&flag.stderr),
        "error: --api-url is not a usable API URL: it must start with http:// or https://; give one like http://127.0.0.1:8080\n"
    );
    let env = run_collab("localhost:8080", Some(ALICE_TOKEN), &["list", DATASET]).await;
    assert_eq!(env.code, 2, "{env:?}");
    assert_eq!(
        env.stderr,
        "error: LIGHTLY_SERVER_LOCATION is not a usable API URL: it must start with http:// or https://; give one like http://127.0.0.1:8080\n"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_does_not_implement_the_call_is_not_the_api() {
    // What `python3 -m http.server` answers to a DELETE.
    let body = "<html>Unsupported method ('DELETE')</html>";
    let answer = format!(
        "HTTP/1.0 501 Unsupported method\r\ncontent-type: text/html\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let (url, task) = peer(Some(answer)).await;
    let run = run_collab(
        &url,
        Some(ALICE_TOKEN),
        &["delete", DATASET, DATASET, "--yes"],
    )
    .await;
    task.abort();
    assert_eq!(run.code, 5, "{run:?}");
    assert!(
        run.stderr
            .starts_with("error: unexpected response (status 501)")
            && run.stderr.contains(&format!("check the API URL ({url})")),
        "{run:?}"
    );
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_silent_api_ends_at_the_commands_deadline() {
    let (url, task) = peer(None).await;
    let expected = format!(
        "error: no answer from {url} within 1 s (raise it with --timeout SECS or COLLAB_TIMEOUT)\n"
    );
    let by_flag = run_collab(
        &url,
        Some(ALICE_TOKEN),
        &["--timeout", "1", "list", DATASET],
    )
    .await;
    assert_eq!(by_flag.code, 4, "{by_flag:?}");
    assert_eq!(
        by_flag.stderr, expected,
        "no spinner when stderr is not a terminal"
    );

    let mut command = crate::support::collab_command();
    command
        .env("LIGHTLY_SERVER_LOCATION", &url)
        .env("LIGHTLY_TOKEN", ALICE_TOKEN)
        .env("COLLAB_TIMEOUT", "1")
        .args(["--json", "grant", DATASET, "ann@example.com"]);
    let by_env = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    task.abort();
    assert_eq!(by_env.status.code(), Some(4));
    let error: serde_json::Value = serde_json::from_slice(&by_env.stderr).unwrap();
    assert_eq!(error["error"]["kind"], "timed_out");

    let bad = run_collab(
        &url,
        Some(ALICE_TOKEN),
        &["list", DATASET, "--timeout", "0"],
    )
    .await;
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(bad.stderr.contains("more than 0"), "{bad:?}");
    let bad_env = crate::support::collab_command()
        .env("COLLAB_TIMEOUT", "soon")
        .args(["--token", ALICE_TOKEN, "--api-url", &url, "list", DATASET])
        .output()
        .unwrap();
    assert_eq!(bad_env.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&bad_env.stderr),
        "error: COLLAB_TIMEOUT is not a usable timeout: expected a number of seconds, e.g. 10 or 2.5\n"
    );
    // Only the client commands read it: a bad value does not stop the others.
    let local = crate::support::collab_command()
        .env("COLLAB_TIMEOUT", "soon")
        .args(["completions", "bash"])
        .output()
        .unwrap();
    assert_eq!(local.status.code(), Some(0));
}

#[tokio::test(flavor = "multi_thread")]
async fn json_has_one_shape_per_command_with_or_without_dry_run() {
    let api = Api::start().await;
    let parse = |run: &crate::support::Run| -> serde_json::Value {
        assert_eq!(run.code, 0, "{run:?}");
        serde_json::from_str(&run.stdout).unwrap()
    };
    let keys = |value: &serde_json::Value| -> Vec<String> {
        value.as_object().unwrap().keys().cloned().collect()
    };
    let share = ["share", DATASET, "--user", "ann@example.com", "--json"];
    let dry = parse(&api.collab(&[&share[..], &["--dry-run"]].concat()).await);
    assert_eq!(dry["dryRun"], true);
    assert_eq!(dry["written"], false);
    assert_eq!(dry["id"], serde_json::Value::Null, "no config exists yet");
    assert_eq!(dry["creates"], true);

    let real = parse(&api.collab(&share).await);
    let config = api.store.configs(&dataset()).unwrap()[0].clone();
    assert_eq!(keys(&dry), keys(&real), "one shape: {dry} {real}");
    assert_eq!(real["command"], "share");
    assert_eq!(real["written"], true);
    assert_eq!(real["id"], config.id.to_string());
    assert_eq!(real["addedUsers"][0], "ann@example.com");

    for command in ["grant", "revoke"] {
        let args = [command, DATASET, "bob@example.com", "--json"];
        let dry = parse(&api.collab(&[&args[..], &["--dry-run"]].concat()).await);
        let real = parse(&api.collab(&args).await);
        assert_eq!(keys(&dry), keys(&real), "{command}");
        assert_eq!(keys(&real), keys(&parse(&api.collab(&share).await)));
        assert_eq!(real["command"], command);
        assert_eq!(
            dry["id"],
            config.id.to_string(),
            "{command}: the existing id"
        );
        assert_eq!(real["id"], config.id.to_string());
    }

    let id = config.id.to_string();
    let deleted = parse(
        &api.collab(&["delete", DATASET, &id, "--yes", "--json"])
            .await,
    );
    assert_eq!(
        deleted,
        serde_json::json!({"command": "delete", "datasetId": DATASET, "id": id, "deleted": true})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoke_that_leaves_nobody_needs_yes_and_a_dry_run_never_asks() {
    use collab::core::AccessConfigRepository;
    let api = Api::start().await;
    let before = api
        .store
        .session("alice")
        .create_or_update(
            &dataset(),
            &ShareRequest::users_only(["ann@example.com"]).unwrap(),
        )
        .await
        .unwrap();
    let dry = api
        .collab(&["revoke", DATASET, "ann@example.com", "--dry-run"])
        .await;
    assert_eq!(dry.code, 0, "{dry:?}");
    let refused = api.collab(&["revoke", DATASET, "ann@example.com"]).await;
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(
        refused
            .stderr
            .contains("revoke would leave nobody with access to dataset")
            && refused.stderr.contains("--yes"),
        "{refused:?}"
    );
    assert_eq!(
        api.store.configs(&dataset()).unwrap()[0].users,
        ["ann@example.com"]
    );
    let done = api
        .collab(&["revoke", DATASET, "ann@example.com", "--yes"])
        .await;
    assert_eq!(done.code, 0, "{done:?}");
    let after = api.store.configs(&dataset()).unwrap()[0].clone();
    assert_eq!(after.id, before);
    assert!(after.users.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn grant_and_revoke_read_emails_from_a_file_or_stdin() {
    let api = Api::start().await;
    let dir = std::env::temp_dir().join(format!("collab-cli-from-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("users.txt");
    std::fs::write(&file, "# new hires\nann@example.com\n\nbob@example.com\n").unwrap();
    let granted = api
        .collab(&[
            "grant",
            DATASET,
            "cy@example.com",
            "--from-file",
            file.to_str().unwrap(),
        ])
        .await;
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(granted.code, 0, "{granted:?}");
    assert_eq!(
        api.store.configs(&dataset()).unwrap()[0].users,
        ["cy@example.com", "ann@example.com", "bob@example.com"]
    );

    let mut command = crate::support::collab_command();
    command
        .env("LIGHTLY_SERVER_LOCATION", api.url())
        .env("LIGHTLY_TOKEN", ALICE_TOKEN)
        .args(["revoke", DATASET, "--from-file", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let revoked = tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = command.spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(b"ann@example.com\nbob@example.com\n")
            .unwrap();
        drop(stdin);
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(
        revoked.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&revoked.stderr)
    );
    assert_eq!(
        api.store.configs(&dataset()).unwrap()[0].users,
        ["cy@example.com"]
    );

    let missing = api
        .collab(&["grant", DATASET, "--from-file", "/nonexistent/users.txt"])
        .await;
    assert_eq!(missing.code, 2, "{missing:?}");
    assert!(
        missing
            .stderr
            .starts_with("error: cannot read --from-file /nonexistent/users.txt"),
        "{missing:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_http_to_another_host_warns_once_that_the_token_travels_readable() {
    // 0.0.0.0 reaches this machine but is not a loopback address: the warning's case,
    // on a port where nothing listens.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://0.0.0.0:{port}");
    let run = run_collab(&url, Some(ALICE_TOKEN), &["list", DATASET]).await;
    assert_eq!(run.code, 4, "{run:?}");
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|line| line.starts_with("warning:"))
        .collect();
    assert_eq!(
        warnings,
        [format!(
            "warning: {url} is plain http:// to another machine: the API token travels in the URL, readable on the way (use https://)"
        )],
        "{run:?}"
    );
    assert!(!run.stderr.contains(ALICE_TOKEN), "{run:?}");

    let api = Api::start().await;
    let local = api.collab(&["list", DATASET]).await;
    assert!(local.stderr.is_empty(), "loopback: no warning: {local:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn one_v_logs_our_crates_and_two_add_the_http_stack() {
    let api = Api::start().await;
    let targets = |stderr: &str| -> Vec<String> {
        // A log line: "<time>  LEVEL [span{fields}:...: ]target: message"; the spans of
        // the call and its attempt come first when the event happened inside them.
        stderr
            .lines()
            .filter_map(|line| {
                let level = line.split_whitespace().nth(1)?;
                let rest = line.split_once(level)?.1.trim_start();
                let rest = match rest.split_whitespace().next() {
                    Some(first) if first.contains('{') => rest.rsplit_once("}: ")?.1,
                    _ => rest,
                };
                rest.split_whitespace()
                    .next()
                    .map(|target| target.trim_end_matches(':').to_owned())
            })
            .collect()
    };
    let once = api.collab(&["-v", "list", DATASET]).await;
    assert_eq!(once.code, 0, "{once:?}");
    let ours = targets(&once.stderr);
    assert!(
        ours.iter().any(|t| t.starts_with("collab_http")),
        "{once:?}"
    );
    assert!(
        ours.iter().all(|t| t.starts_with("collab")),
        "only our crates at -v: {ours:?}"
    );
    let twice = api.collab(&["list", DATASET, "-vv"]).await;
    assert_eq!(twice.code, 0, "{twice:?}");
    let all = targets(&twice.stderr);
    assert!(
        all.iter()
            .any(|t| t.starts_with("hyper") || t.starts_with("reqwest")),
        "the HTTP stack at -vv: {all:?}"
    );
    assert!(!twice.stderr.contains(ALICE_TOKEN), "{twice:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn client_flags_belong_to_the_client_commands() {
    let api = Api::start().await;
    for command in ["serve", "completions"] {
        let help = api.collab(&[command, "--help"]).await;
        assert_eq!(help.code, 0, "{help:?}");
        for flag in ["--api-url", "--token", "--json", "--timeout"] {
            assert!(
                !help.stdout.contains(flag),
                "`{command} --help` lists {flag}: {}",
                help.stdout
            );
        }
    }
    let list_help = api.collab(&["list", "--help"]).await;
    for flag in ["--api-url", "--token", "--json", "--timeout"] {
        assert!(list_help.stdout.contains(flag), "{}", list_help.stdout);
    }
    let misplaced = api.collab(&["--json", "completions", "bash"]).await;
    assert_eq!(misplaced.code, 2, "{misplaced:?}");
    assert!(
        misplaced.stderr.contains("not to `completions`"),
        "{misplaced:?}"
    );
    let after = api.collab(&["list", DATASET, "--json"]).await;
    assert_eq!(after.code, 0, "{after:?}");
    assert_eq!(after.stdout, "[]\n");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_command_has_examples_in_its_help() {
    let api = Api::start().await;
    for command in [
        "serve",
        "list",
        "share",
        "grant",
        "revoke",
        "delete",
        "completions",
    ] {
        let help = api.collab(&[command, "--help"]).await;
        assert_eq!(help.code, 0, "{help:?}");
        let examples = help
            .stdout
            .split_once("\nExamples:\n")
            .unwrap_or_else(|| panic!("`{command} --help` has no Examples: {}", help.stdout))
            .1;
        assert!(
            examples
                .lines()
                .any(|line| line.trim_start().starts_with(&format!("collab {command} "))),
            "{command}: {examples}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_services_request_id_is_on_the_error_line_and_in_the_json_error() {
    // A stand-in for today's API: a 404 for an unknown dataset, with its requestId.
    let body = r#"{"code":"DATASET_UNKNOWN","error":"no such dataset","requestId":"req-9d2b-41"}"#;
    let answer = format!(
        "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let (url, peer_task) = peer(Some(answer)).await;
    let text = run_collab(&url, Some(ALICE_TOKEN), &["list", DATASET]).await;
    let json = run_collab(&url, Some(ALICE_TOKEN), &["--json", "list", DATASET]).await;
    peer_task.abort();
    assert_eq!(text.code, 3, "{text:?}");
    assert!(
        text.stderr.starts_with("error: dataset ")
            && text.stderr.contains("request id req-9d2b-41"),
        "{text:?}"
    );
    let error: serde_json::Value = serde_json::from_str(&json.stderr).unwrap();
    assert_eq!(error["error"]["kind"], "dataset_not_found", "{json:?}");
    assert_eq!(error["error"]["requestId"], "req-9d2b-41", "{json:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn https_against_a_plain_http_server_suggests_http() {
    let api = Api::start().await;
    let url = api.url().replacen("http://", "https://", 1);
    let run = run_collab(
        &url,
        Some(ALICE_TOKEN),
        &["--timeout", "30", "list", DATASET],
    )
    .await;
    assert_eq!(run.code, 4, "{run:?}");
    let plain = api.url();
    assert!(run.stderr.contains(&format!("use {plain}")), "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn grant_and_revoke_explain_that_emails_are_arguments_not_user_flags() {
    let api = Api::start().await;
    for (command, flag) in [("grant", "--user"), ("revoke", "--team")] {
        let run = api
            .collab(&[command, DATASET, flag, "ann@example.com"])
            .await;
        assert_eq!(run.code, 2, "{run:?}");
        assert!(
            run.stderr
                .contains("take the e-mail addresses as arguments")
                && run
                    .stderr
                    .contains(&format!("collab {command} DATASET ann@example.com")),
            "{run:?}"
        );
        assert!(
            !run.stderr.contains("'-- "),
            "no tip to pass the flag as a value: {run:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn help_and_usage_lines_offer_only_what_each_command_uses() {
    let api = Api::start().await;
    let grant = api.collab(&["grant", "--help"]).await;
    assert!(!grant.stdout.contains("--yes"), "{grant:?}");
    let revoke = api.collab(&["revoke", "--help"]).await;
    assert!(revoke.stdout.contains("--yes"), "{revoke:?}");
    let export = api.collab(&["store", "export", "--help"]).await;
    assert!(!export.stdout.contains("--wire"), "{export:?}");
    let share = api
        .collab(&["share", DATASET, "--users", "x@example.com"])
        .await;
    assert_eq!(share.code, 2, "{share:?}");
    assert!(
        share
            .stderr
            .contains("Usage: collab share <DATASET> [--user <EMAIL>]... [--team <TEAM>]..."),
        "{share:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_grant_reads_the_config_once_before_it_writes() {
    let api = Api::start().await;
    share(&api, &["ann@example.com"]).await;
    let run = api
        .collab(&["-v", "grant", DATASET, "bob@example.com"])
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    let answered = |verb: &str| {
        run.stderr
            .lines()
            .filter(|line| {
                line.contains("collab-http: answered") && line.contains(&format!("method={verb}"))
            })
            .count()
    };
    assert_eq!((answered("GET"), answered("POST")), (1, 1), "{run:?}");
}
