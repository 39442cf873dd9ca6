//! Each action through `FaultyRepository` over the fake; delays and hangs on tokio's
//! paused clock.

use std::time::Duration;

use collab_core::wire::RetryAfter;
use collab_core::{AccessConfigRepository, ApiErrorCode, DatasetId, Error, ShareRequest};
use collab_fake::{InMemoryStore, Session};
use collab_faults::{DropMode, FaultAction, FaultRule, Faults, FaultyRepository, Operation};
use tokio::time::Instant;

const DATASET: &str = "5f0000000000000000000001";

fn dataset() -> DatasetId {
    DATASET.parse().expect("a valid id")
}

/// Alice owns the dataset; bob is a known user. Returns alice's faulty session.
fn alice(faults: &Faults) -> FaultyRepository<Session> {
    let store = InMemoryStore::new();
    store.add_dataset(dataset(), "alice");
    store.add_user("bob");
    FaultyRepository::new(store.session("alice"), faults.clone()).with_user("alice")
}

fn grant() -> ShareRequest {
    ShareRequest::users_only(["ann@example.com"]).expect("a valid request")
}

async fn users_on_the_dataset(repo: &FaultyRepository<Session>) -> Vec<String> {
    let configs = repo
        .get_ref()
        .list(&dataset())
        .await
        .expect("the fake lists");
    configs
        .iter()
        .flat_map(|config| config.users.clone())
        .collect()
}

fn rule(operation: Operation, action: FaultAction) -> FaultRule {
    FaultRule::new(operation, action)
}

#[tokio::test]
async fn a_status_answers_the_error_and_applies_nothing() {
    let faults = Faults::new();
    let repo = alice(&faults);
    let id = faults.arm(rule(Operation::CreateOrUpdate, FaultAction::status(503)));
    let error = repo
        .create_or_update(&dataset(), &grant())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Unavailable { message, source: None }
            if message.contains("injected fault: status 503") && message.contains("SERVICE_UNAVAILABLE")),
        "{error:?}"
    );
    assert!(users_on_the_dataset(&repo).await.is_empty(), "not applied");
    assert_eq!(faults.rules()[0].id, id);
    assert_eq!((faults.rules()[0].matched, faults.rules()[0].fired), (1, 1));
}

#[tokio::test]
async fn applied_writes_then_answers_the_error() {
    let faults = Faults::new();
    let repo = alice(&faults);
    faults.arm(
        rule(
            Operation::CreateOrUpdate,
            FaultAction::status(503).applied(),
        )
        .times(1),
    );
    let error = repo
        .create_or_update(&dataset(), &grant())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Unavailable { .. }), "{error:?}");
    assert_eq!(users_on_the_dataset(&repo).await, ["ann@example.com"]);
    // Retrying writes the same config again: nothing changes.
    repo.create_or_update(&dataset(), &grant())
        .await
        .expect("the rule is spent");
    assert_eq!(users_on_the_dataset(&repo).await, ["ann@example.com"]);
}

#[tokio::test]
async fn applied_answers_the_inner_error_when_the_inner_call_failed() {
    let faults = Faults::new();
    let store = InMemoryStore::new();
    store.add_dataset(dataset(), "alice");
    store.add_user("bob");
    let bob = FaultyRepository::new(store.session("bob"), faults.clone()).with_user("bob");
    faults.arm(rule(
        Operation::CreateOrUpdate,
        FaultAction::status(503).applied(),
    ));
    let error = bob
        .create_or_update(&dataset(), &grant())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Forbidden { .. }), "{error:?}");
}

#[tokio::test]
async fn statuses_become_what_the_http_adapter_returns() {
    let faults = Faults::new();
    let repo = alice(&faults);
    let config = "5f00000000000000000000aa".parse().expect("a valid id");

    faults.arm(
        rule(
            Operation::List,
            FaultAction::status(429).with_retry_after(1),
        )
        .times(1),
    );
    let error = repo.list(&dataset()).await.unwrap_err();
    assert!(
        matches!(error, Error::RateLimited { retry_after: Some(wait), .. } if wait == Duration::from_secs(1)),
        "{error:?}"
    );

    faults.arm(
        rule(
            Operation::List,
            FaultAction::status(503).with_retry_after(2),
        )
        .times(1),
    );
    let error = repo.list(&dataset()).await.unwrap_err();
    let asked = match &error {
        Error::Unavailable {
            source: Some(source),
            ..
        } => source.downcast_ref::<RetryAfter>(),
        _ => None,
    };
    assert_eq!(
        asked,
        Some(&RetryAfter(Duration::from_secs(2))),
        "{error:?}"
    );

    let not_found = FaultAction::status(404).with_code(ApiErrorCode::AccessControlUnknown);
    faults.arm(rule(Operation::Delete, not_found).times(1));
    let error = repo.delete(&dataset(), &config).await.unwrap_err();
    assert!(
        matches!(error, Error::AccessConfigNotFound { dataset: d, config: c, .. } if d == dataset() && c == config),
        "{error:?}"
    );

    faults.arm(rule(Operation::List, FaultAction::status(403)).times(1));
    let error = repo.list(&dataset()).await.unwrap_err();
    assert!(matches!(error, Error::Forbidden { .. }), "{error:?}");

    faults.arm(rule(Operation::List, FaultAction::status(400)).times(1));
    let error = repo.list(&dataset()).await.unwrap_err();
    assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
}

