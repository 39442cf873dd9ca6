//! The stacks the bench and the `overhead` example compare, over one fake store.

use collab_core::{AccessConfigRepository, DatasetId, ShareRequest};
use collab_fake::{InMemoryStore, Session};
use collab_faults::{FaultAction, FaultRule, Faults, FaultyRepository, Operation};

/// The bare fake, the decorator with no rule, and the decorator with one armed rule
/// that never matches (it is on another dataset); all list `dataset`, which holds one
/// config.
pub(crate) struct Stacks {
    pub(crate) dataset: DatasetId,
    pub(crate) bare: Session,
    pub(crate) no_rule: FaultyRepository<Session>,
    pub(crate) one_rule_elsewhere: FaultyRepository<Session>,
}

impl Stacks {
    pub(crate) fn new(runtime: &tokio::runtime::Runtime) -> Self {
        let dataset: DatasetId = "65f0a1b2c3d4e5f6ffffffff".parse().expect("a valid id");
        let elsewhere: DatasetId = "65f0a1b2c3d4e5f600000000".parse().expect("a valid id");
        let store = InMemoryStore::new();
        store.add_dataset(dataset, "alice");
        let request = ShareRequest::write(["ann@example.com", "bob@example.com"], ["acme"])
            .expect("a valid request");
        let bare = store.session("alice");
        runtime
            .block_on(bare.create_or_update(&dataset, &request))
            .expect("the fake writes");
        let no_rule =
            FaultyRepository::new(store.session("alice"), Faults::new()).with_user("alice");
        let faults = Faults::new();
        faults.arm(FaultRule::new(Operation::List, FaultAction::status(503)).on_dataset(elsewhere));
        let one_rule_elsewhere =
            FaultyRepository::new(store.session("alice"), faults).with_user("alice");
        Self {
            dataset,
            bare,
            no_rule,
            one_rule_elsewhere,
        }
    }

    /// Panics unless the armed rule stayed out of every measured call's scope.
    pub(crate) fn assert_the_rule_never_matched(&self) {
        let rules = self.one_rule_elsewhere.faults().rules();
        assert_eq!(
            (rules[0].matched, rules[0].fired),
            (0, 0),
            "the rule never matched"
        );
    }
}
