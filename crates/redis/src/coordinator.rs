//! [`RedisCoordinator`]: the coordination port on Redis: per-dataset locks and
//! generations.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use collab_core::DatasetId;
use collab_core::coordination::{
    CoordinationError, DatasetGenerations, DatasetLocks, Generation, InProcessLocks, Lease,
};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::config::RedisConfig;
use crate::error::Error;
use crate::lease::RedisLease;
use crate::token::{random_token, random_u64};

/// The first pause between two attempts at a busy lock; it doubles up to
/// [`MAX_RETRY_PAUSE`].
const FIRST_RETRY_PAUSE: Duration = Duration::from_millis(2);
/// The longest pause between two attempts at a busy lock.
const MAX_RETRY_PAUSE: Duration = Duration::from_millis(50);

/// Fleet coordination on Redis: implements the core's
/// [`DatasetLocks`] (for `SharingService::with_fleet_locks`) and [`DatasetGenerations`]
/// (for `CachedRepository::with_coherence`). Cheap to clone: clones share one
/// connection (redis' `ConnectionManager`, which reconnects by itself).
///
/// Keys (with the configured prefix `P`): `P lock:DATASET` holds the lock holder's
/// token with the lease's expiry; `P gen:DATASET` holds the dataset's generation.
///
/// - **Lock**: `SET key token NX PX ttl`, retried with a growing pause until
///   [`RedisConfig::lock_wait`]; renewed every third of the time to live by a
///   compare-and-`PEXPIRE` script (only if the key still holds our token), checked the
///   same way right before the write ([`Lease::ensure_held`]); released by a
///   compare-and-`DEL` script, so a holder never deletes another's lock.
/// - **Generations**: a random 64-bit value per dataset. A writer `SET`s a new one
///   before and after each write; a reader gets the current one with
///   `SET key new NX GET` (one round trip, and a dataset without one, e.g. after Redis
///   restarted empty, gets a new value nobody has cached under).
#[derive(Clone)]
pub struct RedisCoordinator {
    connection: ConnectionManager,
    config: Arc<RedisConfig>,
    /// The lock used instead of Redis's when Redis is unreachable in best-effort mode.
    fallback_locks: InProcessLocks,
}

impl RedisCoordinator {
    /// A coordinator for the Redis at [`RedisConfig::url`], from a configuration
    /// [`RedisConfig::build`] has checked.
    pub(crate) fn new(config: RedisConfig) -> Result<Self, Error> {
        let url = config.redacted_url();
        let client =
            redis::Client::open(config.url.as_str()).map_err(|source| Error::InvalidUrl {
                url: url.clone(),
                source,
            })?;
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.command_timeout))
            .set_response_timeout(Some(config.command_timeout))
            // Fail fast while Redis is down: callers fall back (reads) or fail clearly
            // (locks); the manager reconnects at the next call.
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(100));
        let connection = ConnectionManager::new_lazy_with_config(client, manager_config)
            .map_err(|source| Error::Setup { url, source })?;
        Ok(Self {
            connection,
            config: Arc::new(config),
            fallback_locks: InProcessLocks::new(),
        })
    }

    /// The configuration it was built with.
    pub fn config(&self) -> &RedisConfig {
        &self.config
    }

    /// One `PING`: whether Redis answers now.
    pub async fn ping(&self) -> Result<(), CoordinationError> {
        let mut connection = self.connection.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut connection)
            .await
            .map(drop)
            .map_err(|e| self.unreachable("PING", e))
    }

    pub(crate) fn key(&self, kind: &str, dataset: &DatasetId) -> String {
        format!("{}{kind}:{dataset}", self.config.key_prefix)
    }

    /// The connection it uses (shared by its clones; cloning it is cheap), for
    /// commands of your own on the same Redis.
    pub fn connection(&self) -> ConnectionManager {
        self.connection.clone()
    }

    /// A Redis failure as the port's error, naming the server (without password).
    pub(crate) fn unreachable(&self, what: &str, error: redis::RedisError) -> CoordinationError {
        CoordinationError::unreachable(
            format!("{what} on Redis at {} failed", self.config.redacted_url()),
            error,
        )
    }

    /// Tries once to take the lock: whether we got it.
    async fn try_lock(&self, key: &str, token: &str) -> Result<bool, CoordinationError> {
        let mut connection = self.connection.clone();
        let reply: Option<String> = redis::cmd("SET")
            .arg(key)
            .arg(token)
            .arg("NX")
            .arg("PX")
            .arg(millis(self.config.lease_time_to_live))
            .query_async(&mut connection)
            .await
            .map_err(|e| self.unreachable("taking a lock", e))?;
        Ok(reply.is_some())
    }

    async fn lock_on_redis(&self, dataset: &DatasetId) -> Result<RedisLease, CoordinationError> {
        let key = self.key("lock", dataset);
        let token = random_token();
        let started = Instant::now();
        let mut pause = FIRST_RETRY_PAUSE;
        loop {
            // The lease is counted from before the request: its expiry in Redis is
            // later than that, never earlier.
            let asked_at = Instant::now();
            if self.try_lock(&key, &token).await? {
                return Ok(RedisLease::start(
                    self.clone(),
                    *dataset,
                    key,
                    token,
                    asked_at,
                ));
            }
            let waited = started.elapsed();
            if waited >= self.config.lock_wait {
                return Err(CoordinationError::Busy {
                    dataset: *dataset,
                    waited,
                });
            }
            // Jittered, so that waiters that collided do not collide again.
            let jitter = Duration::from_micros(random_u64() % (pause.as_micros() as u64 + 1));
            tokio::time::sleep((pause / 2 + jitter).min(self.config.lock_wait - waited)).await;
            pause = (pause * 2).min(MAX_RETRY_PAUSE);
        }
    }
}

