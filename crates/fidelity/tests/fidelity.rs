//! The library in-process: a session recorded through the proxy against a server of
//! the fake replays with no drift; a planted difference is found; what cannot be used
//! is refused with the reason.

use std::net::SocketAddr;

use collab_fake::InMemoryStore;
use collab_fidelity::{
    CredentialState, DriftCheck, Error, Gap, Recorder, Recording, RecordingProxy, Severity,
};
use collab_server::{ServerConfig, ServerHandle};
use serde_json::{Value, json};

const ALICE_TOKEN: &str = "alice-secret-token-1";
const BOB_TOKEN: &str = "bob-secret-token-2";
const DATASET: &str = "5f0e4a6b2c1d3e4f5a6b7c8d";
const OUTSIDE_DATASET: &str = "bbbbbbbbbbbbbbbbbbbbbbbb";

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// A server of the fake: alice owns DATASET, bob is another user.
async fn upstream() -> ServerHandle {
    let store = InMemoryStore::new();
    store.add_user("alice");
    store.add_user("bob");
    store.add_dataset(DATASET.parse().unwrap(), "alice");
    let sessions = store.clone();
    let config = ServerConfig::new(move |user: &str| sessions.session(user))
        .with_user("alice", ALICE_TOKEN)
        .with_user("bob", BOB_TOKEN);
    collab_server::bind(loopback(), config)
        .await
        .unwrap()
        .spawn()
}

async fn proxy_to(upstream: &str) -> RecordingProxy {
    Recorder::builder()
        .with_upstream(upstream)
        .with_dataset(DATASET.parse().unwrap())
        .with_recorder_name("fidelity-tests")
        .build()
        .unwrap()
        .bind(loopback())
        .await
        .unwrap()
}

