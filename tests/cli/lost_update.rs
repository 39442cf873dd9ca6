//! The lost-update reproduction of issue #12: after `collab share $D --user base@x.com`,
//! 20 concurrent grants of one user each must leave exactly 21 users: as 20 `collab
//! --redis URL grant` processes against one `collab serve` process (the fleet lock on a
//! real redis-server), and as 20 concurrent calls in one process (the in-process lock,
//! no Redis).

use std::collections::BTreeSet;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use crate::support::{
    ALICE_TOKEN, Api, DATASET, Run, ServeProcess, collab_command, dataset, run_collab,
};
use collab::core::SharingService;
use collab::http::HttpRepository;
use collab::redis::testing::RedisServer;

const GRANTS: usize = 20;

/// `base@x.com` and `u0@x.com` .. `u19@x.com`.
fn expected_users() -> BTreeSet<String> {
    (0..GRANTS)
        .map(|n| format!("u{n}@x.com"))
        .chain(["base@x.com".to_owned()])
        .collect()
}

fn stored_users(api: &Api) -> BTreeSet<String> {
    let configs = api.store.configs(&dataset()).unwrap();
    assert_eq!(configs.len(), 1, "{configs:?}");
    configs[0].users.iter().cloned().collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_concurrent_cli_grants_with_redis_lose_nothing() {
    let redis = RedisServer::start();
    let served = ServeProcess::start(&[
        "--user",
        &format!("alice={ALICE_TOKEN}"),
        "--dataset",
        &format!("{DATASET}=alice"),
    ]);
    let base = run_collab(
        &served.url,
        Some(ALICE_TOKEN),
        &[
            "--redis",
            &redis.url(),
            "share",
            DATASET,
            "--user",
            "base@x.com",
        ],
    )
    .await;
    assert_eq!(base.code, 0, "{base:?}");

    // All started before any is waited for. Redis is named with the flag before the
    // command, after it, or with REDIS_URL.
    let children: Vec<_> = (0..GRANTS)
        .map(|n| {
            let mut command = collab_command();
            command
                .env("LIGHTLY_SERVER_LOCATION", &served.url)
                .env("LIGHTLY_TOKEN", ALICE_TOKEN)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            let user = format!("u{n}@x.com");
            match n % 3 {
                0 => command.args(["--redis", &redis.url(), "grant", DATASET, &user]),
                1 => command.args(["grant", DATASET, &user, "--redis", &redis.url()]),
                _ => command
                    .env("REDIS_URL", redis.url())
                    .args(["grant", DATASET, &user]),
            };
            let child = command.spawn().unwrap();
            (user, child)
        })
        .collect();
    for (user, child) in children {
        let output = tokio::time::timeout(
            Duration::from_secs(90),
            tokio::task::spawn_blocking(move || child.wait_with_output()),
        )
        .await
        .expect("each grant ends within 90 s")
        .unwrap()
        .unwrap();
        let run = Run::from(output);
        assert_eq!(run.code, 0, "{user}: {run:?}");
        assert!(run.stdout.contains(&format!("+ user {user}")), "{run:?}");
    }

    let listed = run_collab(&served.url, Some(ALICE_TOKEN), &["--json", "list", DATASET]).await;
    assert_eq!(listed.code, 0, "{listed:?}");
    let configs: serde_json::Value = serde_json::from_str(&listed.stdout).unwrap();
    let users: BTreeSet<String> = configs[0]["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|user| user.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(users, expected_users(), "no grant lost");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cli_grant_with_redis_down_fails_clearly_and_writes_nothing() {
    let mut redis = RedisServer::start();
    let url = redis.url();
    redis.stop();
    let api = Api::start().await;
    let run = api
        .collab(&["--redis", &url, "grant", DATASET, "ann@x.com"])
        .await;
    assert_eq!(run.code, 4, "unavailable: {run:?}");
    assert!(
        run.stderr.contains(&format!("cannot reach {url}"))
            && run.stderr.contains("nothing was written"),
        "{run:?}"
    );
    assert!(
        api.store.configs(&dataset()).unwrap().is_empty(),
        "nothing was written"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_concurrent_grants_in_one_process_lose_nothing() {
    let api = Api::start().await;
    let repo = HttpRepository::builder()
        .with_base_url(api.url())
        .with_api_token(ALICE_TOKEN)
        .build()
        .unwrap();
    SharingService::new(repo.clone())
        .share_only_with(&dataset(), ["base@x.com"])
        .await
        .unwrap();

    // Each call through its own service, as independent parts of an application would.
    let repo = Arc::new(repo);
    let tasks: Vec<_> = (0..GRANTS)
        .map(|n| {
            let sharing = SharingService::new(Arc::clone(&repo));
            tokio::spawn(async move { sharing.grant(&dataset(), [format!("u{n}@x.com")]).await })
        })
        .collect();
    for task in tasks {
        let applied = tokio::time::timeout(Duration::from_secs(60), task)
            .await
            .expect("each grant ends within 60 s")
            .unwrap()
            .unwrap();
        assert_eq!(applied.plan.added_users.len(), 1, "{applied:?}");
        assert!(applied.wrote(), "{applied:?}");
    }
    assert_eq!(stored_users(&api), expected_users(), "no grant lost");
}

#[tokio::test]
async fn a_plan_applied_after_a_concurrent_change_writes_nothing() {
    let store = collab::fake::InMemoryStore::new();
    store.add_dataset(dataset(), "alice");
    let sharing = SharingService::new(store.session("alice"));
    sharing
        .share_only_with(&dataset(), ["base@x.com"])
        .await
        .unwrap();
    let plan = sharing.plan_grant(&dataset(), ["ann@x.com"]).await.unwrap();

    // Someone else changes the sharing between the plan and its application.
    sharing.grant(&dataset(), ["bob@x.com"]).await.unwrap();
    let error = sharing
        .apply(&plan)
        .await
        .expect_err("the plan is outdated");
    assert!(
        matches!(&error, collab::core::Error::Conflict { message } if message.contains("changed since the plan was made")),
        "{error:?}"
    );
    let users = sharing.shared_users(&dataset()).await.unwrap();
    assert_eq!(users, ["base@x.com", "bob@x.com"], "bob's grant is kept");

    let fresh = sharing.plan_grant(&dataset(), ["ann@x.com"]).await.unwrap();
    sharing.apply(&fresh).await.unwrap();
    let users = sharing.shared_users(&dataset()).await.unwrap();
    assert_eq!(users, ["base@x.com", "bob@x.com", "ann@x.com"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_redis_url_is_a_usage_error_that_hides_its_password() {
    let api = Api::start().await;
    let run = api
        .collab(&[
            "--redis",
            "redis://:hunter2@127.0.0.1:notaport",
            "grant",
            DATASET,
            "ann@x.com",
        ])
        .await;
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("--redis: not a Redis URL"), "{run:?}");
    assert!(!run.stderr.contains("hunter2"), "{run:?}");
    assert!(
        api.store.configs(&dataset()).unwrap().is_empty(),
        "nothing was written"
    );
}
