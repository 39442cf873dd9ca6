//! The sharing service over mockall's generated mock: what it reads, what it writes,
//! and that a change that changes nothing writes nothing.

use std::sync::Arc;

use collab_core::{
    AccessConfig, AccessConfigId, DatasetId, Error, MockAccessConfigRepository, SharedAccessType,
    SharingService, Timestamp,
};

fn dataset() -> DatasetId {
    "0123456789abcdef01234567".parse().unwrap()
}

fn config_id() -> AccessConfigId {
    "aaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap()
}

fn existing(users: &[&str], teams: &[&str]) -> AccessConfig {
    AccessConfig {
        id: config_id(),
        owner: "alice".into(),
        access_type: SharedAccessType::Write,
        users: users.iter().map(|u| u.to_string()).collect(),
        teams: teams.iter().map(|o| o.to_string()).collect(),
        created_at: Timestamp::from_millis(1),
        last_modified_at: Timestamp::from_millis(2),
    }
}

fn repo_with(config: Option<AccessConfig>) -> MockAccessConfigRepository {
    let mut repo = MockAccessConfigRepository::new();
    let configs: Arc<[AccessConfig]> = config.into_iter().collect();
    let fresh = Arc::clone(&configs);
    repo.expect_list()
        .returning(move |_| Ok(Arc::clone(&configs)));
    // What the service reads to decide what to write.
    repo.expect_list_fresh()
        .returning(move |_| Ok(Arc::clone(&fresh)));
    repo
}

#[tokio::test]
async fn grant_adds_users_and_keeps_the_rest() {
    let mut repo = repo_with(Some(existing(&["ann@x.io"], &["acme"])));
    repo.expect_create_or_update()
        .withf(|_, request| {
            request.users() == ["ann@x.io", "bob@x.io"] && request.teams() == ["acme"]
        })
        .times(1)
        .returning(|_, _| Ok(config_id()));
    let applied = SharingService::new(repo)
        .grant(&dataset(), ["bob@x.io", "ANN@x.io"])
        .await
        .unwrap();
    assert_eq!(applied.plan.added_users, ["bob@x.io"]);
    assert!(applied.plan.removed_users.is_empty());
    assert_eq!(applied.written, Some(config_id()));
}

#[tokio::test]
async fn revoke_removes_users_and_keeps_the_rest() {
    let mut repo = repo_with(Some(existing(&["ann@x.io", "bob@x.io"], &["acme"])));
    repo.expect_create_or_update()
        .withf(|_, request| request.users() == ["bob@x.io"] && request.teams() == ["acme"])
        .times(1)
        .returning(|_, _| Ok(config_id()));
    let applied = SharingService::new(repo)
        .revoke(&dataset(), ["Ann@X.io"])
        .await
        .unwrap();
    assert_eq!(applied.plan.removed_users, ["ann@x.io"]);
    assert!(applied.wrote());
}

#[tokio::test]
async fn a_change_that_changes_nothing_writes_nothing() {
    let mut repo = repo_with(Some(existing(&["ann@x.io"], &[])));
    repo.expect_create_or_update().never();
    let sharing = SharingService::new(repo);
    let granted = sharing.grant(&dataset(), ["ann@x.io"]).await.unwrap();
    assert!(granted.plan.is_noop() && !granted.wrote(), "{granted:?}");
    let revoked = sharing.revoke(&dataset(), ["zed@x.io"]).await.unwrap();
    assert!(revoked.plan.is_noop() && !revoked.wrote(), "{revoked:?}");
    let plan = sharing
        .plan_share(&dataset(), ["ann@x.io"], [""; 0])
        .await
        .unwrap();
    let applied = sharing.apply(&plan).await.unwrap();
    assert_eq!((applied.plan, applied.written), (plan, None));
}

#[tokio::test]
async fn plan_share_reports_every_difference() {
    let repo = repo_with(Some(existing(&["ann@x.io", "bob@x.io"], &["acme"])));
    let plan = SharingService::new(repo)
        .plan_share(&dataset(), ["bob@x.io", "cy@x.io"], ["globex"])
        .await
        .unwrap();
    assert_eq!(plan.added_users, ["cy@x.io"]);
    assert_eq!(plan.removed_users, ["ann@x.io"]);
    assert_eq!(plan.added_teams, ["globex"]);
    assert_eq!(plan.removed_teams, ["acme"]);
    assert!(!plan.is_noop());
}

