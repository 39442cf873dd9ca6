//! Two `SharingService`s built separately in one process, over repositories that may
//! reach the same backend, serialise their changes to one dataset through the
//! process-wide lock; one given its own locks does not wait for them.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;

use async_trait::async_trait;
use collab_core::coordination::InProcessLocks;
use collab_core::{
    AccessConfigId, AccessConfigList, AccessConfigRepository, DatasetId, Result, ShareRequest,
    SharingService,
};
use tokio::sync::Notify;

/// A dataset no other test of this binary uses, so the process-wide lock is ours.
fn dataset() -> DatasetId {
    "0f0f0f0f0f0f0f0f0f0f0f0f".parse().unwrap()
}

/// A repository without configs that counts its reads; with a gate, its first read
/// says it has entered and waits to be released.
#[derive(Default)]
struct Repository {
    reads: AtomicUsize,
    gate: Option<Arc<Gate>>,
}

#[derive(Default)]
struct Gate {
    entered: Notify,
    release: Notify,
}

#[async_trait]
impl AccessConfigRepository for Repository {
    async fn create_or_update(&self, _: &DatasetId, _: &ShareRequest) -> Result<AccessConfigId> {
        Ok("aaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap())
    }

    async fn delete(&self, _: &DatasetId, _: &AccessConfigId) -> Result<()> {
        Ok(())
    }

    async fn list(&self, _: &DatasetId) -> Result<AccessConfigList> {
        if self.reads.fetch_add(1, Ordering::SeqCst) == 0
            && let Some(gate) = &self.gate
        {
            gate.entered.notify_one();
            gate.release.notified().await;
        }
        Ok(Vec::new().into())
    }
}

/// Polls `future` once: whether it finished.
async fn finishes_at_once<F: Future>(future: &mut std::pin::Pin<Box<F>>) -> bool {
    std::future::poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx).is_ready())).await
}

#[tokio::test]
async fn separately_built_services_take_turns_on_a_dataset_unless_given_their_own_locks() {
    let gate = Arc::new(Gate::default());
    let first = Arc::new(SharingService::new(Repository {
        gate: Some(Arc::clone(&gate)),
        ..Repository::default()
    }));
    let holder = tokio::spawn({
        let first = Arc::clone(&first);
        async move { first.grant(&dataset(), ["ann@example.com"]).await.map(drop) }
    });
    gate.entered.notified().await;
    assert!(InProcessLocks::process_wide().is_locked(&dataset()));

    // Built on its own, over another repository: it still waits for the first.
    let dataset = dataset();
    let second = SharingService::new(Repository::default());
    let mut waiting = Box::pin(second.grant(&dataset, ["bob@example.com"]));
    assert!(!finishes_at_once(&mut waiting).await);
    assert_eq!(
        second.get_ref().reads.load(Ordering::SeqCst),
        0,
        "it has not read"
    );

    // Given its own locks (a process of its own, in a test), it does not wait.
    let separate =
        SharingService::new(Repository::default()).with_local_locks(InProcessLocks::new());
    let mut independent = Box::pin(separate.grant(&dataset, ["cy@example.com"]));
    assert!(finishes_at_once(&mut independent).await);

    gate.release.notify_one();
    holder.await.unwrap().unwrap();
    waiting.await.unwrap();
    assert_eq!(second.get_ref().reads.load(Ordering::SeqCst), 1);
    assert!(!InProcessLocks::process_wide().is_locked(&dataset));
}
