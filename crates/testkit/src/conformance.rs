//! The conformance suite: one async function per part of the port's contract.
//!
//! Each function takes a [`Fixture`], clears the fixture's datasets first, asserts
//! error *variants* and values, and panics with a message naming the broken rule.

use collab_core::{
    AccessConfig, AccessConfigId, AccessConfigList, AccessConfigRepository, DatasetId, Error,
    ShareRequest, SharedAccessType,
};

use collab_core::SharingService;
use collab_core::coordination::InProcessLocks;

use crate::{Fixture, unknown_config_id};

/// Runs every conformance check, in order.
pub async fn run_conformance<R: AccessConfigRepository>(fixture: &Fixture<R>) {
    create_then_list(fixture).await;
    update_replaces_and_keeps_identity(fixture).await;
    request_is_normalised(fixture).await;
    empty_lists_clear_access(fixture).await;
    delete_removes_and_recreate_gets_new_id(fixture).await;
    delete_unknown_config_is_config_not_found(fixture).await;
    unknown_dataset_is_dataset_not_found(fixture).await;
    stranger_is_forbidden_and_changes_nothing(fixture).await;
    unauthenticated_is_unauthorized(fixture).await;
    datasets_are_isolated(fixture).await;
    concurrent_writes_leave_one_config(fixture).await;
    no_change_made_elsewhere_is_lost(fixture).await;
}

/// Deletes every config of the fixture's two datasets, as their owner.
pub async fn reset<R: AccessConfigRepository>(fixture: &Fixture<R>) {
    for dataset in [fixture.dataset, fixture.other_dataset] {
        let configs = fixture
            .owner
            .list(&dataset)
            .await
            .expect("reset: list as owner");
        for config in configs.iter() {
            fixture
                .owner
                .delete(&dataset, &config.id)
                .await
                .expect("reset: delete as owner");
        }
    }
}

fn write_request(users: &[&str], teams: &[&str]) -> ShareRequest {
    ShareRequest::write(users, teams).expect("valid request")
}

/// The dataset's configs, listed by its owner.
async fn owner_list<R: AccessConfigRepository>(fixture: &Fixture<R>) -> AccessConfigList {
    fixture
        .owner
        .list(&fixture.dataset)
        .await
        .expect("list as owner")
}

async fn only_config<R: AccessConfigRepository>(fixture: &Fixture<R>) -> AccessConfig {
    let configs = owner_list(fixture).await;
    assert_eq!(
        configs.len(),
        1,
        "one config per dataset and access type, got {configs:?}"
    );
    configs[0].clone()
}

/// Clears the fixture's datasets, creates the dataset's config as its owner, and gives
/// it as listed.
async fn fresh_config<R: AccessConfigRepository>(
    fixture: &Fixture<R>,
    users: &[&str],
) -> AccessConfig {
    reset(fixture).await;
    fixture
        .owner
        .create_or_update(&fixture.dataset, &write_request(users, &[]))
        .await
        .expect("create as owner");
    only_config(fixture).await
}

/// A create answers an id; the list then shows that one config with the owner, the
/// access type, the lists as sent, and `createdAt <= lastModifiedAt`.
pub async fn create_then_list<R: AccessConfigRepository>(fixture: &Fixture<R>) {
    reset(fixture).await;
    let empty = owner_list(fixture).await;
    assert!(empty.is_empty(), "a reset dataset has no config: {empty:?}");

    let request = write_request(&["ann@example.com", "bob@example.com"], &["acme"]);
    let id = fixture
        .owner
        .create_or_update(&fixture.dataset, &request)
        .await
        .expect("create as owner");
    let config = only_config(fixture).await;
    assert_eq!(config.id, id, "create answers the id the list shows");
    assert_eq!(config.owner, fixture.owner_name);
    assert_eq!(config.access_type, SharedAccessType::Write);
    assert_eq!(config.users, ["ann@example.com", "bob@example.com"]);
    assert_eq!(config.teams, ["acme"]);
    assert!(
        config.created_at <= config.last_modified_at,
        "createdAt <= lastModifiedAt: {config:?}"
    );
}

