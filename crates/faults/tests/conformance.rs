//! The port's conformance suite and the model-based test through `FaultyRepository`
//! over the fake: with no rule that fires, the decorator must be invisible.

use std::sync::Arc;

use collab_core::AccessConfigRepository;
use collab_fake::Session;
use collab_faults::{FaultAction, FaultRule, Faults, FaultyRepository, Operation};
use collab_testkit::fake::fake_fixture;
use collab_testkit::{Fixture, check_against_model, run_conformance};

/// Each caller's session behind the decorator, all sharing `faults`.
fn faulty_fixture(faults: &Faults) -> Fixture<FaultyRepository<Session>> {
    fake_fixture().map(|session| {
        let user = session.user().to_owned();
        FaultyRepository::new(session, faults.clone()).with_user(user)
    })
}

#[tokio::test]
async fn with_no_rule_the_decorator_passes_the_conformance_suite() {
    let faults = Faults::new();
    run_conformance(&faulty_fixture(&faults)).await;
    assert!(faults.rules().is_empty());
}

#[tokio::test]
async fn behind_arc_dyn_the_decorator_passes_the_conformance_suite() {
    let fixture = faulty_fixture(&Faults::new())
        .map(|repo| Arc::new(repo) as Arc<dyn AccessConfigRepository>);
    run_conformance(&fixture).await;
}

#[tokio::test]
async fn with_rules_that_never_fire_the_decorator_passes_the_conformance_suite() {
    // In scope of every call but out of fires (`times: 0`); out of scope: a user and
    // a dataset the suite never uses.
    let unused_dataset = "5f00000000000000000000ff".parse().expect("a valid id");
    let faults = Faults::from_rules([
        FaultRule::new(Operation::Any, FaultAction::status(503)).times(0),
        FaultRule::new(Operation::Any, FaultAction::status(503)).for_user("nobody"),
        FaultRule::new(Operation::Any, FaultAction::status(503)).on_dataset(unused_dataset),
    ]);
    let fixture = fake_fixture().map(|session| {
        let user = session.user().to_owned();
        FaultyRepository::new(session, faults.clone()).with_user(user)
    });
    run_conformance(&fixture).await;
    let rules = faults.rules();
    assert!(rules[0].matched > 0, "the suite's calls were counted");
    assert!(rules.iter().all(|rule| rule.fired == 0));
}

#[test]
fn with_no_rule_the_decorator_agrees_with_the_model() {
    check_against_model(32, || async { faulty_fixture(&Faults::new()) });
}
