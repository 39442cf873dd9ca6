//! Repositories that misbehave on purpose: slow (held at a gate), failing, panicking.

use std::sync::Arc;

use async_trait::async_trait;
use collab_core::{
    AccessConfigId, AccessConfigList, AccessConfigRepository, DatasetId, Error, Result,
    ShareRequest,
};
use tokio::sync::{Notify, mpsc};

/// Where a [`SlowRepository`] call waits, and how a test sees it.
#[derive(Debug)]
pub(crate) struct Gate {
    /// Notified when a call arrives at the gate.
    pub(crate) entered: Notify,
    /// Notify to let one waiting call through.
    pub(crate) release: Notify,
    /// Receives one message when a call's future is dropped before or after finishing.
    dropped_tx: mpsc::UnboundedSender<()>,
}

impl Gate {
    pub(crate) fn new() -> (Arc<Self>, mpsc::UnboundedReceiver<()>) {
        let (dropped_tx, dropped_rx) = mpsc::unbounded_channel();
        let gate = Self {
            entered: Notify::new(),
            release: Notify::new(),
            dropped_tx,
        };
        (Arc::new(gate), dropped_rx)
    }
}

/// Sends on the gate's channel when dropped, so a test can see a call was abandoned.
struct DropSignal(mpsc::UnboundedSender<()>);

impl Drop for DropSignal {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

/// Every call waits at the gate until released, then succeeds (`list` answers `[]`).
#[derive(Debug, Clone)]
pub(crate) struct SlowRepository(pub(crate) Arc<Gate>);

impl SlowRepository {
    async fn pass_gate(&self) {
        let _signal = DropSignal(self.0.dropped_tx.clone());
        self.0.entered.notify_one();
        self.0.release.notified().await;
    }
}

#[async_trait]
impl AccessConfigRepository for SlowRepository {
    async fn create_or_update(&self, _: &DatasetId, _: &ShareRequest) -> Result<AccessConfigId> {
        self.pass_gate().await;
        Ok("aaaaaaaaaaaaaaaaaaaaaaaa".parse().expect("valid id"))
    }

    async fn delete(&self, _: &DatasetId, _: &AccessConfigId) -> Result<()> {
        self.pass_gate().await;
        Ok(())
    }

    async fn list(&self, _: &DatasetId) -> Result<AccessConfigList> {
        self.pass_gate().await;
        Ok(Vec::new().into())
    }
}

/// Every call fails with the same error.
#[derive(Debug, Clone)]
pub(crate) struct FailingRepository(pub(crate) Error);

#[async_trait]
impl AccessConfigRepository for FailingRepository {
    async fn create_or_update(&self, _: &DatasetId, _: &ShareRequest) -> Result<AccessConfigId> {
        Err(self.0.clone())
    }

    async fn delete(&self, _: &DatasetId, _: &AccessConfigId) -> Result<()> {
        Err(self.0.clone())
    }

    async fn list(&self, _: &DatasetId) -> Result<AccessConfigList> {
        Err(self.0.clone())
    }
}

/// Every call panics: a bug in a backend.
#[derive(Debug, Clone)]
pub(crate) struct PanickingRepository;

#[async_trait]
impl AccessConfigRepository for PanickingRepository {
    async fn create_or_update(&self, _: &DatasetId, _: &ShareRequest) -> Result<AccessConfigId> {
        panic!("backend bug in create_or_update")
    }

    async fn delete(&self, _: &DatasetId, _: &AccessConfigId) -> Result<()> {
        panic!("backend bug in delete")
    }

    async fn list(&self, _: &DatasetId) -> Result<AccessConfigList> {
        panic!("backend bug in list")
    }
}
