//! What the tests share: datasets, a store, a replica's stack, bounded waits.

use std::sync::Arc;
use std::time::{Duration, Instant};

use collab_cache::{CacheConfig, CachedRepository};
use collab_core::coordination::{CoordinationError, InProcessLocks};
use collab_core::{DatasetId, Error, SharingService};
use collab_fake::{InMemoryStore, Session};
use collab_redis::testing::RedisServer;
use collab_redis::{RedisConfig, RedisCoordinator};

/// Upper bound of every wait in these tests.
pub(crate) const PATIENCE: Duration = Duration::from_secs(20);

pub(crate) fn dataset() -> DatasetId {
    "65a0b1c2d3e4f5a6b7c8d9e0".parse().unwrap()
}

/// A store where alice owns [`dataset`].
pub(crate) fn store() -> InMemoryStore {
    let store = InMemoryStore::new();
    store.add_dataset(dataset(), "alice");
    store
}

/// One replica: its own cache and its own Redis connection, over the shared store.
pub(crate) struct Replica {
    pub(crate) redis: Arc<RedisCoordinator>,
    pub(crate) sharing: SharingService<Arc<CachedRepository<Session>>>,
}

impl Replica {
    pub(crate) fn new(store: &InMemoryStore, config: RedisConfig) -> Self {
        let redis = Arc::new(config.build().unwrap());
        let cache = CachedRepository::new(store.session("alice"), CacheConfig::default())
            .with_coherence(Arc::clone(&redis));
        // A process of its own: its own in-process locks, so only Redis serialises.
        let sharing = SharingService::new(Arc::new(cache))
            .with_local_locks(InProcessLocks::new())
            .with_fleet_locks(Arc::clone(&redis));
        Self { redis, sharing }
    }

    pub(crate) fn cache(&self) -> &CachedRepository<Session> {
        self.sharing.get_ref()
    }

    pub(crate) async fn users(&self) -> Vec<String> {
        self.sharing.shared_users(&dataset()).await.unwrap()
    }
}

/// The users the store holds now (no cache in between).
pub(crate) fn stored_users(store: &InMemoryStore) -> Vec<String> {
    store
        .configs(&dataset())
        .unwrap()
        .first()
        .map(|config| config.users.clone())
        .unwrap_or_default()
}

/// The coordination failure behind a port error, if that is what it is.
pub(crate) fn coordination_cause(error: &Error) -> Option<&CoordinationError> {
    match error {
        Error::Unavailable {
            source: Some(source),
            ..
        } => source.downcast_ref(),
        _ => None,
    }
}

/// Waits until Redis answers this coordinator again (its connection manager
/// reconnects on the next call), within [`PATIENCE`].
pub(crate) async fn until_reachable(redis: &RedisCoordinator) {
    let deadline = Instant::now() + PATIENCE;
    while let Err(error) = redis.ping().await {
        assert!(
            Instant::now() < deadline,
            "Redis still unreachable: {error}"
        );
        tokio::task::yield_now().await;
    }
}

/// Starts a server and gives it with a configuration (own key prefix) for it.
pub(crate) fn redis() -> (RedisServer, RedisConfig) {
    let server = RedisServer::start();
    let config = server.config();
    (server, config)
}

/// Log lines written on this thread while the returned guard lives (tests on a
/// current-thread runtime see every log line of the code they drive).
pub(crate) fn capture_logs() -> (Logs, tracing::subscriber::DefaultGuard) {
    let logs = Logs::default();
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    collab_testkit::keep_every_callsite_interested();
    (logs, tracing::subscriber::set_default(subscriber))
}

/// Captured log output.
#[derive(Clone, Default)]
pub(crate) struct Logs(Arc<std::sync::Mutex<Vec<u8>>>);

impl Logs {
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
