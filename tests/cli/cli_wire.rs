//! End-to-end: the CLI speaks today's terms (`--team`, a `TEAMS` column, `teams` in
//! `--json`) and writes the generation of the wire `--wire` asks for.

use crate::support::{ALICE_TOKEN, Api, DATASET, dataset, run_collab};
use serde_json::json;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test(flavor = "multi_thread")]
async fn teams_are_shared_with_team_and_listed_under_teams() {
    let api = Api::start().await;
    let shared = api
        .collab(&[
            "share",
            DATASET,
            "--user",
            "ann@example.com",
            "--team",
            "team-1",
        ])
        .await;
    assert_eq!(shared.code, 0, "{shared:?}");
    assert!(shared.stdout.contains("+ team team-1"), "{shared:?}");
    // The 2022 spelling of the flag still works, hidden.
    let old = api
        .collab(&[
            "share",
            DATASET,
            "--user",
            "ann@example.com",
            "--org",
            "team-2",
        ])
        .await;
    assert_eq!(old.code, 0, "{old:?}");
    assert_eq!(api.store.configs(&dataset()).unwrap()[0].teams, ["team-2"]);

    let table = api.collab(&["list", DATASET]).await;
    assert!(
        table.stdout.lines().next().unwrap().contains("TEAMS"),
        "{table:?}"
    );
    assert!(!table.stdout.contains("ORGANIZATIONS"), "{table:?}");
    let listed = api.collab(&["--json", "list", DATASET]).await;
    let body: serde_json::Value = serde_json::from_str(&listed.stdout).unwrap();
    assert_eq!(body[0]["teams"], json!(["team-2"]));
    assert!(body[0].get("organizations").is_none(), "{body}");

    let help = api.collab(&["share", "--help"]).await;
    assert!(help.stdout.contains("--team"), "{help:?}");
    assert!(
        !help.stdout.contains("--org"),
        "the alias stays hidden: {help:?}"
    );
}

async fn a_server_expecting(body: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    let access = format!("/v1/datasets/{DATASET}/collaboration/access");
    Mock::given(method("GET"))
        .and(path(access.clone()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(access))
        .and(body_json(body))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"id": "89abcdef0123456789abcdef"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn wire_2022_writes_organizations_and_the_default_writes_teams() {
    let share = [
        "share",
        DATASET,
        "--user",
        "ann@example.com",
        "--team",
        "acme",
    ];
    let server = a_server_expecting(
        json!({"accessType": "WRITE", "users": ["ann@example.com"], "organizations": ["acme"]}),
    )
    .await;
    let mut args = vec!["--wire", "2022"];
    args.extend(share);
    let run = run_collab(&server.uri(), Some(ALICE_TOKEN), &args).await;
    assert_eq!(run.code, 0, "{run:?}");
    server.verify().await;

    let server = a_server_expecting(
        json!({"accessType": "WRITE", "users": ["ann@example.com"], "teams": ["acme"]}),
    )
    .await;
    let run = run_collab(&server.uri(), Some(ALICE_TOKEN), &share).await;
    assert_eq!(run.code, 0, "{run:?}");
    server.verify().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_generation_is_a_usage_error_naming_the_accepted_ones() {
    let api = Api::start().await;
    let run = api.collab(&["--wire", "2019", "list", DATASET]).await;
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("`current` or `2022`") && run.stderr.contains("auto"),
        "{run:?}"
    );
}
