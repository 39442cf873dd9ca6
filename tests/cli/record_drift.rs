//! End-to-end: a recording between a client and an upstream, then the drift check
//! against the fake.
//!
//! - the control: a session of the `collab` CLI recorded by `collab record` against a
//!   real `collab serve` (random ids, real times) replays with no drift and no warning;
//! - stand-ins that deviate on purpose, one deviation at a time (a small axum app in
//!   front of an in-process server of the fake that rewrites its answers), recorded and
//!   checked in-process with `collab-fidelity`: each planted deviation is reported,
//!   and nothing else;
//! - no credential ever reaches the file, even one the upstream echoes in a body;
//! - the command line's contract, with the real binary: `record`'s first line, file
//!   and second signal; `check-drift`'s report and exit codes (0, 1 on drift, 2 on a
//!   file it cannot use), `--lint`'s (0, 1).

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::support::recorded::{
    Finding, check_drift, drift_report, findings, start_recording, stop_recording,
};
use crate::support::served::Scratch;
use crate::support::{
    ALICE_TOKEN, Api, BOB_TOKEN, DATASET, ServeProcess, UNKNOWN_DATASET, run_collab,
};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use collab_fidelity::{DriftCheck, Recorder, Recording, Report};
use serde_json::{Value, json};

const BAD_TOKEN: &str = "not-a-valid-token-77";
/// A dataset outside the recording's `--dataset` list.
const OUTSIDE_DATASET: &str = "bbbbbbbbbbbbbbbbbbbbbbbb";

fn finding(severity: &str, what: &str, path: &str) -> Finding {
    (severity.to_owned(), what.to_owned(), path.to_owned())
}

