//! `FaultyRepository` and the new fields: drawn delays on tokio's paused clock, rules
//! by path, exact errors (no `Retry-After` unless set), and the rules only a connection
//! can express, which it ignores.

use std::time::Duration;

use collab_core::wire::RetryAfter;
use collab_core::{AccessConfigRepository, DatasetId, Error, ShareRequest};
use collab_fake::{InMemoryStore, Session};
use collab_faults::{
    DelayDistribution, FaultAction, FaultRule, Faults, FaultyRepository, Operation, RequestInfo,
};
use tokio::time::Instant;

const DATASET: &str = "5f0000000000000000000001";

fn dataset() -> DatasetId {
    DATASET.parse().expect("a valid id")
}

fn alice(faults: &Faults) -> FaultyRepository<Session> {
    let store = InMemoryStore::new();
    store.add_dataset(dataset(), "alice");
    FaultyRepository::new(store.session("alice"), faults.clone()).with_user("alice")
}

fn rule(json: &str) -> FaultRule {
    FaultRule::from_json(json).expect("a valid rule")
}

fn list_path() -> String {
    format!("/v1/datasets/{DATASET}/collaboration/access")
}

#[tokio::test(start_paused = true)]
async fn drawn_delays_are_waited_on_the_paused_clock_and_repeat_with_the_seed() {
    for text in [
        r#"{"operation":"list","delay":{"uniform":[100,900]},"seed":5}"#,
        r#"{"operation":"list","delay":{"lognormal":{"medianMs":300,"sigma":0.8}},"seed":5}"#,
    ] {
        // What the rule draws for its first calls, asked of the matching directly.
        let expected: Vec<Duration> = {
            let faults = Faults::from_rules([rule(text)]);
            let path = list_path();
            (0..8)
                .map(|_| {
                    let request = RequestInfo::new(&path).with_operation(Operation::List);
                    faults
                        .check_request(&request)
                        .and_then(|fired| fired.delay)
                        .expect("fires with a delay")
                })
                .collect()
        };
        let faults = Faults::from_rules([rule(text)]);
        let repo = alice(&faults);
        let mut waited = Vec::new();
        for _ in 0..8 {
            let started = Instant::now();
            repo.list(&dataset())
                .await
                .expect("a delay alone answers normally");
            waited.push(started.elapsed());
        }
        assert_eq!(waited, expected, "{text}");
        assert!(
            waited.windows(2).any(|pair| pair[0] != pair[1]),
            "{text}: {waited:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_drawn_delay_before_a_status_waits_then_fails() {
    let faults = Faults::new();
    let repo = alice(&faults);
    let distribution = DelayDistribution::Uniform {
        low: Duration::from_millis(200),
        high: Duration::from_millis(400),
    };
    faults.arm(FaultRule::new(
        Operation::List,
        FaultAction::status(500).with_delay_distribution(distribution),
    ));
    let started = Instant::now();
    let error = repo.list(&dataset()).await.unwrap_err();
    assert!(matches!(error, Error::Unavailable { .. }), "{error:?}");
    assert_eq!(started.elapsed(), distribution.draw(0, 0));
    assert!((Duration::from_millis(200)..=Duration::from_millis(400)).contains(&started.elapsed()));
}

#[tokio::test]
async fn a_rule_by_path_fails_the_calls_whose_path_it_matches() {
    let faults = Faults::new();
    let repo = alice(&faults);
    let config = "5f00000000000000000000aa".parse().expect("a valid id");
    faults.arm(rule(r#"{"path":"/v1/versions/*","status":503}"#));
    assert!(repo.list(&dataset()).await.is_ok(), "another route's rule");
    faults.clear();

    faults.arm(rule(&format!(
        r#"{{"path":"/v1/datasets/{DATASET}/collaboration/access/*","status":500}}"#
    )));
    assert!(
        repo.list(&dataset()).await.is_ok(),
        "the list's path has no config"
    );
    let error = repo.delete(&dataset(), &config).await.unwrap_err();
    assert!(matches!(error, Error::Unavailable { .. }), "{error:?}");

    faults.clear();
    faults.arm(rule(&format!(
        r#"{{"path":"{}","status":403}}"#,
        list_path()
    )));
    let error = repo.list(&dataset()).await.unwrap_err();
    assert!(matches!(error, Error::Forbidden { .. }), "{error:?}");
}

#[tokio::test]
async fn an_error_has_no_retry_after_unless_the_rule_sets_it() {
    let faults = Faults::new();
    let repo = alice(&faults);
    for status in [429, 500, 502, 503, 504] {
        faults.clear();
        faults.arm(FaultRule::new(Operation::List, FaultAction::status(status)));
        let error = repo.list(&dataset()).await.unwrap_err();
        assert_eq!(error.retry_after(), None, "{status}: {error:?}");
        assert!(
            matches!(
                &error,
                Error::RateLimited {
                    retry_after: None,
                    ..
                } | Error::Unavailable { source: None, .. }
            ),
            "{status}: {error:?}"
        );
    }
    faults.clear();
    faults.arm(FaultRule::new(
        Operation::List,
        FaultAction::status(429).with_retry_after(4),
    ));
    let error = repo.list(&dataset()).await.unwrap_err();
    assert_eq!(error.retry_after(), Some(Duration::from_secs(4)));
    faults.clear();
    faults.arm(FaultRule::new(
        Operation::List,
        FaultAction::status(503).with_retry_after(4),
    ));
    // A 503's wait rides as the error's source, as `collab-http` puts it.
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
        Some(&RetryAfter(Duration::from_secs(4))),
        "{error:?}"
    );
}

/// Rules only a connection can express: the decorator neither matches nor fires them.
const WIRE_ONLY: &[&str] = &[
    r#"{"operation":"any","status":200}"#,
    r#"{"operation":"any","status":204,"retryAfter":1}"#,
    r#"{"operation":"any","status":503,"body":"<html>busy</html>"}"#,
    r#"{"operation":"any","status":503,"body":{"code":"SERVICE_UNAVAILABLE","error":"x"}}"#,
    r#"{"operation":"any","status":503,"headers":{"x-cache":"miss"}}"#,
    r#"{"operation":"any","drop":"empty"}"#,
    r#"{"operation":"any","drop":"truncate","delayMs":5000}"#,
    r#"{"operation":"any","drop":"garbage"}"#,
    r#"{"operation":"any","dribble":{"chunks":3,"overMs":5000}}"#,
    r#"{"operation":"any","status":500,"dribble":{"chunks":3,"overMs":5000}}"#,
];

#[tokio::test(start_paused = true)]
async fn rules_only_the_wire_can_express_are_ignored() {
    let grant = ShareRequest::users_only(["ann@example.com"]).expect("a valid request");
    for text in WIRE_ONLY {
        let faults = Faults::from_rules([rule(text)]);
        assert!(faults.rules()[0].rule.action.is_wire_only(), "{text}");
        let repo = alice(&faults);
        let started = Instant::now();
        let id = repo
            .create_or_update(&dataset(), &grant)
            .await
            .unwrap_or_else(|error| panic!("{text}: {error:?}"));
        assert_eq!(
            repo.list(&dataset()).await.map(|list| list.len()).ok(),
            Some(1),
            "{text}"
        );
        repo.delete(&dataset(), &id)
            .await
            .unwrap_or_else(|error| panic!("{text}: {error:?}"));
        assert_eq!(
            started.elapsed(),
            Duration::ZERO,
            "{text}: not even its delay"
        );
        let armed = &faults.rules()[0];
        assert_eq!((armed.matched, armed.fired), (0, 0), "{text}");
    }
}

#[tokio::test]
async fn a_wire_only_rule_lets_the_next_rule_answer_in_process() {
    let faults = Faults::from_rules([
        rule(r#"{"operation":"list","drop":"garbage"}"#),
        rule(r#"{"operation":"list","status":409}"#),
    ]);
    let repo = alice(&faults);
    let error = repo.list(&dataset()).await.unwrap_err();
    assert!(matches!(error, Error::Conflict { .. }), "{error:?}");
    let counters: Vec<_> = faults
        .rules()
        .iter()
        .map(|armed| (armed.matched, armed.fired))
        .collect();
    assert_eq!(counters, [(0, 0), (1, 1)]);
}
