//! Faults: Redis down (clear errors, nothing written, reads uncached), Redis stopped
//! and restarted in the middle of concurrent grants, best effort, and a lock holder
//! stalled past its lease.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use async_trait::async_trait;
use collab_cache::{CacheConfig, CachedRepository};
use collab_core::coordination::{CoordinationError, InProcessLocks};
use collab_core::{
    AccessConfigId, AccessConfigList, AccessConfigRepository, DatasetId, Result, ShareRequest,
    SharingService,
};
use collab_fake::Session;
use tokio::sync::{Notify, watch};

use crate::support::{
    PATIENCE, Replica, capture_logs, coordination_cause, dataset, redis, store, stored_users,
    until_reachable,
};

#[tokio::test]
async fn with_redis_down_grants_fail_clearly_and_write_nothing_and_reads_go_uncached() {
    let (mut server, config) = redis();
    let store = store();
    let replica = Replica::new(&store, config);
    replica
        .sharing
        .grant(&dataset(), ["ann@x.io"])
        .await
        .unwrap();
    assert_eq!(replica.users().await, ["ann@x.io"]);

    server.stop();
    let error = replica
        .sharing
        .grant(&dataset(), ["bob@x.io"])
        .await
        .expect_err("no grant without the fleet lock");
    assert!(error.to_string().contains("nothing was written"), "{error}");
    let cause = coordination_cause(&error).expect("a coordination failure");
    assert!(
        matches!(cause, CoordinationError::Unreachable { .. }),
        "{cause:?}"
    );
    assert!(
        cause.to_string().contains(&server.url()),
        "names the Redis: {cause}"
    );
    let write = replica
        .cache()
        .create_or_update(
            &dataset(),
            &ShareRequest::write(["cy@x.io"], [""; 0]).unwrap(),
        )
        .await
        .expect_err("no write the fleet's caches cannot be told about");
    assert!(coordination_cause(&write).is_some(), "{write:?}");
    assert_eq!(stored_users(&store), ["ann@x.io"], "nothing was written");

    let before = replica.cache().stats();
    let (logs, _capturing) = capture_logs();
    assert_eq!(replica.users().await, ["ann@x.io"], "reads work, uncached");
    let after = replica.cache().stats();
    assert_eq!(after.uncached_reads, before.uncached_reads + 1, "{after:?}");
    assert_eq!(after.loads, before.loads + 1, "{after:?}");
    assert!(after.coherence_failures >= 1, "{after:?}");
    let logged = logs.text();
    assert!(
        logged.contains("WARN")
            && logged.contains("lists go uncached")
            && logged.contains(&server.url()),
        "one warning says so, naming the Redis: {logged}"
    );

    server.restart();
    until_reachable(&replica.redis).await;
    assert_eq!(replica.users().await, ["ann@x.io"]);
    let logged = logs.text();
    assert!(logged.contains("reachable again"), "{logged}");
    assert_eq!(
        logged.matches("lists go uncached").count(),
        1,
        "said once: {logged}"
    );
}

#[tokio::test]
async fn best_effort_goes_on_without_redis() {
    let (mut server, config) = redis();
    let store = store();
    let replica = Replica::new(&store, config.with_best_effort(true));
    server.stop();
    replica
        .sharing
        .grant(&dataset(), ["ann@x.io"])
        .await
        .unwrap();
    replica
        .sharing
        .grant(&dataset(), ["bob@x.io"])
        .await
        .unwrap();
    assert_eq!(stored_users(&store), ["ann@x.io", "bob@x.io"]);
    assert_eq!(replica.users().await, ["ann@x.io", "bob@x.io"]);
    assert!(replica.cache().stats().uncached_reads >= 1);
}