fn assert_no_credential(file: &str, tokens: &[&str]) {
    for token in tokens {
        assert!(
            !file.contains(token),
            "a token reached the recording:\n{file}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cli_session_recorded_against_collab_serve_replays_with_no_drift() {
    let scratch = Scratch::new("record-control");
    let out = scratch.file("session.json");
    let alice = format!("alice={ALICE_TOKEN}");
    let bob = format!("bob={BOB_TOKEN}");
    let owned = format!("{DATASET}=alice");
    let upstream = ServeProcess::start(&["--user", &alice, "--user", &bob, "--dataset", &owned]);
    let recording = start_recording(
        &upstream.url,
        &out,
        &["--dataset", DATASET, "--dataset", UNKNOWN_DATASET],
    );
    let proxy = recording.url.clone();

    let as_alice = |args: &'static [&'static str]| run_collab(&proxy, Some(ALICE_TOKEN), args);
    let granted = as_alice(&["grant", DATASET, "ann@example.com", "bob@example.com"]).await;
    assert_eq!(granted.code, 0, "{granted:?}");
    assert_eq!(
        as_alice(&["revoke", DATASET, "bob@example.com"]).await.code,
        0
    );
    let listed = as_alice(&["list", DATASET, "--json"]).await;
    assert_eq!(listed.code, 0, "{listed:?}");
    let configs: Value = serde_json::from_str(&listed.stdout).unwrap();
    let config = configs[0]["id"].as_str().unwrap().to_owned();
    let stranger = run_collab(&proxy, Some(BOB_TOKEN), &["list", DATASET]).await;
    assert_eq!(stranger.code, 3, "bob is forbidden: {stranger:?}");
    let unknown = run_collab(&proxy, Some(BAD_TOKEN), &["list", DATASET]).await;
    assert_eq!(
        unknown.code, 3,
        "an unknown token is unauthorized: {unknown:?}"
    );
    assert_eq!(as_alice(&["list", UNKNOWN_DATASET]).await.code, 3);
    let deleted = run_collab(
        &proxy,
        Some(ALICE_TOKEN),
        &["delete", DATASET, &config, "--yes"],
    )
    .await;
    assert_eq!(deleted.code, 0, "{deleted:?}");
    let again = run_collab(
        &proxy,
        Some(ALICE_TOKEN),
        &["delete", DATASET, &config, "--yes"],
    )
    .await;
    assert_eq!(again.code, 3, "the config is gone: {again:?}");
    assert_eq!(
        as_alice(&["grant", DATASET, "cy@example.com"]).await.code,
        0
    );
    // Without a token, by hand: the CLI refuses to call without one.
    let anonymous = reqwest::get(format!(
        "{proxy}/v1/datasets/{DATASET}/collaboration/access"
    ))
    .await
    .unwrap();
    assert_eq!(anonymous.status(), 401);
    // A dataset outside --dataset is refused by the proxy itself, and not recorded.
    let outside = as_alice(&["list", OUTSIDE_DATASET]).await;
    assert_eq!(outside.code, 3, "{outside:?}");
    assert!(
        outside.stderr.contains("not among the --dataset ones"),
        "{outside:?}"
    );

    let file = stop_recording(recording, &out);
    assert_no_credential(&file, &[ALICE_TOKEN, BOB_TOKEN, BAD_TOKEN]);
    let recorded: Value = serde_json::from_str(&file).unwrap();
    assert_eq!(recorded["format"], 1);
    assert_eq!(
        recorded["callers"],
        json!([
            {"placeholder": "<user:1>", "credential": "valid"},
            {"placeholder": "<user:2>", "credential": "valid"},
            {"placeholder": "<user:3>", "credential": "invalid"},
        ])
    );
    assert!(
        !file.contains(OUTSIDE_DATASET),
        "a refused request is not recorded"
    );
    assert_eq!(
        recorded["datasets"][0]["start"]["response"]["body"],
        json!([])
    );

    let report = check(&Recording::from_json(&file).unwrap()).await;
    assert_eq!(findings_of(&report), BTreeSet::new(), "{}", report.text());
    assert!(report.summary.steps >= 12, "{}", report.text());
    assert_eq!(report.summary.end_states, 2);

    let text = check_drift(&[&out]).await;
    assert_eq!(text.code, 0, "{text:?}");
    assert!(text.stdout.contains("no drift: "), "{text:?}");
    let lint = check_drift(&["--lint", &out]).await;
    assert_eq!(lint.code, 0, "{lint:?}");
    assert!(
        lint.stdout.contains("nothing looks like a credential"),
        "{lint:?}"
    );
}

/// How a stand-in departs from the API.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Deviation {
    /// Lists name `users` `userEmails`.
    RenamedField,
    /// Creates answer `200` instead of `201`.
    OtherStatus,
    /// An unknown dataset answers `NOT_FOUND` instead of `DATASET_UNKNOWN`.
    OtherErrorCode,
    /// Listed configs carry a `note` the fake does not have.
    ExtraField,
    /// Listed configs carry an `etag` that changes on every read.
    ChangingField,
    /// Listed configs carry the caller's token, and a 401 names it.
    EchoedToken,
}

struct StandIn {
    api: String,
    deviation: Deviation,
    client: reqwest::Client,
    reads: AtomicU64,
}

/// The fake's answer, rewritten by the deviation.
async fn stand_in(
    State(stand_in): State<Arc<StandIn>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path_and_query = uri.path_and_query().unwrap().as_str().to_owned();
    let mut call = stand_in
        .client
        .request(method.clone(), format!("{}{path_and_query}", stand_in.api))
        .body(body);
    for name in ["content-type", "authorization", "user-agent"] {
        if let Some(value) = headers.get(name) {
            call = call.header(name, value);
        }
    }
    let answer = call.send().await.unwrap();
    let mut status = StatusCode::from_u16(answer.status().as_u16()).unwrap();
    let text = answer.text().await.unwrap();
    let Ok(mut body) = serde_json::from_str::<Value>(&text) else {
        return (status, text).into_response();
    };
    let token = uri
        .query()
        .and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("token=")))
        .unwrap_or("")
        .to_owned();
    let read = stand_in.reads.fetch_add(1, Ordering::Relaxed);
    match stand_in.deviation {
        Deviation::OtherStatus if method == Method::POST && status == StatusCode::CREATED => {
            status = StatusCode::OK;
        }
        Deviation::OtherErrorCode if body["code"] == "DATASET_UNKNOWN" => {
            body["code"] = json!("NOT_FOUND");
        }
        Deviation::EchoedToken if status == StatusCode::UNAUTHORIZED => {
            body["error"] = json!(format!("unknown token {token}"));
        }
        _ => {}
    }
    if let Some(configs) = body.as_array_mut() {
        for config in configs {
            let config = config.as_object_mut().unwrap();
            match stand_in.deviation {
                Deviation::RenamedField => {
                    let users = config.remove("users").unwrap();
                    config.insert("userEmails".to_owned(), users);
                }
                Deviation::ExtraField => {
                    config.insert("note".to_owned(), json!("kept for 30 days"));
                }
                Deviation::ChangingField => {
                    config.insert("etag".to_owned(), json!(format!("v{read}")));
                }
                Deviation::EchoedToken => {
                    config.insert("seenToken".to_owned(), json!(token));
                }
                _ => {}
            }
        }
    }
    (status, axum::Json(body)).into_response()
}