pub(crate) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

#[async_trait]
impl DatasetLocks for RedisCoordinator {
    /// Takes the dataset's lock on Redis. Redis unreachable: fails with
    /// [`CoordinationError::Unreachable`], or in best-effort mode logs a warning and
    /// gives an in-process lease instead.
    async fn lock(&self, dataset: &DatasetId) -> Result<Box<dyn Lease>, CoordinationError> {
        match self.lock_on_redis(dataset).await {
            Ok(lease) => Ok(Box::new(lease)),
            Err(error @ CoordinationError::Unreachable { .. }) if self.config.best_effort => {
                tracing::warn!(%dataset, %error, "fleet lock unavailable; best effort: going on with the in-process lock only, a concurrent change from another process may be lost");
                Ok(Box::new(self.fallback_locks.acquire(dataset).await))
            }
            Err(error) => Err(error),
        }
    }
}

#[async_trait]
impl DatasetGenerations for RedisCoordinator {
    async fn current(&self, dataset: &DatasetId) -> Result<Generation, CoordinationError> {
        let mut connection = self.connection.clone();
        let fresh = random_u64();
        let existing: Option<u64> = redis::cmd("SET")
            .arg(self.key("gen", dataset))
            .arg(fresh)
            .arg("NX")
            .arg("GET")
            .arg("PX")
            .arg(millis(self.config.generation_time_to_live))
            .query_async(&mut connection)
            .await
            .map_err(|e| self.unreachable("reading a generation", e))?;
        Ok(Generation(existing.unwrap_or(fresh)))
    }

    /// Replaces the generation. Redis unreachable in best-effort mode: logs a warning
    /// and succeeds (other caches may then answer from before the write until their
    /// time to live runs out).
    async fn advance(&self, dataset: &DatasetId) -> Result<(), CoordinationError> {
        let mut connection = self.connection.clone();
        let outcome: Result<(), _> = redis::cmd("SET")
            .arg(self.key("gen", dataset))
            .arg(random_u64())
            .arg("PX")
            .arg(millis(self.config.generation_time_to_live))
            .query_async(&mut connection)
            .await
            .map_err(|e| self.unreachable("replacing a generation", e));
        match outcome {
            Err(error) if self.config.best_effort => {
                tracing::warn!(%dataset, %error, "best effort: the fleet's caches were not told about this write");
                Ok(())
            }
            outcome => outcome,
        }
    }
}

impl fmt::Debug for RedisCoordinator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisCoordinator")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