/// Three replicas grant users concurrently, each worker its own users; Redis is
/// killed once some grants are acknowledged and restarted once every worker has seen
/// it gone. Every acknowledged grant is kept, no failed grant was written, and every
/// replica lists exactly what is stored once Redis is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_stopped_and_restarted_mid_run_loses_no_grant_and_serves_no_stale_list() {
    const WORKERS: usize = 6;
    const GRANTS_PER_WORKER: usize = 6;
    let (mut server, config) = redis();
    let store = store();
    let replicas: Vec<Arc<Replica>> = (0..3)
        .map(|_| Arc::new(Replica::new(&store, config.clone())))
        .collect();
    replicas[0]
        .sharing
        .grant(&dataset(), ["base@x.io"])
        .await
        .unwrap();
    for replica in &replicas {
        assert_eq!(replica.users().await, ["base@x.io"]); // each caches it
    }

    let acknowledged = Arc::new(Mutex::new(BTreeSet::from(["base@x.io".to_owned()])));
    let failed = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
    let progress = Arc::new(Notify::new());
    let workers_failed = Arc::new(AtomicUsize::new(0));
    let (restarted, restarted_seen) = watch::channel(false);
    let tasks: Vec<_> = (0..WORKERS)
        .map(|worker| {
            let replica = Arc::clone(&replicas[worker % replicas.len()]);
            let (acknowledged, failed) = (Arc::clone(&acknowledged), Arc::clone(&failed));
            let (progress, workers_failed) = (Arc::clone(&progress), Arc::clone(&workers_failed));
            let mut restarted = restarted_seen.clone();
            tokio::spawn(async move {
                let mut seen_down = false;
                for n in 0..GRANTS_PER_WORKER {
                    let user = format!("w{worker}n{n}@x.io");
                    match replica.sharing.grant(&dataset(), [&user]).await {
                        Ok(_) => {
                            acknowledged.lock().unwrap().insert(user);
                        }
                        Err(error) => {
                            assert!(
                                coordination_cause(&error).is_some(),
                                "only coordination fails: {error:?}"
                            );
                            failed.lock().unwrap().push((user, error.to_string()));
                            if !seen_down {
                                seen_down = true;
                                workers_failed.fetch_add(1, Ordering::SeqCst);
                            }
                            progress.notify_one();
                            // Wait for Redis to be back rather than spin through the grants.
                            restarted.wait_for(|back| *back).await.unwrap();
                        }
                    }
                    progress.notify_one();
                }
            })
        })
        .collect();

    let waited = tokio::time::timeout(PATIENCE, async {
        while acknowledged.lock().unwrap().len() < 4 {
            progress.notified().await;
        }
    })
    .await;
    assert!(
        waited.is_ok(),
        "some grants were acknowledged before the fault"
    );
    server.stop();
    let waited = tokio::time::timeout(PATIENCE, async {
        while workers_failed.load(Ordering::SeqCst) < WORKERS
            && tasks.iter().any(|task| !task.is_finished())
        {
            progress.notified().await;
        }
    })
    .await;
    assert!(waited.is_ok(), "every running worker saw Redis gone");
    server.restart();
    for replica in &replicas {
        until_reachable(&replica.redis).await;
    }
    restarted.send(true).unwrap();
    for task in tasks {
        tokio::time::timeout(PATIENCE, task)
            .await
            .expect("workers finish")
            .unwrap();
    }

    let acknowledged = acknowledged.lock().unwrap().clone();
    let failed = failed.lock().unwrap().clone();
    assert!(!failed.is_empty(), "the fault was felt");
    for (_, message) in &failed {
        assert!(message.contains("nothing was written"), "{message}");
    }
    let stored: BTreeSet<String> = stored_users(&store).into_iter().collect();
    assert_eq!(
        stored, acknowledged,
        "every acknowledged grant and nothing else (failed: {failed:?})"
    );
    for replica in &replicas {
        let listed: BTreeSet<String> = replica.users().await.into_iter().collect();
        assert_eq!(listed, stored, "no stale list once Redis is back");
    }
}

/// A repository whose first `list` blocks its thread until released: with a
/// current-thread runtime, that stalls the whole "process", its lease renewal included,
/// as a paused process would.
struct StallingRepository {
    inner: Session,
    entered: Mutex<Option<mpsc::Sender<()>>>,
    resume: Mutex<Option<mpsc::Receiver<()>>>,
}

#[async_trait]
impl AccessConfigRepository for StallingRepository {
    async fn create_or_update(&self, d: &DatasetId, r: &ShareRequest) -> Result<AccessConfigId> {
        self.inner.create_or_update(d, r).await
    }

    async fn delete(&self, d: &DatasetId, c: &AccessConfigId) -> Result<()> {
        self.inner.delete(d, c).await
    }

    async fn list(&self, d: &DatasetId) -> Result<AccessConfigList> {
        let resume = self.resume.lock().unwrap().take();
        if let Some(resume) = resume {
            self.entered
                .lock()
                .unwrap()
                .take()
                .unwrap()
                .send(())
                .unwrap();
            resume
                .recv_timeout(PATIENCE)
                .expect("the test resumes the stalled holder");
        }
        self.inner.list(d).await
    }
}

#[tokio::test]
async fn a_holder_stalled_past_its_lease_gives_up_instead_of_writing() {
    let (_server, config) = redis();
    // Only the stalled holder's lease is short: it stalls until resumed whatever the
    // machine's speed, so its lease is lost by then. The other process keeps the
    // default lease (10 s), which no machine's slowness outlasts between its lock and
    // its write.
    let holder_config = config
        .clone()
        .with_lease_time_to_live(Duration::from_millis(300));
    let store = store();
    store
        .session("alice")
        .create_or_update(
            &dataset(),
            &ShareRequest::write(["base@x.io"], [""; 0]).unwrap(),
        )
        .await
        .unwrap();

    let (entered, holder_entered) = mpsc::channel();
    let (resume_holder, resume) = mpsc::channel();
    let stalling = StallingRepository {
        inner: store.session("alice"),
        entered: Mutex::new(Some(entered)),
        resume: Mutex::new(Some(resume)),
    };
    let holder = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let redis = Arc::new(holder_config.build().unwrap());
            let cache = CachedRepository::new(stalling, CacheConfig::default())
                .with_coherence(Arc::clone(&redis));
            SharingService::new(cache)
                .with_local_locks(InProcessLocks::new())
                .with_fleet_locks(redis)
                .grant(&dataset(), ["stalled@x.io"])
                .await
        })
    });
    holder_entered
        .recv_timeout(PATIENCE)
        .expect("the holder took the lock and stalled");

    // Another process takes the lock once the stalled holder's lease has expired.
    let other = Replica::new(&store, config);
    other
        .sharing
        .grant(&dataset(), ["other@x.io"])
        .await
        .unwrap();
    assert_eq!(stored_users(&store), ["base@x.io", "other@x.io"]);

    resume_holder.send(()).unwrap();
    let outcome = tokio::task::spawn_blocking(move || holder.join().unwrap())
        .await
        .unwrap();
    let error = outcome.expect_err("the stalled holder must not write");
    assert!(
        matches!(
            coordination_cause(&error),
            Some(CoordinationError::LeaseLost { .. })
        ),
        "{error:?}"
    );
    assert_eq!(
        stored_users(&store),
        ["base@x.io", "other@x.io"],
        "the other process's grant is kept"
    );
}
