//! Property tests of the matching: determinism, scoping, and what `after`, `times` and
//! `probability` count.

use collab_core::{AccessConfigRepository, DatasetId, ShareRequest};
use collab_faults::{Call, FaultAction, FaultId, FaultRule, Faults, FaultyRepository, Operation};
use proptest::prelude::*;

const DATASETS: [&str; 3] = [
    "5f0000000000000000000001",
    "5f0000000000000000000002",
    "5f0000000000000000000003",
];
const USERS: [&str; 3] = ["alice", "bob", "carol"];
const OPERATIONS: [Operation; 3] = [
    Operation::List,
    Operation::CreateOrUpdate,
    Operation::Delete,
];

fn dataset(index: usize) -> DatasetId {
    DATASETS[index].parse().expect("a valid id")
}

/// A call by indices: (operation, dataset, user).
type CallSpec = (usize, usize, usize);

fn calls(max: usize) -> impl Strategy<Value = Vec<CallSpec>> {
    prop::collection::vec((0..3usize, 0..3usize, 0..3usize), 0..max)
}

fn rules() -> impl Strategy<Value = Vec<FaultRule>> {
    let operation = prop_oneof![
        Just(Operation::Any),
        Just(Operation::List),
        Just(Operation::CreateOrUpdate),
        Just(Operation::Delete),
    ];
    let rule = (
        operation,
        prop::option::of(0..3usize),
        prop::option::of(0..3usize),
        0..4u64,
        prop::option::of(0..4u64),
        prop_oneof![Just(1.0), 0.0..=1.0f64],
        any::<u64>(),
    )
        .prop_map(
            |(operation, on_dataset, for_user, after, times, probability, seed)| {
                let mut rule = FaultRule::new(operation, FaultAction::status(503))
                    .after(after)
                    .with_probability(probability, seed);
                rule.times = times;
                rule.dataset = on_dataset.map(dataset);
                rule.user = for_user.map(|user| USERS[user].to_owned());
                rule
            },
        );
    prop::collection::vec(rule, 1..4)
}

/// Which rule fired on each call, in order.
fn firings(faults: &Faults, calls: &[CallSpec]) -> Vec<Option<FaultId>> {
    calls
        .iter()
        .map(|&(operation, dataset_index, user)| {
            let dataset = dataset(dataset_index);
            let call = Call {
                operation: OPERATIONS[operation],
                dataset: Some(&dataset),
                user: Some(USERS[user]),
            };
            faults.check(&call).map(|fired| fired.rule)
        })
        .collect()
}

/// The indices (among the calls) a lone `rule` fires on, over `n` calls in its scope.
fn alone(rule: &FaultRule, n: usize) -> Vec<usize> {
    let faults = Faults::from_rules([rule.clone()]);
    let call = Call {
        operation: Operation::List,
        dataset: None,
        user: None,
    };
    (0..n).filter(|_| faults.check(&call).is_some()).collect()
}

fn in_scope(rule: &FaultRule, &(operation, dataset_index, user): &CallSpec) -> bool {
    rule.operation
        .is_some_and(|op| op.matches(OPERATIONS[operation]))
        && rule.dataset.is_none_or(|d| d == dataset(dataset_index))
        && rule.user.as_deref().is_none_or(|u| u == USERS[user])
}