/// A second create-or-update replaces users and teams, keeps `id` and
/// `createdAt`, does not move `lastModifiedAt` backwards, and leaves one config.
pub async fn update_replaces_and_keeps_identity<R: AccessConfigRepository>(fixture: &Fixture<R>) {
    reset(fixture).await;
    let first = fixture
        .owner
        .create_or_update(
            &fixture.dataset,
            &write_request(&["ann@example.com"], &["acme"]),
        )
        .await
        .expect("create");
    let before = only_config(fixture).await;
    let second = fixture
        .owner
        .create_or_update(&fixture.dataset, &write_request(&["cy@example.com"], &[]))
        .await
        .expect("update");
    assert_eq!(first, second, "an update answers the same id");
    let after = only_config(fixture).await;
    assert_eq!(after.id, before.id);
    assert_eq!(
        after.created_at, before.created_at,
        "an update keeps createdAt"
    );
    assert!(
        after.last_modified_at >= before.last_modified_at,
        "lastModifiedAt never goes back"
    );
    assert!(after.created_at <= after.last_modified_at);
    assert_eq!(
        after.users,
        ["cy@example.com"],
        "users are replaced, not merged"
    );
    assert!(after.teams.is_empty(), "teams are replaced: {after:?}");
}

/// The backend stores the normalised request: trimmed, duplicates dropped, order kept.
pub async fn request_is_normalised<R: AccessConfigRepository>(fixture: &Fixture<R>) {
    reset(fixture).await;
    let request = write_request(
        &[" bob@example.com ", "ann@example.com", "BOB@example.com"],
        &["acme", "acme"],
    );
    fixture
        .owner
        .create_or_update(&fixture.dataset, &request)
        .await
        .expect("create");
    let config = only_config(fixture).await;
    assert_eq!(config.users, ["bob@example.com", "ann@example.com"]);
    assert_eq!(config.teams, ["acme"]);
}

/// Sharing with nobody keeps the config, with empty lists (Lightly's
/// `share_dataset_only_with(dataset, [])` revokes everyone this way).
pub async fn empty_lists_clear_access<R: AccessConfigRepository>(fixture: &Fixture<R>) {
    reset(fixture).await;
    let id = fixture
        .owner
        .create_or_update(
            &fixture.dataset,
            &write_request(&["ann@example.com"], &["acme"]),
        )
        .await
        .expect("create");
    let cleared = fixture
        .owner
        .create_or_update(&fixture.dataset, &write_request(&[], &[]))
        .await
        .expect("clear");
    assert_eq!(id, cleared);
    let config = only_config(fixture).await;
    assert!(
        config.users.is_empty() && config.teams.is_empty(),
        "{config:?}"
    );
}

/// Delete removes the config; deleting it again is a config not-found; a new
/// create-or-update makes a config with a new id.
pub async fn delete_removes_and_recreate_gets_new_id<R: AccessConfigRepository>(
    fixture: &Fixture<R>,
) {
    reset(fixture).await;
    let old = fixture
        .owner
        .create_or_update(&fixture.dataset, &write_request(&["ann@example.com"], &[]))
        .await
        .expect("create");
    fixture
        .owner
        .delete(&fixture.dataset, &old)
        .await
        .expect("delete as owner");
    let configs = owner_list(fixture).await;
    assert!(configs.is_empty(), "deleted config is gone: {configs:?}");

    let again = fixture.owner.delete(&fixture.dataset, &old).await;
    assert!(
        matches!(again, Err(Error::AccessConfigNotFound { dataset, config, .. }) if dataset == fixture.dataset && config == old),
        "deleting twice is AccessConfigNotFound, got {again:?}"
    );

    let new = fixture
        .owner
        .create_or_update(&fixture.dataset, &write_request(&["ann@example.com"], &[]))
        .await
        .expect("recreate");
    assert_ne!(new, old, "a recreated config has a new id");
}