#[tokio::test]
async fn share_only_with_replaces_users_and_drops_teams() {
    let mut repo = repo_with(Some(existing(&["bob@x.io"], &["acme"])));
    repo.expect_create_or_update()
        .withf(|_, request| request.users() == ["ann@x.io"] && request.teams().is_empty())
        .times(1)
        .returning(|_, _| Ok(config_id()));
    let applied = SharingService::new(repo)
        .share_only_with(&dataset(), ["ann@x.io"])
        .await
        .unwrap();
    assert_eq!(applied.written, Some(config_id()));
    assert_eq!(applied.plan.added_users, ["ann@x.io"]);
    assert_eq!(applied.plan.removed_users, ["bob@x.io"]);
    assert_eq!(applied.plan.removed_teams, ["acme"]);
}

#[tokio::test]
async fn shared_users_reads_the_write_config_or_nothing() {
    let sharing = SharingService::new(repo_with(Some(existing(&["ann@x.io"], &[]))));
    assert_eq!(
        sharing.shared_users(&dataset()).await.unwrap(),
        ["ann@x.io"]
    );
    let sharing = SharingService::new(repo_with(None));
    assert!(sharing.shared_users(&dataset()).await.unwrap().is_empty());
}

#[tokio::test]
async fn invalid_users_are_refused_before_any_call() {
    let mut repo = MockAccessConfigRepository::new();
    repo.expect_list().never();
    repo.expect_list_fresh().never();
    repo.expect_create_or_update().never();
    let result = SharingService::new(repo)
        .grant(&dataset(), ["not-an-email"])
        .await;
    assert!(
        matches!(&result, Err(Error::InvalidRequest { message }) if message.contains("not-an-email")),
        "{result:?}"
    );
}

#[tokio::test]
async fn errors_of_the_repository_pass_through() {
    let mut repo = MockAccessConfigRepository::new();
    repo.expect_list_fresh()
        .returning(|d| Err(collab_core::rules::unknown_dataset(*d)));
    let result = SharingService::new(repo)
        .grant(&dataset(), ["a@x.io"])
        .await;
    assert!(matches!(result, Err(Error::DatasetNotFound { dataset: d, .. }) if d == dataset()));
}

#[tokio::test]
async fn sharing_a_dataset_without_config_creates_one_even_empty() {
    let mut repo = repo_with(None);
    repo.expect_create_or_update()
        .withf(|_, request| request.users().is_empty() && request.teams().is_empty())
        .times(1)
        .returning(|_, _| Ok(config_id()));
    let sharing = SharingService::new(repo);
    let plan = sharing
        .plan_share(&dataset(), [""; 0], [""; 0])
        .await
        .unwrap();
    assert!(plan.creates && !plan.is_noop(), "{plan:?}");
    assert_eq!(
        sharing.apply(&plan).await.unwrap().written,
        Some(config_id())
    );
}

#[tokio::test]
async fn revoking_from_a_dataset_without_config_creates_nothing() {
    let mut repo = repo_with(None);
    repo.expect_create_or_update().never();
    let applied = SharingService::new(repo)
        .revoke(&dataset(), ["ann@x.io"])
        .await
        .unwrap();
    assert!(!applied.plan.creates && !applied.wrote(), "{applied:?}");
}

#[tokio::test]
async fn entries_the_service_stores_in_another_shape_are_kept_and_can_be_revoked() {
    // The spec's own example value is not an e-mail address; it must not block a grant.
    let mut repo = repo_with(Some(existing(&["users_example", "ann@x.io"], &[])));
    repo.expect_create_or_update()
        .withf(|_, request| request.users() == ["users_example", "ann@x.io", "bob@x.io"])
        .times(1)
        .returning(|_, _| Ok(config_id()));
    SharingService::new(repo)
        .grant(&dataset(), ["bob@x.io"])
        .await
        .unwrap();

    let mut repo = repo_with(Some(existing(&["users_example", "ann@x.io"], &[])));
    repo.expect_create_or_update()
        .withf(|_, request| request.users() == ["ann@x.io"])
        .times(1)
        .returning(|_, _| Ok(config_id()));
    let applied = SharingService::new(repo)
        .revoke(&dataset(), [" users_example "])
        .await
        .unwrap();
    assert_eq!(applied.plan.removed_users, ["users_example"]);
}
