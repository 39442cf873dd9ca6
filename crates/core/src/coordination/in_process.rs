//! The in-process coordination: a fair per-dataset async lock built on std's `Mutex`
//! and wakers (no runtime needed), and per-dataset generation counters.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use async_trait::async_trait;

use super::{CoordinationError, DatasetGenerations, DatasetLocks, Generation, Lease};
use crate::DatasetId;

/// One lock per dataset, in this process. Waiters are served first come, first served.
/// A lease never expires: it is held until released or dropped (its holder is in this
/// process; if the process dies, so does the lock).
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
    datasets: Arc<Mutex<HashMap<DatasetId, Queue>>>,
}

impl std::fmt::Debug for InProcessLocks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InProcessLocks")
            .field("datasets_locked_or_awaited", &self.state().len())
            .finish()
    }
}

/// One dataset's lock: whether it is held, and who waits for it, in order.
#[derive(Debug, Default)]
struct Queue {
    held: bool,
    waiters: VecDeque<(u64, Waker)>,
    next_ticket: u64,
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
        Acquire {
            locks: self.clone(),
            dataset: *dataset,
            ticket: None,
        }
    }

    /// Whether someone holds the dataset's lock now.
    pub fn is_locked(&self, dataset: &DatasetId) -> bool {
        self.state().get(dataset).is_some_and(|queue| queue.held)
    }

    fn state(&self) -> MutexGuard<'_, HashMap<DatasetId, Queue>> {
        // No code panics while holding the mutex, so a poisoned one is still consistent.
        self.datasets.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Lets the next waiter in, or forgets the dataset when nobody waits.
    fn hand_over(state: &mut HashMap<DatasetId, Queue>, dataset: &DatasetId) {
        if let Some(queue) = state.get(dataset) {
            if queue.held {
                return;
            }
            match queue.waiters.front() {
                Some((_, waker)) => waker.wake_by_ref(),
                None => {
                    state.remove(dataset);
                }
            }
        }
    }
}

/// The future of [`InProcessLocks::acquire`].
struct Acquire {
    locks: InProcessLocks,
    dataset: DatasetId,
    /// Our place in the queue, once we had to wait.
    ticket: Option<u64>,
}

impl Future for Acquire {
    type Output = InProcessLease;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<InProcessLease> {
        let this = &mut *self;
        let mut state = this.locks.state();
        let queue = state.entry(this.dataset).or_default();
        let our_turn = match this.ticket {
            None => queue.waiters.is_empty(),
            Some(ticket) => queue.waiters.front().is_some_and(|(t, _)| *t == ticket),
        };
        if !queue.held && our_turn {
            if this.ticket.take().is_some() {
                queue.waiters.pop_front();
            }
            queue.held = true;
            drop(state);
            return Poll::Ready(InProcessLease {
                locks: this.locks.clone(),
                dataset: this.dataset,
            });
        }
        match this.ticket {
            Some(ticket) => {
                if let Some((_, waker)) = queue.waiters.iter_mut().find(|(t, _)| *t == ticket) {
                    waker.clone_from(cx.waker());
                }
            }
            None => {
                let ticket = queue.next_ticket;
                queue.next_ticket += 1;
                queue.waiters.push_back((ticket, cx.waker().clone()));
                this.ticket = Some(ticket);
            }
        }
        Poll::Pending
    }
}

impl Drop for Acquire {
    fn drop(&mut self) {
        let Some(ticket) = self.ticket else { return };
        let mut state = self.locks.state();
        if let Some(queue) = state.get_mut(&self.dataset) {
            queue.waiters.retain(|(t, _)| *t != ticket);
        }
        // We may have been woken as the next in line: pass the turn on.
        InProcessLocks::hand_over(&mut state, &self.dataset);
    }
}

/// A held in-process lock on one dataset; dropping it releases it.
#[derive(Debug)]
pub struct InProcessLease {
    locks: InProcessLocks,
    dataset: DatasetId,
}

impl Drop for InProcessLease {
    fn drop(&mut self) {
        let mut state = self.locks.state();
        if let Some(queue) = state.get_mut(&self.dataset) {
            queue.held = false;
        }
        InProcessLocks::hand_over(&mut state, &self.dataset);
    }
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
