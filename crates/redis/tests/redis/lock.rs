//! The lease lock: one holder at a time across connections, released only by its
//! holder, renewed while held, busy after the configured wait.

use std::time::{Duration, Instant};

use collab_core::coordination::{CoordinationError, DatasetLocks};

use crate::support::{PATIENCE, dataset, redis};

#[tokio::test]
async fn one_holder_at_a_time_and_a_busy_lock_fails_after_the_wait() {
    let (_server, config) = redis();
    let first = config.clone().build().unwrap();
    let second = config
        .with_lock_wait(Duration::from_millis(200))
        .build()
        .unwrap();

    let held = first.lock(&dataset()).await.unwrap();
    let busy = second
        .lock(&dataset())
        .await
        .err()
        .expect("the lock is held");
    assert!(
        matches!(busy, CoordinationError::Busy { dataset: d, waited } if d == dataset() && waited >= Duration::from_millis(200)),
        "{busy:?}"
    );

    held.release().await.unwrap();
    let taken = second.lock(&dataset()).await;
    assert!(taken.is_ok(), "free once released: {:?}", taken.err());
}

#[tokio::test]
async fn a_holder_never_releases_a_lock_it_no_longer_holds() {
    let (server, config) = redis();
    let first = config.clone().build().unwrap();
    let second = config
        .clone()
        .with_lock_wait(Duration::ZERO)
        .build()
        .unwrap();
    let held = first.lock(&dataset()).await.unwrap();

    // The first holder's lease vanishes (as if it expired) and another owner takes it.
    let client = redis::Client::open(server.url()).unwrap();
    let mut raw = client.get_multiplexed_async_connection().await.unwrap();
    let key = format!("{}lock:{}", config.key_prefix, dataset());
    let deleted: i64 = redis::cmd("DEL")
        .arg(&key)
        .query_async(&mut raw)
        .await
        .unwrap();
    assert_eq!(deleted, 1, "the lock lives at {key}");
    let _second_holder = second.lock(&dataset()).await.unwrap();

    let lost = held.ensure_held().await.expect_err("the lease is gone");
    assert!(
        matches!(lost, CoordinationError::LeaseLost { .. }),
        "{lost:?}"
    );
    held.release().await.unwrap();
    let still_held = second.lock(&dataset()).await.err();
    assert!(
        matches!(still_held, Some(CoordinationError::Busy { .. })),
        "the first holder's release left the second holder's lock alone: {still_held:?}"
    );
}

/// The lease of the renewal test. Redis expires keys by its own clock, so this test
/// runs in real time (paused tokio time would not pause Redis); the lease is long
/// enough that a renewal may come 2 s late (a third of it, then two thirds of slack)
/// and still be in time, on a machine ten times slower than a loaded laptop.
const RENEWED_LEASE: Duration = Duration::from_secs(3);

#[tokio::test]
async fn a_held_lease_is_renewed_past_its_time_to_live() {
    let (server, config) = redis();
    let ttl = RENEWED_LEASE;
    let holder = config.clone().with_lease_time_to_live(ttl).build().unwrap();
    let contender = config.with_lock_wait(Duration::ZERO).build().unwrap();
    let held = holder.lock(&dataset()).await.unwrap();
    let taken_at = Instant::now();

    let client = redis::Client::open(server.url()).unwrap();
    let mut raw = client.get_multiplexed_async_connection().await.unwrap();
    // Watch the lock until it has outlived its time to live by half of it and was
    // renewed at least twice: it must stay ours throughout. Ends by events, not after
    // a fixed time; bounded by PATIENCE.
    let mut renewals_seen = 0;
    let mut last_ttl = i64::MAX;
    while renewals_seen < 2 || taken_at.elapsed() < ttl + ttl / 2 {
        assert!(
            taken_at.elapsed() < PATIENCE,
            "renewed {renewals_seen} times in {PATIENCE:?}"
        );
        let left: i64 = redis::cmd("PTTL")
            .arg(format!("{}lock:{}", holder.config().key_prefix, dataset()))
            .query_async(&mut raw)
            .await
            .unwrap();
        assert!(left > 0, "the lease expired while held ({left})");
        if left > last_ttl {
            renewals_seen += 1;
        }
        last_ttl = left;
        tokio::time::sleep(Duration::from_millis(10)).await; // pacing the watch, not a wait for anything
    }
    assert!(matches!(
        contender.lock(&dataset()).await.err(),
        Some(CoordinationError::Busy { .. })
    ));
    held.ensure_held().await.unwrap();
    held.release().await.unwrap();
}

#[tokio::test]
async fn a_dropped_lease_is_given_back() {
    let (_server, config) = redis();
    // A lease far longer than the contender waits: only a release lets it in, and the
    // release has PATIENCE to come, which no machine needs.
    let holder = config
        .clone()
        .with_lease_time_to_live(10 * PATIENCE)
        .build()
        .unwrap();
    let contender = config.with_lock_wait(PATIENCE).build().unwrap();
    drop(holder.lock(&dataset()).await.unwrap());
    let taken = contender.lock(&dataset()).await;
    assert!(
        taken.is_ok(),
        "a dropped lease is released, not left to expire: {:?}",
        taken.err()
    );
}
