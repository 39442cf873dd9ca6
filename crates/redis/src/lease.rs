//! [`RedisLease`]: a held lock on Redis, renewed in the background while held.

use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::Instant;

use async_trait::async_trait;
use collab_core::DatasetId;
use collab_core::coordination::{CoordinationError, Lease};
use redis::Script;
use tokio::task::JoinHandle;

use crate::coordinator::{RedisCoordinator, millis};

/// Extends the lease only if it still holds our token (1), else does nothing (0).
const RENEW: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0";

/// Deletes the lock only if it still holds our token (1), else does nothing (0).
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0";

/// The scripts, hashed once (redis-rs sends `EVALSHA`, and the script itself when a
/// restarted Redis no longer knows it).
static RENEW_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(RENEW));
static RELEASE_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(RELEASE));

/// What the holder knows about its lease, shared with the renewal task.
#[derive(Debug)]
struct State {
    /// When the last successful take or renewal was sent: the lease lasts at least
    /// the time to live from then.
    confirmed_at: Instant,
    /// Whether Redis said the lock is no longer ours.
    lost: bool,
}

/// A lock on one dataset held on Redis. A background task renews it every third of
/// the time to live; [`Lease::ensure_held`] confirms it right before the write;
/// [`Lease::release`] deletes it if it is still ours. Dropped without release, it
/// stops renewing and releases in the background (or expires).
#[derive(Debug)]
pub(crate) struct RedisLease {
    lock: Arc<LockKey>,
    state: Arc<Mutex<State>>,
    renewal: JoinHandle<()>,
    released: bool,
}

/// Which lock, and our token in it.
#[derive(Debug)]
struct LockKey {
    coordinator: RedisCoordinator,
    dataset: DatasetId,
    key: String,
    token: String,
}

impl LockKey {
    /// Runs the renewal script once: `Ok(true)` if the lease is still ours (and now
    /// lasts the whole time to live again).
    async fn renew(&self) -> Result<bool, CoordinationError> {
        let ttl = millis(self.coordinator.config().lease_time_to_live);
        let extended: i64 = RENEW_SCRIPT
            .key(&self.key)
            .arg(&self.token)
            .arg(ttl)
            .invoke_async(&mut self.coordinator.connection())
            .await
            .map_err(|e| self.coordinator.unreachable("renewing a lock", e))?;
        Ok(extended == 1)
    }

    async fn release(&self) -> Result<(), CoordinationError> {
        let _deleted: i64 = RELEASE_SCRIPT
            .key(&self.key)
            .arg(&self.token)
            .invoke_async(&mut self.coordinator.connection())
            .await
            .map_err(|e| self.coordinator.unreachable("releasing a lock", e))?;
        Ok(())
    }

    /// Renews and records the outcome; `Err(LeaseLost)` when the lease is gone.
    async fn renew_into(&self, state: &Mutex<State>) -> Result<(), CoordinationError> {
        let asked_at = Instant::now();
        let held = self.renew().await?;
        let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
        if held && !state.lost {
            state.confirmed_at = asked_at;
            Ok(())
        } else {
            state.lost = true;
            Err(CoordinationError::LeaseLost {
                dataset: self.dataset,
            })
        }
    }
}

impl RedisLease {
    pub(crate) fn start(
        coordinator: RedisCoordinator,
        dataset: DatasetId,
        key: String,
        token: String,
        taken_at: Instant,
    ) -> Self {
        let period = coordinator.config().lease_time_to_live / 3;
        let lock = Arc::new(LockKey {
            coordinator,
            dataset,
            key,
            token,
        });
        let state = Arc::new(Mutex::new(State {
            confirmed_at: taken_at,
            lost: false,
        }));
        let renewal = tokio::spawn({
            let (lock, state) = (Arc::clone(&lock), Arc::clone(&state));
            async move {
                loop {
                    tokio::time::sleep(period).await;
                    match lock.renew_into(&state).await {
                        Ok(()) => {}
                        Err(CoordinationError::LeaseLost { .. }) => return,
                        // Redis briefly unreachable: the lease may still be ours; the
                        // next renewal, or the check before the write, tells.
                        Err(error) => {
                            tracing::warn!(dataset = %lock.dataset, %error, "could not renew a fleet lock")
                        }
                    }
                }
            }
        });
        Self {
            lock,
            state,
            renewal,
            released: false,
        }
    }
}

#[async_trait]
impl Lease for RedisLease {
    /// Fails with [`CoordinationError::LeaseLost`] if the lease was seen lost, if more
    /// than its time to live passed since it was last confirmed (the holder stalled:
    /// detected without asking Redis), or if Redis says the lock is no longer ours;
    /// otherwise extends it to the whole time to live (one round trip).
    async fn ensure_held(&self) -> Result<(), CoordinationError> {
        let lost = {
            let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            state.lost
                || state.confirmed_at.elapsed() >= self.lock.coordinator.config().lease_time_to_live
        };
        if lost {
            return Err(CoordinationError::LeaseLost {
                dataset: self.lock.dataset,
            });
        }
        self.lock.renew_into(&self.state).await
    }

    async fn release(mut self: Box<Self>) -> Result<(), CoordinationError> {
        self.renewal.abort();
        self.released = true;
        self.lock.release().await
    }
}

impl Drop for RedisLease {
    fn drop(&mut self) {
        self.renewal.abort();
        if self.released {
            return;
        }
        // Dropped halfway (an error, a cancelled call): give the lock back now if a
        // runtime is there to do it; otherwise it expires after its time to live.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let lock = Arc::clone(&self.lock);
            runtime.spawn(async move {
                if let Err(error) = lock.release().await {
                    tracing::debug!(%error, "a dropped fleet lock will expire instead");
                }
            });
        }
    }
}