proptest! {
    #[test]
    fn the_same_rules_and_calls_fire_the_same_way_in_a_fresh_faults(rules in rules(), calls in calls(80)) {
        let first = Faults::from_rules(rules.clone());
        let second = Faults::new();
        for rule in &rules {
            second.arm(rule.clone());
        }
        prop_assert_eq!(firings(&first, &calls), firings(&second, &calls));
        prop_assert_eq!(first.rules(), second.rules());
    }

    #[test]
    fn a_rule_never_fires_on_a_call_outside_its_scope(rules in rules(), calls in calls(80)) {
        let faults = Faults::from_rules(rules.clone());
        let fired = firings(&faults, &calls);
        for (call, fired) in calls.iter().zip(&fired) {
            if let Some(id) = fired {
                let index = usize::try_from(id.get() - 1).expect("small ids");
                prop_assert!(in_scope(&rules[index], call), "rule {} fired on {:?}", id, call);
            }
        }
        // Every rule counted exactly the calls in its scope, whatever the other rules did.
        for (armed, rule) in faults.rules().iter().zip(&rules) {
            let expected = calls.iter().filter(|call| in_scope(rule, call)).count();
            prop_assert_eq!(armed.matched, expected as u64);
        }
    }

    #[test]
    fn without_limits_a_call_goes_to_the_first_rule_that_alone_would_fire(mut rules in rules(), calls in calls(60)) {
        for rule in &mut rules {
            rule.times = None;
        }
        let combined = firings(&Faults::from_rules(rules.clone()), &calls);
        let lone: Vec<Vec<Option<FaultId>>> = rules
            .iter()
            .map(|rule| firings(&Faults::from_rules([rule.clone()]), &calls))
            .collect();
        for (at, fired) in combined.iter().enumerate() {
            let first = lone.iter().position(|decisions| decisions[at].is_some());
            prop_assert_eq!(fired.map(|id| id.get()), first.map(|index| index as u64 + 1));
        }
    }

    #[test]
    fn after_and_times_pick_a_window_of_the_probabilitys_choices(
        after in 0..10u64, times in prop::option::of(0..10u64), probability in 0.0..=1.0f64, seed in any::<u64>(),
    ) {
        let free = FaultRule::new(Operation::List, FaultAction::status(503)).with_probability(probability, seed);
        let mut bounded = free.clone().after(after);
        bounded.times = times;
        let n = 60;
        let expected: Vec<usize> = alone(&free, n)
            .into_iter()
            .filter(|&k| k as u64 >= after)
            .take(times.map_or(n, |t| t as usize))
            .collect();
        prop_assert_eq!(alone(&bounded, n), expected);
    }

    #[test]
    fn at_probability_one_exactly_the_calls_after_after_fire_up_to_times(after in 0..10u64, times in prop::option::of(0..10u64), n in 0..30usize) {
        let mut rule = FaultRule::new(Operation::List, FaultAction::status(503)).after(after);
        rule.times = times;
        let start = (after as usize).min(n);
        let count = times.map_or(n - start, |t| (t as usize).min(n - start));
        prop_assert_eq!(alone(&rule, n), (start..start + count).collect::<Vec<_>>());
    }

    #[test]
    fn the_decorator_fails_the_same_calls_in_every_run(seed in any::<u64>(), ops in prop::collection::vec(0..3usize, 1..30)) {
        let rule = FaultRule::new(Operation::Any, FaultAction::status(503)).with_probability(0.5, seed);
        let run = || -> Vec<bool> {
            let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
            runtime.block_on(async {
                let store = collab_fake::InMemoryStore::new();
                store.add_dataset(dataset(0), "alice");
                let repo = FaultyRepository::new(store.session("alice"), Faults::from_rules([rule.clone()]));
                let request = ShareRequest::users_only(["ann@example.com"]).expect("valid");
                let config = "5f00000000000000000000aa".parse().expect("a valid id");
                let mut failed = Vec::new();
                for op in &ops {
                    let outcome = match op {
                        0 => repo.list(&dataset(0)).await.err(),
                        1 => repo.create_or_update(&dataset(0), &request).await.err(),
                        _ => repo.delete(&dataset(0), &config).await.err(),
                    };
                    // Only the fault's errors count (a delete of an unknown config fails too).
                    failed.push(outcome.is_some_and(|e| e.to_string().contains("injected fault")));
                }
                failed
            })
        };
        let first = run();
        prop_assert_eq!(&first, &run());
        let expected: Vec<bool> = {
            let fired = alone(&rule, ops.len());
            (0..ops.len()).map(|k| fired.contains(&k)).collect()
        };
        prop_assert_eq!(first, expected);
    }
}

#[test]
fn a_probability_fires_about_that_share_of_calls() {
    for seed in [0, 1, 7, 42, u64::MAX] {
        let rule =
            FaultRule::new(Operation::List, FaultAction::status(503)).with_probability(0.3, seed);
        let fired = alone(&rule, 10_000).len();
        assert!(
            (2_700..=3_300).contains(&fired),
            "seed {seed}: {fired} of 10 000"
        );
    }
    let never = FaultRule::new(Operation::List, FaultAction::status(503)).with_probability(0.0, 3);
    assert!(alone(&never, 1_000).is_empty());
}

#[test]
fn different_seeds_pick_different_calls() {
    let pick = |seed| {
        alone(
            &FaultRule::new(Operation::List, FaultAction::status(503)).with_probability(0.5, seed),
            64,
        )
    };
    assert_ne!(pick(1), pick(2));
}
