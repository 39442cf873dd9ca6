//! Crash safety of `collab serve --data`: concurrent writers, SIGKILL at a random
//! moment, restart, and check that every acknowledged write is there, over many
//! rounds.
//!
//! Each writer owns one dataset and writes one after another, so at most one of its
//! writes is in flight when the server dies. After a restart, each dataset must show
//! the state of its last acknowledged write or of the one in flight; its config's id
//! and `createdAt` never change; the store opens cleanly and passes SQLite's
//! integrity check at the end.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::support::served::{Scratch, ServeProcess};
use collab::core::{AccessConfigId, AccessConfigRepository, DatasetId, ShareRequest, Timestamp};
use collab::http::{HttpRepository, RetryPolicy};
use collab::store::DurableStore;
use tokio::sync::Notify;

const ROUNDS: u64 = 30;
const WRITERS: u8 = 4;
/// The most acknowledged writes a round waits for before the kill.
const MOST_WRITES_BEFORE_KILL: u64 = 24;
/// The whole test's bound.
const TEST_DEADLINE: Duration = Duration::from_secs(240);
const TOKEN: &str = "crash-token";

/// The dataset writer `writer` owns and writes alone.
fn dataset_of(writer: u8) -> DatasetId {
    DatasetId::new(collab::core::ObjectId::from_bytes([
        0x5f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xc0, writer,
    ]))
}

/// The users list of a writer's `n`th write: what a restart must show.
fn user_of(n: u64) -> String {
    format!("w{n}@example.com")
}

/// A small xorshift generator seeded from the clock; the seed is printed on failure.
struct Random(u64);

