//! The in-process coordination: a fair per-dataset async lock (tokio's `Mutex`, which
//! needs no runtime), and per-dataset generation counters.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

use super::{CoordinationError, DatasetGenerations, DatasetLocks, Generation, Lease};
use crate::DatasetId;

/// One lock per dataset, in this process. Waiters are served first come, first served
/// (tokio's `Mutex` is fair). A lease never expires: it is held until released or
/// dropped (its holder is in this process; if the process dies, so does the lock).
///
/// Clones share the locks. [`InProcessLocks::process_wide`] gives the set that every
/// [`SharingService`](crate::SharingService) of the process uses.
///
/// ```
/// use collab_core::coordination::InProcessLocks;
/// let dataset: collab_core::DatasetId = "0123456789abcdef01234567".parse().unwrap();
/// let locks = InProcessLocks::new();
/// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// runtime.block_on(async {
///     let lease = locks.acquire(&dataset).await;
///     assert!(locks.is_locked(&dataset));
///     drop(lease);
///     assert!(!locks.is_locked(&dataset));
/// });
/// ```
#[derive(Clone, Default)]
pub struct InProcessLocks {
    datasets: Arc<Mutex<HashMap<DatasetId, Slot>>>,
}

impl std::fmt::Debug for InProcessLocks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InProcessLocks")
            .field("datasets_locked_or_awaited", &self.state().len())
            .finish()
    }
}

/// One dataset's lock, and how many holders and waiters it has: a dataset is
/// forgotten when it has none, so the map holds only datasets in use.
#[derive(Debug)]
struct Slot {
    lock: Arc<AsyncMutex<()>>,
    users: usize,
}

static PROCESS_WIDE: LazyLock<InProcessLocks> = LazyLock::new(InProcessLocks::new);

impl InProcessLocks {
    /// A new, independent set of locks.
    pub fn new() -> Self {
        Self::default()
    }

    /// The set shared by the whole process (what [`SharingService`](crate::SharingService)
    /// takes by default).
    pub fn process_wide() -> Self {
        PROCESS_WIDE.clone()
    }

    /// Waits for the dataset's lock and takes it. Dropping the future while it waits
    /// gives up its place in the queue.
    pub fn acquire(
        &self,
        dataset: &DatasetId,
    ) -> impl Future<Output = InProcessLease> + Send + use<> {
        let user = SlotUser::join(self.clone(), *dataset);
        async move {
            let guard = Arc::clone(&user.lock).lock_owned().await;
            InProcessLease {
                _guard: guard,
                _user: user,
            }
        }
    }

    /// Whether someone holds the dataset's lock now.
    pub fn is_locked(&self, dataset: &DatasetId) -> bool {
        self.state()
            .get(dataset)
            .is_some_and(|slot| slot.lock.try_lock().is_err())
    }

    fn state(&self) -> MutexGuard<'_, HashMap<DatasetId, Slot>> {
        // No code panics while holding the mutex, so a poisoned one is still consistent.
        self.datasets.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A holder's or waiter's claim on a dataset's slot; the last one to leave forgets it.
#[derive(Debug)]
struct SlotUser {
    locks: InProcessLocks,
    dataset: DatasetId,
    lock: Arc<AsyncMutex<()>>,
}

impl SlotUser {
    fn join(locks: InProcessLocks, dataset: DatasetId) -> Self {
        let lock = {
            let mut state = locks.state();
            let slot = state.entry(dataset).or_insert_with(|| Slot {
                lock: Arc::default(),
                users: 0,
            });
            slot.users += 1;
            Arc::clone(&slot.lock)
        };
        Self {
            locks,
            dataset,
            lock,
        }
    }
}

impl Drop for SlotUser {
    fn drop(&mut self) {
        let mut state = self.locks.state();
        if let Some(slot) = state.get_mut(&self.dataset) {
            slot.users -= 1;
            if slot.users == 0 {
                state.remove(&self.dataset);
            }
        }
    }
}

/// A held in-process lock on one dataset; dropping it releases it.
#[derive(Debug)]
pub struct InProcessLease {
    // Fields drop in order: the lock is released before the slot may be forgotten.
    _guard: OwnedMutexGuard<()>,
    _user: SlotUser,
}

#[async_trait]
impl Lease for InProcessLease {
    /// Always held: an in-process lease does not expire.
    async fn ensure_held(&self) -> Result<(), CoordinationError> {
        Ok(())
    }

    async fn release(self: Box<Self>) -> Result<(), CoordinationError> {
        drop(self);
        Ok(())
    }
}

#[async_trait]
impl DatasetLocks for InProcessLocks {
    async fn lock(&self, dataset: &DatasetId) -> Result<Box<dyn Lease>, CoordinationError> {
        Ok(Box::new(self.acquire(dataset).await))
    }
}

/// A generation counter per dataset, in this process: enough for caches that share
/// one process (a fleet needs a shared store, such as `collab-redis`). Keeps one
/// counter per dataset ever seen.
#[derive(Debug, Clone, Default)]
pub struct InProcessGenerations {
    counters: Arc<Mutex<HashMap<DatasetId, u64>>>,
}

impl InProcessGenerations {
    /// Counters all at their start.
    pub fn new() -> Self {
        Self::default()
    }