/// An in-process server of the fake behind a stand-in with this deviation; gives the
/// fake and the stand-in's URL.
async fn start_stand_in(deviation: Deviation) -> (Api, String) {
    let api = Api::start().await;
    let state = Arc::new(StandIn {
        api: api.url(),
        deviation,
        client: reqwest::Client::new(),
        reads: AtomicU64::new(0),
    });
    let app = axum::Router::new().fallback(stand_in).with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (api, url)
}

/// One session of raw calls through `proxy`: creates, replaces, lists, meets the
/// 401/403/404s, deletes and creates again.
async fn session(proxy: &str) {
    let client = reqwest::Client::new();
    let access = format!("{proxy}/v1/datasets/{DATASET}/collaboration/access");
    let as_alice = format!("{access}?token={ALICE_TOKEN}");
    let send = |request: reqwest::RequestBuilder| async move { request.send().await.unwrap() };
    assert_eq!(send(client.get(&as_alice)).await.status(), 200);
    let create = json!({"accessType": "WRITE", "users": ["ann@example.com"]});
    let created: Value = send(client.post(&as_alice).json(&create))
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(send(client.get(&as_alice)).await.status(), 200);
    let replace = json!({"accessType": "WRITE", "users": ["bob@example.com", "ann@example.com"], "teams": ["acme"]});
    send(client.post(&as_alice).json(&replace)).await;
    send(client.get(&access).bearer_auth(ALICE_TOKEN)).await;
    let unknown =
        format!("{proxy}/v1/datasets/{UNKNOWN_DATASET}/collaboration/access?token={ALICE_TOKEN}");
    assert_eq!(send(client.get(&unknown)).await.status(), 404);
    assert_eq!(
        send(client.get(format!("{access}?token={BOB_TOKEN}")))
            .await
            .status(),
        403
    );
    assert_eq!(
        send(client.get(format!("{access}?token={BAD_TOKEN}")))
            .await
            .status(),
        401
    );
    assert_eq!(send(client.get(&access)).await.status(), 401);
    let one = format!("{access}/{id}?token={ALICE_TOKEN}");
    assert_eq!(send(client.delete(&one)).await.status(), 200);
    assert_eq!(send(client.delete(&one)).await.status(), 404);
    let bad = json!({"accessType": "READ"});
    assert_eq!(send(client.post(&as_alice).json(&bad)).await.status(), 400);
    send(client.post(&as_alice).json(&create)).await;
    assert_eq!(send(client.get(&as_alice)).await.status(), 200);
}

/// Records [`session`] in-process through a stand-in with `deviation`, every read
/// asked twice with `repeat_reads`.
async fn record_deviation(deviation: Deviation, repeat_reads: bool) -> Recording {
    let (_api, upstream) = start_stand_in(deviation).await;
    let proxy = Recorder::builder()
        .with_upstream(upstream)
        .with_repeat_reads(repeat_reads)
        .build()
        .unwrap()
        .bind(([127, 0, 0, 1], 0).into())
        .await
        .unwrap();
    session(&proxy.url()).await;
    let recording = proxy.stop().await.unwrap();
    assert_no_credential(&recording.to_json(), &[ALICE_TOKEN, BOB_TOKEN, BAD_TOKEN]);
    recording
}

/// The drift check of `recording`, in-process.
async fn check(recording: &Recording) -> Report {
    DriftCheck::new()
        .with_file("session.json")
        .run(recording)
        .await
        .unwrap()
}