impl Random {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

/// What one writer's dataset must show after a restart.
#[derive(Debug, Clone, Default)]
struct Expected {
    /// The last write answered with success.
    acked: Option<u64>,
    /// A write sent and not answered when the server died.
    in_flight: Option<u64>,
    /// The config's identity, from the first time it was seen.
    identity: Option<(AccessConfigId, Timestamp)>,
}

fn client(url: &str) -> HttpRepository {
    HttpRepository::builder()
        .with_base_url(url)
        .with_api_token(TOKEN)
        .with_retry(RetryPolicy::none())
        .with_request_timeout(Duration::from_secs(20))
        .build()
        .expect("a client")
}

/// Checks every dataset against what was acknowledged, and settles each on what the
/// server shows (the write in flight may or may not have landed).
async fn check_restart(url: &str, expected: &mut [Expected], seed: u64, round: u64) {
    let repo = client(url);
    for (writer, want) in expected.iter_mut().enumerate() {
        let dataset = dataset_of(writer as u8);
        let configs = repo.list(&dataset).await.unwrap_or_else(|e| {
            panic!("seed {seed} round {round}: listing dataset {dataset} after a restart: {e}")
        });
        let shown = match &configs[..] {
            [] => None,
            [config] => {
                let n = config.users.first().and_then(|u| {
                    u.strip_prefix('w')?
                        .strip_suffix("@example.com")?
                        .parse()
                        .ok()
                });
                let identity = (config.id, config.created_at);
                match want.identity {
                    None => want.identity = Some(identity),
                    Some(first) => assert_eq!(
                        identity, first,
                        "seed {seed} round {round}: dataset {dataset}'s id and createdAt changed"
                    ),
                }
                assert!(config.created_at <= config.last_modified_at);
                n
            }
            more => panic!(
                "seed {seed} round {round}: dataset {dataset} has {} configs",
                more.len()
            ),
        };
        assert!(
            shown == want.acked || (shown.is_some() && shown == want.in_flight),
            "seed {seed} round {round}: dataset {dataset} shows write {shown:?}; \
             the last acknowledged was {:?}, the one in flight {:?}",
            want.acked,
            want.in_flight
        );
        want.acked = shown;
        want.in_flight = None;
    }
}

/// One writer: writes `next`, `next + 1`, ... until the server stops answering.
async fn write_until_killed(
    url: String,
    writer: u8,
    expected: Arc<Mutex<Vec<Expected>>>,
    acknowledged: Arc<AtomicU64>,
    progress: Arc<Notify>,
    seed: u64,
) {
    let repo = client(&url);
    let dataset = dataset_of(writer);
    let mut n = {
        let expected = expected.lock().unwrap();
        expected[usize::from(writer)].acked.unwrap_or(0) + 1
    };
    // Bounded: the server is killed long before this many writes.
    for _ in 0..10_000 {
        let request = ShareRequest::write([user_of(n)], ["crash"; 0]).unwrap();
        expected.lock().unwrap()[usize::from(writer)].in_flight = Some(n);
        match repo.create_or_update(&dataset, &request).await {
            Ok(id) => {
                let mut expected = expected.lock().unwrap();
                let want = &mut expected[usize::from(writer)];
                if let Some((first, _)) = want.identity {
                    assert_eq!(id, first, "seed {seed}: a replace changed the config's id");
                }
                want.acked = Some(n);
                want.in_flight = None;
                drop(expected);
                acknowledged.fetch_add(1, Ordering::SeqCst);
                progress.notify_one();
                n += 1;
            }
            Err(_) => return,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_sigkill_over_many_rounds() {
    let started = Instant::now();
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
        | 1;
    let mut random = Random(seed);
    let scratch = Scratch::new("crash");
    let data = scratch.file("state.db");
    let fixtures = scratch.file("fixtures.toml");
    let mut text = format!("[[users]]\nname = \"writer\"\ntoken = \"{TOKEN}\"\n");
    for writer in 0..WRITERS {
        text += &format!(
            "\n[[datasets]]\nid = \"{}\"\nowner = \"writer\"\n",
            dataset_of(writer)
        );
    }
    std::fs::write(&fixtures, text).unwrap();

    let expected = Arc::new(Mutex::new(vec![Expected::default(); usize::from(WRITERS)]));
    let mut kills_with_writes_in_flight = 0;
    for round in 0..ROUNDS {
        assert!(
            started.elapsed() < TEST_DEADLINE,
            "seed {seed}: out of time at round {round}"
        );
        let server = ServeProcess::start(&["--data", &data, "--seed", &fixtures]);
        let snapshot = expected.lock().unwrap().clone();
        let mut settled = snapshot;
        check_restart(&server.url, &mut settled, seed, round).await;
        *expected.lock().unwrap() = settled;

        let acknowledged = Arc::new(AtomicU64::new(0));
        let progress = Arc::new(Notify::new());
        let writers: Vec<_> = (0..WRITERS)
            .map(|writer| {
                tokio::spawn(write_until_killed(
                    server.url.clone(),
                    writer,
                    Arc::clone(&expected),
                    Arc::clone(&acknowledged),
                    Arc::clone(&progress),
                    seed,
                ))
            })
            .collect();
        let target = 1 + random.next(MOST_WRITES_BEFORE_KILL);
        let waited = tokio::time::timeout(Duration::from_secs(60), async {
            while acknowledged.load(Ordering::SeqCst) < target {
                progress.notified().await;
            }
        })
        .await;
        assert!(waited.is_ok(), "seed {seed} round {round}: writes stalled");
        // Killed while the writers keep writing: most rounds die mid-write.
        server.kill();
        for writer in writers {
            tokio::time::timeout(Duration::from_secs(30), writer)
                .await
                .expect("a writer notices the server is gone")
                .expect("a writer's checks hold");
        }
        if expected
            .lock()
            .unwrap()
            .iter()
            .any(|e| e.in_flight.is_some())
        {
            kills_with_writes_in_flight += 1;
        }
    }

    // A last restart checks the last round, then the store opens cleanly on its own.
    let server = ServeProcess::start(&["--data", &data]);
    let mut last = expected.lock().unwrap().clone();
    check_restart(&server.url, &mut last, seed, ROUNDS).await;
    assert!(server.stop(), "a graceful stop exits 0");
    let store = DurableStore::open(&data).expect("the store opens cleanly");
    store.check_integrity().expect("the store is sound");
    let stored: HashMap<DatasetId, _> = (0..WRITERS)
        .map(|w| {
            (
                dataset_of(w),
                store.configs(&dataset_of(w)).unwrap().unwrap(),
            )
        })
        .collect();
    for (writer, want) in last.iter().enumerate() {
        let configs = &stored[&dataset_of(writer as u8)];
        let shown = configs.first().map(|c| c.users.clone());
        assert_eq!(shown, want.acked.map(|n| vec![user_of(n)]), "seed {seed}");
    }
    assert!(
        kills_with_writes_in_flight > 0,
        "seed {seed}: no kill landed while a write was in flight, so the test proved little"
    );
    eprintln!(
        "{ROUNDS} rounds (seed {seed}), {kills_with_writes_in_flight} killed with writes in flight, {:?}",
        started.elapsed()
    );
}