/// Deleting an id the dataset does not hold is [`Error::AccessConfigNotFound`] and
/// changes nothing.
pub async fn delete_unknown_config_is_config_not_found<R: AccessConfigRepository>(
    fixture: &Fixture<R>,
) {
    let before = fresh_config(fixture, &["ann@example.com"]).await;
    let unknown = unknown_config_id();
    let result = fixture.owner.delete(&fixture.dataset, &unknown).await;
    assert!(
        matches!(result, Err(Error::AccessConfigNotFound { dataset, config, .. }) if dataset == fixture.dataset && config == unknown),
        "unknown config is AccessConfigNotFound, got {result:?}"
    );
    assert_eq!(
        only_config(fixture).await,
        before,
        "a failed delete changes nothing"
    );
}

/// Calls each of the four methods once, as `repo`, on `dataset`, and gives each
/// outcome with the method's name. The delete names `config`.
async fn each_method<R: AccessConfigRepository>(
    repo: &R,
    dataset: &DatasetId,
    config: &AccessConfigId,
) -> [(&'static str, Result<(), Error>); 4] {
    let request = write_request(&["eve@example.com"], &[]);
    [
        ("list", repo.list(dataset).await.map(drop)),
        ("list_fresh", repo.list_fresh(dataset).await.map(drop)),
        (
            "create_or_update",
            repo.create_or_update(dataset, &request).await.map(drop),
        ),
        ("delete", repo.delete(dataset, config).await),
    ]
}

/// Asserts that every outcome is the expected error.
fn assert_each(
    outcomes: [(&str, Result<(), Error>); 4],
    rule: &str,
    expected: impl Fn(&Error) -> bool,
) {
    for (method, outcome) in outcomes {
        assert!(
            matches!(&outcome, Err(error) if expected(error)),
            "{rule}: {method} answered {outcome:?}"
        );
    }
}

/// Every method on an unknown dataset is [`Error::DatasetNotFound`] naming it.
pub async fn unknown_dataset_is_dataset_not_found<R: AccessConfigRepository>(fixture: &Fixture<R>) {
    let unknown = fixture.unknown_dataset;
    let config = unknown_config_id();
    assert_each(
        each_method(&fixture.owner, &unknown, &config).await,
        "an unknown dataset is DatasetNotFound",
        |error| matches!(error, Error::DatasetNotFound { dataset, .. } if *dataset == unknown),
    );
}

/// A user who does not own the dataset gets [`Error::Forbidden`] from every method,
/// and the config stays as it was.
pub async fn stranger_is_forbidden_and_changes_nothing<R: AccessConfigRepository>(
    fixture: &Fixture<R>,
) {
    let before = fresh_config(fixture, &["ann@example.com"]).await;
    assert_each(
        each_method(&fixture.stranger, &fixture.dataset, &before.id).await,
        "a stranger is Forbidden",
        |error| matches!(error, Error::Forbidden { .. }),
    );
    assert_eq!(
        only_config(fixture).await,
        before,
        "refused calls change nothing"
    );
}

/// Bad credentials get [`Error::Unauthorized`] from every method, and change nothing.
pub async fn unauthenticated_is_unauthorized<R: AccessConfigRepository>(fixture: &Fixture<R>) {
    reset(fixture).await;
    let config = unknown_config_id();
    assert_each(
        each_method(&fixture.unauthenticated, &fixture.dataset, &config).await,
        "bad credentials are Unauthorized",
        |error| matches!(error, Error::Unauthorized { .. }),
    );
    let configs = owner_list(fixture).await;
    assert!(
        configs.is_empty(),
        "refused calls change nothing: {configs:?}"
    );
}

/// A write to one dataset does not show in another.
pub async fn datasets_are_isolated<R: AccessConfigRepository>(fixture: &Fixture<R>) {
    reset(fixture).await;
    let id = fixture
        .owner
        .create_or_update(&fixture.dataset, &write_request(&["ann@example.com"], &[]))
        .await
        .expect("create");
    let other = fixture
        .owner
        .list(&fixture.other_dataset)
        .await
        .expect("list other");
    assert!(other.is_empty(), "other dataset untouched: {other:?}");
    let other_id = fixture
        .owner
        .create_or_update(
            &fixture.other_dataset,
            &write_request(&["bob@example.com"], &[]),
        )
        .await
        .expect("create other");
    assert_ne!(
        id, other_id,
        "configs of different datasets have different ids"
    );
    assert_eq!(only_config(fixture).await.users, ["ann@example.com"]);
}

/// How many create-or-update calls [`concurrent_writes_leave_one_config`] races.
pub const CONCURRENT_WRITES: usize = 16;

/// Concurrent create-or-update calls on one dataset leave exactly one config, and
/// every call answers its id.
pub async fn concurrent_writes_leave_one_config<R: AccessConfigRepository>(fixture: &Fixture<R>) {
    reset(fixture).await;
    let requests: Vec<ShareRequest> = (0..CONCURRENT_WRITES)
        .map(|i| ShareRequest::write([format!("user{i}@example.com")], ["acme"]).expect("valid"))
        .collect();
    let calls = requests
        .iter()
        .map(|r| fixture.owner.create_or_update(&fixture.dataset, r));
    let ids: Vec<AccessConfigId> = futures::future::join_all(calls)
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("concurrent creates succeed");
    let config = only_config(fixture).await;
    assert!(
        ids.iter().all(|id| *id == config.id),
        "every call answers the one config's id: {ids:?}"
    );
    assert_eq!(
        config.users.len(),
        1,
        "the last write wins whole: {config:?}"
    );
}

/// The lost update of a read-modify-write through a cache: the owner reads the config
/// through `owner` (a cache keeps it), someone changes it [elsewhere](Fixture::elsewhere)
/// (adds a team), then a grant through `owner` must keep that change, and a plan made
/// before it must fail to apply with [`Error::Conflict`], writing nothing. Also:
/// `list_fresh` sees the change at once. Skipped when the fixture has no `elsewhere`.
pub async fn no_change_made_elsewhere_is_lost<R: AccessConfigRepository>(fixture: &Fixture<R>) {
    let Some(elsewhere) = &fixture.elsewhere else {
        return;
    };
    // Locks of its own: a test's service must not queue behind another test's.
    let sharing = SharingService::new(&fixture.owner).with_local_locks(InProcessLocks::new());
    let dataset = &fixture.dataset;
    let elsewhere_adds_a_team = || async {
        elsewhere
            .create_or_update(dataset, &write_request(&["ann@example.com"], &["globex"]))
            .await
            .expect("the change made elsewhere");
    };

    // A grant after a change made elsewhere keeps it.
    fresh_config(fixture, &["ann@example.com"]).await; // read through `owner`: cached
    elsewhere_adds_a_team().await;
    let fresh = fixture.owner.list_fresh(dataset).await.expect("list_fresh");
    assert_eq!(
        fresh.first().map(|c| c.teams.clone()),
        Some(vec!["globex".to_owned()]),
        "list_fresh answers the source's state, not a cached one: {fresh:?}"
    );
    fresh_config(fixture, &["ann@example.com"]).await; // cached again, without the team
    elsewhere_adds_a_team().await;
    sharing
        .grant(dataset, ["bob@example.com"])
        .await
        .expect("grant as owner");
    let config = only_config(fixture).await;
    assert_eq!(
        (config.users.as_slice(), config.teams.as_slice()),
        (
            &["ann@example.com".to_owned(), "bob@example.com".to_owned()][..],
            &["globex".to_owned()][..]
        ),
        "a grant must keep a change made elsewhere (lost update through a cache)"
    );

    // A plan made before a change elsewhere does not apply over it.
    fresh_config(fixture, &["ann@example.com"]).await;
    let plan = sharing
        .plan_grant(dataset, ["bob@example.com"])
        .await
        .expect("plan as owner");
    elsewhere_adds_a_team().await;
    let stale = sharing.apply(&plan).await;
    assert!(
        matches!(&stale, Err(Error::Conflict { message }) if message.contains("changed since the plan")),
        "a plan made before a change elsewhere must fail with Conflict, got {stale:?}"
    );
    let after = elsewhere.list(dataset).await.expect("list elsewhere");
    assert_eq!(
        (after[0].users.as_slice(), after[0].teams.as_slice()),
        (
            &["ann@example.com".to_owned()][..],
            &["globex".to_owned()][..]
        ),
        "a stale plan writes nothing"
    );
}
