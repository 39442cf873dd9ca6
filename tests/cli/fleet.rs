//! A fleet: several independent stacks (each its own `CachedRepository` and its own
//! Redis connection and in-process locks, as separate processes would have) over one
//! in-process `collab-server`, doing random concurrent grants, revokes and lists.
//! Checked: 0 lost updates (the final state is every acknowledged change applied) and
//! 0 stale reads (a list shows every write that returned anywhere before it started).

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crate::support::{ALICE_TOKEN, Api, dataset};
use collab::cache::{CacheConfig, CachedRepository};
use collab::core::coordination::InProcessLocks;
use collab::core::{AccessConfigRepository, SharingService};
use collab::http::HttpRepository;
use collab::redis::RedisConfig;
use collab::redis::testing::RedisServer;

const STACKS: usize = 4;
const WORKERS_PER_STACK: usize = 2;
const USERS_PER_WORKER: usize = 3;
const OPERATIONS_PER_WORKER: usize = 20;

type Stack = SharingService<Arc<CachedRepository<HttpRepository>>>;

fn http(api: &Api) -> HttpRepository {
    HttpRepository::builder()
        .with_base_url(api.url())
        .with_api_token(ALICE_TOKEN)
        .build()
        .unwrap()
}

/// One replica: the production composition, with a connection of its own.
fn stack(api: &Api, config: &RedisConfig) -> Stack {
    let redis = Arc::new(config.clone().build().unwrap());
    let cache =
        CachedRepository::new(http(api), CacheConfig::default()).with_coherence(Arc::clone(&redis));
    SharingService::new(Arc::new(cache))
        .with_local_locks(InProcessLocks::new())
        .with_fleet_locks(redis)
}

/// What the test knows about one user: whether the last acknowledged change granted
/// them, and how many changes of them were started and acknowledged.
#[derive(Debug, Clone, Copy, Default)]
struct UserState {
    granted: bool,
    started: u64,
    acknowledged: u64,
}

type Ledger = Arc<Mutex<HashMap<String, UserState>>>;

/// xorshift64*: reproducible from the seed the failure message shows.
struct Random(u64);

impl Random {
    fn below(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % bound
    }
}

/// Lists through `stack` and counts, among the users no change was in flight for
/// during the whole list, those it shows in a state other than their last
/// acknowledged one: (checks made, stale answers).
async fn checked_list(stack: &Stack, ledger: &Ledger) -> (usize, Vec<String>) {
    let before = ledger.lock().unwrap().clone();
    let listed: BTreeSet<String> = stack
        .shared_users(&dataset())
        .await
        .unwrap()
        .into_iter()
        .collect();
    let after = ledger.lock().unwrap().clone();
    let mut checks = 0;
    let mut stale = Vec::new();
    for (user, state) in &before {
        let quiet = state.started == state.acknowledged && after[user].started == state.started;
        if quiet {
            checks += 1;
            if listed.contains(user) != state.granted {
                stale.push(format!(
                    "{user}: listed {} but last acknowledged {}",
                    listed.contains(user),
                    state.granted
                ));
            }
        }
    }
    (checks, stale)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_loses_no_change_and_serves_no_stale_list() {
    let redis = RedisServer::start();
    let config = redis.config();
    let api = Api::start().await;
    let seed = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let stacks: Vec<Arc<Stack>> = (0..STACKS)
        .map(|_| Arc::new(stack(&api, &config)))
        .collect();
    stacks[0]
        .share_only_with(&dataset(), ["base@x.com"])
        .await
        .unwrap();
    let ledger: Ledger = Arc::new(Mutex::new(HashMap::from([(
        "base@x.com".to_owned(),
        UserState {
            granted: true,
            ..UserState::default()
        },
    )])));

    let workers: Vec<_> = (0..STACKS * WORKERS_PER_STACK)
        .map(|worker| {
            let stack = Arc::clone(&stacks[worker % STACKS]);
            let ledger = Arc::clone(&ledger);
            let mut random = Random(seed.wrapping_add(worker as u64 * 0x9E37_79B9));
            let users: Vec<String> = (0..USERS_PER_WORKER)
                .map(|n| format!("w{worker}u{n}@x.com"))
                .collect();
            ledger
                .lock()
                .unwrap()
                .extend(users.iter().map(|u| (u.clone(), UserState::default())));
            tokio::spawn(async move {
                let (mut checks, mut stale) = (0, Vec::new());
                for _ in 0..OPERATIONS_PER_WORKER {
                    let user = &users[random.below(users.len())];
                    match random.below(10) {
                        0..=5 => {
                            let grant = random.below(2) == 0;
                            ledger.lock().unwrap().get_mut(user).unwrap().started += 1;
                            let outcome = if grant {
                                stack.grant(&dataset(), [user]).await
                            } else {
                                stack.revoke(&dataset(), [user]).await
                            };
                            outcome.unwrap_or_else(|e| panic!("{user}: {e}"));
                            let mut ledger = ledger.lock().unwrap();
                            let state = ledger.get_mut(user).unwrap();
                            state.acknowledged += 1;
                            state.granted = grant;
                        }
                        _ => {
                            let (made, found) = checked_list(&stack, &ledger).await;
                            checks += made;
                            stale.extend(found);
                        }
                    }
                }
                (checks, stale)
            })
        })
        .collect();

    let (mut checks, mut stale) = (0, Vec::new());
    for worker in workers {
        let (made, found) = tokio::time::timeout(Duration::from_secs(120), worker)
            .await
            .expect("each worker ends within 120 s")
            .unwrap();
        checks += made;
        stale.extend(found);
    }
    assert!(stale.is_empty(), "seed {seed}: stale reads: {stale:#?}");
    assert!(
        checks > 100,
        "seed {seed}: only {checks} reads could be checked"
    );

    let expected: BTreeSet<String> = ledger
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, s)| s.granted)
        .map(|(u, _)| u.clone())
        .collect();
    let stored: BTreeSet<String> = http(&api).list(&dataset()).await.unwrap()[0]
        .users
        .iter()
        .cloned()
        .collect();
    assert_eq!(stored, expected, "seed {seed}: lost updates");
    for stack in &stacks {
        let listed: BTreeSet<String> = stack
            .shared_users(&dataset())
            .await
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(
            listed, expected,
            "seed {seed}: every replica lists the final state"
        );
    }
}