/// Every finding of a report, as the JSON report spells them.
fn findings_of(report: &Report) -> BTreeSet<Finding> {
    findings(&serde_json::from_str(&report.json()).unwrap())
}

/// Records a session through a stand-in with `deviation` and checks it: gives whether
/// it drifted and the findings.
async fn planted(deviation: Deviation) -> (bool, BTreeSet<Finding>) {
    let report = check(&record_deviation(deviation, false).await).await;
    (report.has_drift(), findings_of(&report))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_renamed_field_is_drift() {
    let (drifted, found) = planted(Deviation::RenamedField).await;
    assert_eq!(
        found,
        BTreeSet::from([
            finding("drift", "missing field", "$[*].users"),
            finding("warning", "extra field", "$[*].userEmails"),
        ])
    );
    assert!(drifted);
}

#[tokio::test(flavor = "multi_thread")]
async fn another_status_is_drift_and_check_drift_exits_1_naming_it() {
    let recording = record_deviation(Deviation::OtherStatus, false).await;
    let report = check(&recording).await;
    assert_eq!(
        findings_of(&report),
        BTreeSet::from([finding("drift", "status", "")])
    );
    assert!(report.has_drift());

    // The command line: the text report, its verdict, exit 1.
    let scratch = Scratch::new("record-status");
    let out = scratch.file("session.json");
    std::fs::write(&out, recording.to_json()).unwrap();
    let text = check_drift(&[&out]).await;
    assert_eq!(text.code, 1, "{text:?}");
    assert!(
        text.stdout.contains(&format!(
            "step 2 POST /v1/datasets/{DATASET}/collaboration/access: drift: status: the API answered 200, the fake 201"
        )),
        "{text:?}"
    );
    assert!(text.stdout.contains("DRIFT: "), "{text:?}");
    assert!(text.stderr.contains("the fake drifted"), "{text:?}");
    let (code, json) = drift_report(&out).await;
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(json["summary"]["drifts"], report.summary.drifts, "{json:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn another_error_code_is_drift() {
    let (drifted, found) = planted(Deviation::OtherErrorCode).await;
    assert_eq!(
        found,
        BTreeSet::from([finding("drift", "error code", "$.code")])
    );
    assert!(drifted);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_extra_field_only_warns() {
    let (drifted, found) = planted(Deviation::ExtraField).await;
    assert_eq!(
        found,
        BTreeSet::from([finding("warning", "extra field", "$[*].note")])
    );
    assert!(!drifted);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_field_that_changes_on_every_read_is_learned_with_repeat_reads() {
    let (_, unlearned) = planted(Deviation::ChangingField).await;
    assert_eq!(
        unlearned,
        BTreeSet::from([finding("warning", "extra field", "$[*].etag")])
    );

    let recording = record_deviation(Deviation::ChangingField, true).await;
    let noisy: BTreeSet<&str> = recording
        .steps
        .iter()
        .flat_map(|step| &step.noise)
        .map(String::as_str)
        .collect();
    // The planted field, and the request id of the session's error answers, which
    // `collab serve` makes anew for every answer.
    assert_eq!(noisy, BTreeSet::from(["$.requestId", "$[*].etag"]));
    let report = check(&recording).await;
    assert_eq!(findings_of(&report), BTreeSet::new(), "{}", report.text());
    assert!(!report.has_drift());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_echoed_by_the_upstream_never_reaches_the_file() {
    let recording = record_deviation(Deviation::EchoedToken, false).await;
    let file = recording.to_json();
    // record_deviation checked the raw tokens; the placeholders stand in their place.
    assert!(file.contains(r#""seenToken": "<user:1>""#), "{file}");
    assert!(file.contains("unknown token <user:3>"), "{file}");
    let report = check(&recording).await;
    assert_eq!(
        findings_of(&report),
        BTreeSet::from([
            finding("warning", "error message", "$.error"),
            finding("warning", "extra field", "$[*].seenToken"),
        ])
    );
    assert!(!report.has_drift());
    assert_eq!(recording.credential_suspects(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn lint_names_where_a_credential_looks_left_and_a_bad_file_exits_2() {
    let scratch = Scratch::new("record-lint");
    let file = record_deviation(Deviation::ExtraField, false)
        .await
        .to_json();
    let out = scratch.file("session.json");
    std::fs::write(&out, &file).unwrap();
    let leaky = file.replacen("Bearer <user:1>", "Bearer hand-pasted-secret", 1);
    assert_ne!(leaky, file, "the session has a Bearer step");
    let leaky_path = scratch.file("leaky.json");
    std::fs::write(&leaky_path, &leaky).unwrap();
    let lint = check_drift(&["--lint", &leaky_path]).await;
    assert_eq!(lint.code, 1, "{lint:?}");
    assert!(lint.stdout.contains("looks like a credential"), "{lint:?}");
    assert!(!lint.stdout.contains("hand-pasted-secret"), "{lint:?}");
    assert!(!lint.stderr.contains("hand-pasted-secret"), "{lint:?}");

    let newer = file.replacen(r#""format": 1"#, r#""format": 9"#, 1);
    let newer_path = scratch.file("newer.json");
    std::fs::write(&newer_path, newer).unwrap();
    let refused = check_drift(&[&newer_path]).await;
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(refused.stderr.contains("format 9"), "{refused:?}");
    let missing = check_drift(&[&scratch.file("absent.json")]).await;
    assert_eq!(missing.code, 2, "{missing:?}");
    assert!(missing.stderr.contains("cannot read it"), "{missing:?}");
    assert_eq!(check_drift(&[&out]).await.code, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_documented_gap_is_counted_with_its_reason_not_hidden() {
    let mut recording = record_deviation(Deviation::ExtraField, false).await;
    recording.gaps.push(collab_fidelity::Gap::new(
        "$[*].note",
        "notes are not modelled yet",
    ));
    let report = check(&recording).await;
    assert_eq!(
        findings_of(&report),
        BTreeSet::from([finding("gap", "extra field", "$[*].note")])
    );
    assert_eq!(report.summary.warnings, 0, "{}", report.text());
    assert!(report.summary.gaps > 0, "{}", report.text());
    assert!(!report.has_drift());
    let text = report.text();
    assert!(
        text.contains("known gap: extra field at $[*].note"),
        "{text}"
    );
    assert!(text.contains("(notes are not modelled yet)"), "{text}");
}

/// An upstream that lists nothing, then, once told to, never answers (and says when
/// a request arrived).
struct Hanging {
    hang: std::sync::atomic::AtomicBool,
    arrived: tokio::sync::mpsc::UnboundedSender<()>,
}

async fn hanging(State(upstream): State<Arc<Hanging>>) -> Response {
    if upstream.hang.load(Ordering::SeqCst) {
        let _ = upstream.arrived.send(());
        std::future::pending::<()>().await;
    }
    axum::Json(json!([])).into_response()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_signal_while_the_end_states_are_read_stops_and_writes_nothing() {
    let (arrived, mut arrivals) = tokio::sync::mpsc::unbounded_channel();
    let upstream = Arc::new(Hanging {
        hang: Default::default(),
        arrived,
    });
    let app = axum::Router::new()
        .fallback(hanging)
        .with_state(Arc::clone(&upstream));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let scratch = Scratch::new("record-second-signal");
    let out = scratch.file("session.json");
    let recording = start_recording(&url, &out, &[]);
    let listed = reqwest::get(format!(
        "{}/v1/datasets/{DATASET}/collaboration/access?token={ALICE_TOKEN}",
        recording.url
    ))
    .await
    .unwrap();
    assert_eq!(listed.status(), 200);
    upstream.hang.store(true, Ordering::SeqCst);
    let pid = recording.child.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(sent.success());
    // The first signal makes it read the end state, which hangs.
    tokio::time::timeout(Duration::from_secs(60), arrivals.recv())
        .await
        .expect("the end state was asked for within 60 s");
    let exited_zero = tokio::task::spawn_blocking(move || recording.stop())
        .await
        .unwrap();
    assert!(!exited_zero, "a second signal fails the recording");
    assert!(!std::path::Path::new(&out).exists(), "nothing was written");
}