/// Creates, replaces, lists, meets a 403 and a 401, deletes twice, through `proxy`.
async fn session(proxy: &str) {
    let client = reqwest::Client::new();
    let access = format!("{proxy}/v1/datasets/{DATASET}/collaboration/access");
    let as_alice = format!("{access}?token={ALICE_TOKEN}");
    let create = json!({"accessType": "WRITE", "users": ["ann@example.com"]});
    let created = client.post(&as_alice).json(&create).send().await.unwrap();
    assert_eq!(created.status(), 201);
    let id = created.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let replace = json!({"accessType": "WRITE", "users": ["bob@example.com"], "teams": ["acme"]});
    let replaced = client.post(&as_alice).json(&replace).send().await.unwrap();
    assert_eq!(replaced.status(), 201);
    let listed = client
        .get(&access)
        .bearer_auth(ALICE_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);
    let as_bob = client
        .get(format!("{access}?token={BOB_TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(as_bob.status(), 403);
    let unknown = client
        .get(format!("{access}?token=nobody"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 401);
    let one = format!("{access}/{id}?token={ALICE_TOKEN}");
    assert_eq!(client.delete(&one).send().await.unwrap().status(), 200);
    assert_eq!(client.delete(&one).send().await.unwrap().status(), 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_recorded_against_a_server_of_the_fake_replays_with_no_finding() {
    let upstream = upstream().await;
    let proxy = proxy_to(&upstream.base_url()).await;
    session(&proxy.url()).await;
    // Outside the datasets allowed: refused by the proxy itself, not recorded.
    let outside = reqwest::get(format!(
        "{}/v1/datasets/{OUTSIDE_DATASET}/collaboration/access?token={ALICE_TOKEN}",
        proxy.url()
    ))
    .await
    .unwrap();
    assert_eq!(outside.status(), 403);
    let refusal: Value = outside.json().await.unwrap();
    assert!(
        refusal["error"]
            .as_str()
            .unwrap()
            .contains("not among the --dataset ones"),
        "{refusal}"
    );

    let recording = proxy.stop().await.unwrap();
    let text = recording.to_json();
    for secret in [ALICE_TOKEN, BOB_TOKEN, "nobody"] {
        assert!(!text.contains(secret), "{secret} reached the recording");
    }
    assert!(!text.contains(OUTSIDE_DATASET), "a refused request is kept");
    assert_eq!(recording.recorder, "fidelity-tests");
    assert_eq!(recording.steps.len(), 7);
    let states: Vec<CredentialState> = recording.callers.iter().map(|c| c.credential).collect();
    assert_eq!(
        states,
        [
            CredentialState::Valid,
            CredentialState::Valid,
            CredentialState::Invalid
        ]
    );
    assert!(recording.credential_suspects().is_empty());
    // The file reads back as it was written.
    assert_eq!(Recording::from_json(&text).unwrap().to_json(), text);

    let report = DriftCheck::new()
        .with_file("session.json")
        .run(&recording)
        .await
        .unwrap();
    assert_eq!(report.findings().count(), 0, "{}", report.text());
    assert_eq!(report.summary.steps, 7);
    assert_eq!(report.summary.end_states, 1);
    assert!(
        report
            .text()
            .starts_with("checked session.json against the fake")
    );
    upstream.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_planted_difference_is_drift_and_a_listed_gap_is_counted_with_its_reason() {
    let upstream = upstream().await;
    let proxy = proxy_to(&upstream.base_url()).await;
    session(&proxy.url()).await;
    let mut recording = proxy.stop().await.unwrap();
    upstream.shutdown().await;

    // As if the API had answered the create 200, and named its errors otherwise.
    recording.steps[0].response.status = 200;
    let forbidden = recording
        .steps
        .iter_mut()
        .find(|step| step.response.status == 403)
        .unwrap();
    forbidden.response.body.as_mut().unwrap()["code"] = json!("NOT_ALLOWED");
    let report = DriftCheck::new().run(&recording).await.unwrap();
    let found: Vec<(Severity, &str)> = report.findings().map(|f| (f.severity, f.what)).collect();
    assert_eq!(
        found,
        [(Severity::Drift, "status"), (Severity::Drift, "error code")],
        "{}",
        report.text()
    );
    assert!(report.has_drift());
    assert!(
        report.text().contains("DRIFT: 7 steps"),
        "{}",
        report.text()
    );

    recording
        .gaps
        .push(Gap::new("$.code", "the codes of 403 are being renamed"));
    let report = DriftCheck::new().run(&recording).await.unwrap();
    assert_eq!(report.summary.drifts, 1, "{}", report.text());
    assert_eq!(report.summary.gaps, 1);
    let gap = report
        .findings()
        .find(|f| f.severity == Severity::Gap)
        .unwrap();
    assert_eq!(
        gap.reason.as_deref(),
        Some("the codes of 403 are being renamed")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upstream_that_cannot_be_reached_is_answered_502_and_not_recorded() {
    // A port that was free a moment ago: nothing listens there.
    let closed = std::net::TcpListener::bind(loopback()).unwrap();
    let address = closed.local_addr().unwrap();
    drop(closed);
    let proxy = proxy_to(&format!("http://{address}")).await;
    let answer = reqwest::get(format!("{}/v1/versions/pip/minimum", proxy.url()))
        .await
        .unwrap();
    assert_eq!(answer.status(), 502);
    let body: Value = answer.json().await.unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("cannot be reached"),
        "{body}"
    );
    let recording = proxy.stop().await.unwrap();
    assert!(recording.steps.is_empty());
}

#[tokio::test]
async fn what_cannot_be_used_is_refused_with_the_reason() {
    let not_json = Recording::from_json("{").unwrap_err();
    assert!(
        matches!(&not_json, Error::UnusableRecording { reason } if reason.starts_with("not JSON")),
        "{not_json:?}"
    );
    let no_format = Recording::from_json("{}").unwrap_err();
    assert!(
        no_format.to_string().contains("no \"format\" number"),
        "{no_format}"
    );

    let bad_start = Recording::from_value(json!({
        "format": 1, "recordedAt": "2026-12-01T21:00:00.000Z", "upstream": "http://x",
        "recorder": "hand", "callers": [{"placeholder": "<user:1>", "credential": "valid"}],
        "datasets": [{"id": DATASET, "start": {"caller": "<user:1>",
            "response": {"status": 200, "body": {"not": "a list"}}}}],
        "steps": [],
    }))
    .unwrap();
    let refused = DriftCheck::new().run(&bad_start).await.unwrap_err();
    assert!(
        matches!(&refused, Error::UnusableRecording { reason }
            if reason.contains("its start state is not a list of configs")),
        "{refused:?}"
    );
}

#[test]
fn a_pasted_credential_is_named_by_its_path_never_by_its_value() {
    let recording = Recording::from_value(json!({
        "format": 1, "recordedAt": "2026-12-01T21:00:00.000Z", "upstream": "http://x",
        "recorder": "hand", "callers": [], "datasets": [],
        "steps": [{"request": {"method": "GET", "path": "/v1/versions/pip/latest",
            "query": [["token", "pasted-by-hand"]]},
            "response": {"status": 200, "body": "1.5.26"}}],
    }))
    .unwrap();
    let suspects = recording.credential_suspects();
    assert_eq!(suspects, ["$.steps[0].request.query[0][1]"]);
}

#[test]
fn the_builder_names_the_setting_it_refuses() {
    for (upstream, reason) in [
        ("api.lightly.ai", "is not a URL"),
        ("ftp://api.lightly.ai", "must be an http:// or https:// URL"),
        ("https://user:pw@api.lightly.ai", "takes no user info"),
    ] {
        let refused = Recorder::builder()
            .with_upstream(upstream)
            .build()
            .unwrap_err();
        assert!(
            matches!(&refused, Error::InvalidSetting { setting: "upstream", reason: why } if why.starts_with(reason)),
            "{upstream}: {refused:?}"
        );
        assert!(!refused.to_string().contains("pw@"), "{refused}");
    }
}
