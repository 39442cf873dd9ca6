//! Properties of the sharing service over the fake: applying a plan yields the set it
//! promised, and a plan that changes nothing writes nothing.

use std::time::Duration;

use collab_core::{AccessConfigRepository, DatasetId, ShareRequest, SharingService, Timestamp};
use collab_fake::{InMemoryStore, ManualClock};
use proptest::prelude::*;

const POOL: &[&str] = &[
    "ann@x.io", "bob@x.io", "cy@x.io", "DEE@x.io", "dee@x.io", "eve@x.io",
];

#[derive(Debug, Clone)]
enum Change {
    Grant(Vec<&'static str>),
    Revoke(Vec<&'static str>),
    Share(Vec<&'static str>),
}

fn users() -> impl Strategy<Value = Vec<&'static str>> {
    proptest::sample::subsequence(POOL, 0..=POOL.len())
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        users().prop_map(Change::Grant),
        users().prop_map(Change::Revoke),
        users().prop_map(Change::Share),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn applying_a_plan_yields_the_planned_users(initial in proptest::option::of(users()), change in change()) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(async {
            let dataset: DatasetId = "0123456789abcdef01234567".parse().unwrap();
            let clock = ManualClock::new(Timestamp::from_millis(1_000));
            let store = InMemoryStore::with_clock(clock.clone());
            store.add_dataset(dataset, "alice");
            let repo = store.session("alice");
            if let Some(initial) = &initial {
                repo.create_or_update(&dataset, &ShareRequest::write(initial, ["acme"]).unwrap()).await.unwrap();
            }
            let before = store.configs(&dataset).unwrap();
            clock.advance(Duration::from_secs(1));

            let sharing = SharingService::new(&repo);
            let plan = match &change {
                Change::Grant(users) => sharing.plan_grant(&dataset, users).await.unwrap(),
                Change::Revoke(users) => sharing.plan_revoke(&dataset, users).await.unwrap(),
                Change::Share(users) => sharing.plan_share(&dataset, users, ["acme"]).await.unwrap(),
            };
            let applied = sharing.apply(&plan).await.unwrap();

            prop_assert_eq!(&applied.plan, &plan);
            prop_assert_eq!(applied.wrote(), !plan.is_noop());
            if plan.is_noop() {
                prop_assert_eq!(store.configs(&dataset).unwrap(), before.clone(), "a no-op plan writes nothing");
            } else {
                prop_assert_eq!(sharing.shared_users(&dataset).await.unwrap(), plan.users.clone());
            }
            // What the plan says it adds and removes is exactly the difference.
            let keys = |users: &[String]| users.iter().map(|u| u.to_ascii_lowercase()).collect::<std::collections::BTreeSet<_>>();
            let old = keys(&before.first().map(|c| c.users.clone()).unwrap_or_default());
            let new = keys(&plan.users);
            prop_assert_eq!(keys(&plan.added_users), &new - &old);
            prop_assert_eq!(keys(&plan.removed_users), &old - &new);
            Ok(())
        })?;
    }
}