    fn counters(&self) -> MutexGuard<'_, HashMap<DatasetId, u64>> {
        self.counters.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl DatasetGenerations for InProcessGenerations {
    async fn current(&self, dataset: &DatasetId) -> Result<Generation, CoordinationError> {
        Ok(Generation(
            self.counters().get(dataset).copied().unwrap_or_default(),
        ))
    }

    async fn advance(&self, dataset: &DatasetId) -> Result<(), CoordinationError> {
        *self.counters().entry(*dataset).or_default() += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Context, Poll, Waker};
    use std::time::Duration;

    fn dataset() -> DatasetId {
        "0123456789abcdef01234567".parse().unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_holder_at_a_time_and_no_waiter_is_lost() {
        let locks = InProcessLocks::new();
        let inside = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..32)
            .map(|_| {
                let (locks, inside) = (locks.clone(), Arc::clone(&inside));
                tokio::spawn(async move {
                    let lease = locks.acquire(&dataset()).await;
                    assert_eq!(
                        inside.fetch_add(1, Ordering::SeqCst),
                        0,
                        "two holders at once"
                    );
                    tokio::task::yield_now().await;
                    inside.fetch_sub(1, Ordering::SeqCst);
                    drop(lease);
                })
            })
            .collect();
        for task in tasks {
            tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .expect("every waiter gets the lock")
                .unwrap();
        }
        assert!(!locks.is_locked(&dataset()));
        assert!(
            locks.state().is_empty(),
            "nothing is kept once nobody waits"
        );
    }

    #[tokio::test]
    async fn a_waiter_that_gives_up_passes_its_turn_on() {
        let locks = InProcessLocks::new();
        let held = locks.acquire(&dataset()).await;
        let mut first = Box::pin(locks.acquire(&dataset()));
        let mut second = Box::pin(locks.acquire(&dataset()));
        let waker = Waker::noop();
        let mut cx = Context::from_waker(waker);
        assert!(first.as_mut().poll(&mut cx).is_pending());
        assert!(second.as_mut().poll(&mut cx).is_pending());
        drop(held);
        drop(first); // woken as next in line, but gone
        let Poll::Ready(lease) = second.as_mut().poll(&mut cx) else {
            panic!("the next waiter should hold the lock");
        };
        assert!(locks.is_locked(&dataset()));
        drop(lease);
        assert!(!locks.is_locked(&dataset()));
    }

    #[test]
    fn waiters_are_served_in_the_order_they_came_and_nothing_is_kept_after() {
        let locks = InProcessLocks::new();
        let mut cx = Context::from_waker(Waker::noop());
        let Poll::Ready(mut lease) = Box::pin(locks.acquire(&dataset())).as_mut().poll(&mut cx)
        else {
            panic!("a free lock is taken at once");
        };
        let mut waiters: Vec<_> = (0..3)
            .map(|_| Box::pin(locks.acquire(&dataset())))
            .collect();
        for waiter in &mut waiters {
            assert!(waiter.as_mut().poll(&mut cx).is_pending());
        }
        for next in 0..waiters.len() {
            drop(lease);
            // Those who came later are asked first: they must still wait.
            for later in (next + 1..waiters.len()).rev() {
                assert!(
                    waiters[later].as_mut().poll(&mut cx).is_pending(),
                    "waiter {later} overtook waiter {next}"
                );
            }
            let Poll::Ready(taken) = waiters[next].as_mut().poll(&mut cx) else {
                panic!("waiter {next} is next once the one before it let go");
            };
            lease = taken;
        }
        drop(lease);
        drop(waiters);
        assert!(!locks.is_locked(&dataset()));
        assert!(locks.state().is_empty(), "nothing kept once nobody waits");
    }

    #[test]
    fn a_waiter_that_gives_up_leaves_nothing_behind() {
        let locks = InProcessLocks::new();
        let mut cx = Context::from_waker(Waker::noop());
        let held = Box::pin(locks.acquire(&dataset())).as_mut().poll(&mut cx);
        assert!(held.is_ready());
        let mut waiter = Box::pin(locks.acquire(&dataset()));
        assert!(waiter.as_mut().poll(&mut cx).is_pending());
        drop(waiter);
        drop(held);
        assert!(locks.state().is_empty(), "{locks:?}");
    }

    #[tokio::test]
    async fn other_datasets_are_not_blocked() {
        let locks = InProcessLocks::new();
        let other: DatasetId = "aaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap();
        let _held = locks.acquire(&dataset()).await;
        let lease = tokio::time::timeout(Duration::from_secs(5), locks.acquire(&other)).await;
        assert!(lease.is_ok(), "another dataset's lock is free");
    }

    #[tokio::test]
    async fn generations_change_with_every_advance() {
        let generations = InProcessGenerations::new();
        let before = generations.current(&dataset()).await.unwrap();
        generations.advance(&dataset()).await.unwrap();
        let after = generations.current(&dataset()).await.unwrap();
        assert_ne!(before, after);
        assert_eq!(after, generations.current(&dataset()).await.unwrap());
    }
}