#[tokio::test(start_paused = true)]
async fn a_delay_waits_then_answers_normally() {
    let faults = Faults::new();
    let repo = alice(&faults);
    let delay = Duration::from_millis(1500);
    faults.arm(rule(Operation::List, FaultAction::delay(delay)));

    let started = Instant::now();
    let dataset = dataset();
    let mut call = repo.list(&dataset);
    let early = tokio::time::timeout(delay - Duration::from_millis(1), &mut call).await;
    assert!(early.is_err(), "answered before the delay");
    let configs = call.await.expect("the fake answers after the delay");
    assert!(configs.is_empty());
    assert_eq!(started.elapsed(), delay);
}

#[tokio::test(start_paused = true)]
async fn a_delay_before_a_status_waits_then_fails() {
    let faults = Faults::new();
    let repo = alice(&faults);
    let delay = Duration::from_secs(3);
    faults.arm(rule(
        Operation::List,
        FaultAction::status(500).with_delay(delay),
    ));
    let started = Instant::now();
    let error = repo.list(&dataset()).await.unwrap_err();
    assert!(matches!(error, Error::Unavailable { .. }), "{error:?}");
    assert_eq!(started.elapsed(), delay);
}

#[tokio::test]
async fn a_reset_is_unavailable_and_applies_nothing() {
    let faults = Faults::new();
    let repo = alice(&faults);
    faults.arm(rule(
        Operation::CreateOrUpdate,
        FaultAction::drop_connection(DropMode::Reset),
    ));
    let error = repo
        .create_or_update(&dataset(), &grant())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Unavailable { message, .. } if message.contains("connection was reset")),
        "{error:?}"
    );
    assert!(error.is_retryable());
    assert!(users_on_the_dataset(&repo).await.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_hang_never_answers_and_applies_nothing() {
    let faults = Faults::new();
    let repo = alice(&faults);
    faults.arm(rule(
        Operation::CreateOrUpdate,
        FaultAction::drop_connection(DropMode::Hang),
    ));
    let started = Instant::now();
    let outcome = tokio::time::timeout(
        Duration::from_secs(3600),
        repo.create_or_update(&dataset(), &grant()),
    )
    .await;
    assert!(outcome.is_err(), "a hung call answered: {outcome:?}");
    assert_eq!(started.elapsed(), Duration::from_secs(3600));
    assert!(users_on_the_dataset(&repo).await.is_empty());
}

#[tokio::test]
async fn rules_on_a_user_fire_only_on_that_users_calls() {
    let faults = Faults::new();
    faults.arm(rule(Operation::List, FaultAction::status(503)).for_user("bob"));
    let repo = alice(&faults);
    repo.list(&dataset()).await.expect("alice is not bob");
    let anonymous = FaultyRepository::new(repo.get_ref().clone(), faults.clone());
    anonymous
        .list(&dataset())
        .await
        .expect("a decorator without a user is nobody");
    let as_bob = FaultyRepository::new(repo.get_ref().clone(), faults.clone()).with_user("bob");
    assert!(as_bob.list(&dataset()).await.is_err());
    assert_eq!((faults.rules()[0].matched, faults.rules()[0].fired), (1, 1));
}

#[tokio::test]
async fn a_fault_that_applies_nothing_never_reaches_the_inner_repository() {
    let inner_faults = Faults::new();
    let outer_faults = Faults::new();
    let inner = alice(&inner_faults);
    // The inner decorator counts every call that reaches it.
    inner_faults.arm(rule(Operation::Any, FaultAction::status(503)).times(0));
    let outer = FaultyRepository::new(inner, outer_faults.clone());
    outer_faults.arm(rule(Operation::List, FaultAction::status(503)).times(1));
    outer_faults.arm(
        rule(
            Operation::CreateOrUpdate,
            FaultAction::status(503).applied(),
        )
        .times(1),
    );

    assert!(outer.list(&dataset()).await.is_err());
    assert_eq!(
        inner_faults.rules()[0].matched,
        0,
        "a plain status does not call inner"
    );
    assert!(outer.create_or_update(&dataset(), &grant()).await.is_err());
    assert_eq!(
        inner_faults.rules()[0].matched,
        1,
        "applied calls inner once"
    );
    outer.list(&dataset()).await.expect("both rules are spent");
    assert_eq!(inner_faults.rules()[0].matched, 2);
}

#[tokio::test]
async fn the_accessors_reach_the_inner_repository_and_the_rules() {
    let faults = Faults::new();
    let mut repo = alice(&faults);
    assert_eq!(repo.user(), Some("alice"));
    assert_eq!(repo.get_mut().user(), "alice");
    faults.arm(rule(Operation::List, FaultAction::status(503)));
    assert_eq!(repo.faults().rules().len(), 1, "clones share the rules");
    let session = repo.into_inner();
    session
        .list(&dataset())
        .await
        .expect("the bare session sees no rule");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_fire_exactly_times_times() {
    let faults = Faults::new();
    let repo = std::sync::Arc::new(alice(&faults));
    faults.arm(
        rule(Operation::List, FaultAction::status(503))
            .after(5)
            .times(10),
    );
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let repo = std::sync::Arc::clone(&repo);
            tokio::spawn(async move { repo.list(&dataset()).await.is_err() })
        })
        .collect();
    let mut failed = 0;
    for call in calls {
        failed += usize::from(call.await.expect("the task ran"));
    }
    assert_eq!(failed, 10);
    assert_eq!(
        (faults.rules()[0].matched, faults.rules()[0].fired),
        (100, 10)
    );
}
