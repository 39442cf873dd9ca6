//! A controllable inner repository: the tests steer when its calls run, whether they
//! fail, and count them.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use collab_core::{
    AccessConfig, AccessConfigId, AccessConfigList, AccessConfigRepository, DatasetId, Error,
    ObjectId, Result, ShareRequest, SharedAccessType, Timestamp,
};
use tokio::sync::Notify;

/// Upper bound on any wait in these tests: a hang fails the test instead of the suite.
pub(crate) const PATIENCE: Duration = Duration::from_secs(10);

/// The n-th test dataset.
pub(crate) fn dataset(n: u32) -> DatasetId {
    let mut bytes = [0x65, 0x4f, 0x10, 0x00, 9, 8, 7, 6, 5, 0, 0, 0];
    bytes[9..].copy_from_slice(&n.to_be_bytes()[1..]);
    DatasetId::new(ObjectId::from_bytes(bytes))
}

/// A valid create-or-update request.
pub(crate) fn share_request() -> ShareRequest {
    ShareRequest::write(["ann@example.com"], ["acme"]).expect("a valid request")
}

/// An `Unavailable` error with this message.
pub(crate) fn unavailable(message: &str) -> Error {
    Error::Unavailable {
        message: message.to_owned(),
        source: None,
    }
}

/// Which method of the port a hold or failure applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Call {
    /// `list`
    List,
    /// `create_or_update` and `delete`
    Write,
}

/// A held call: it signals when it has entered, then waits to be released.
#[derive(Debug, Default)]
pub(crate) struct Gate {
    entered: Notify,
    release: Notify,
}

impl Gate {
    /// Waits until the held call has entered the inner repository.
    pub(crate) async fn entered(&self) {
        tokio::time::timeout(PATIENCE, self.entered.notified())
            .await
            .expect("the held call should enter the inner repository");
    }

    /// Lets the held call go on.
    pub(crate) fn release(&self) {
        self.release.notify_one();
    }
}

#[derive(Debug)]
enum Failure {
    /// Fail without changing anything.
    Before(Error),
    /// Apply the write, then fail (a timeout after the service acted: unknown outcome).
    AfterApplying(Error),
}

#[derive(Debug, Default)]
struct Shared {
    /// The whole backend state: one number, moved by every applied write. Every
    /// dataset's list shows it.
    version: AtomicU64,
    list_calls: AtomicUsize,
    write_calls: AtomicUsize,
    holds: Mutex<Vec<(Call, Arc<Gate>)>>,
    failures: Mutex<VecDeque<(Call, Failure)>>,
}

/// The controllable inner repository. Clones share state.
///
/// `list` answers one config whose single team spells the backend's version
/// (`"v3"`) as it was when the call *began*: a held list answers the state from before
/// any write made while it was held, as a slow request to a real service would.
#[derive(Debug, Clone, Default)]
pub(crate) struct ControlledRepository {
    shared: Arc<Shared>,
}

impl ControlledRepository {
    /// A backend at version 0.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// The backend's version now.
    pub(crate) fn version(&self) -> u64 {
        self.shared.version.load(Ordering::SeqCst)
    }

    /// How many `list` calls reached the backend.
    pub(crate) fn list_calls(&self) -> usize {
        self.shared.list_calls.load(Ordering::SeqCst)
    }

    /// How many writes reached the backend.
    pub(crate) fn write_calls(&self) -> usize {
        self.shared.write_calls.load(Ordering::SeqCst)
    }

    /// Holds the next call of this kind at the returned gate.
    pub(crate) fn hold_next(&self, call: Call) -> Arc<Gate> {
        let gate = Arc::new(Gate::default());
        self.shared
            .holds
            .lock()
            .unwrap()
            .push((call, Arc::clone(&gate)));
        gate
    }

    /// Makes the next call of this kind fail with `error`, changing nothing.
    pub(crate) fn fail_next(&self, call: Call, error: Error) {
        self.push_failure(call, Failure::Before(error));
    }

    /// Makes the next write apply, then fail with `error` (an unknown outcome).
    pub(crate) fn fail_next_write_after_applying(&self, error: Error) {
        self.push_failure(Call::Write, Failure::AfterApplying(error));
    }

    fn push_failure(&self, call: Call, failure: Failure) {
        self.shared
            .failures
            .lock()
            .unwrap()
            .push_back((call, failure));
    }

    fn take_hold(&self, call: Call) -> Option<Arc<Gate>> {
        let mut holds = self.shared.holds.lock().unwrap();
        let index = holds.iter().position(|(kind, _)| *kind == call)?;
        Some(holds.remove(index).1)
    }

    fn take_failure(&self, call: Call) -> Option<Failure> {
        let mut failures = self.shared.failures.lock().unwrap();
        let index = failures.iter().position(|(kind, _)| *kind == call)?;
        failures.remove(index).map(|(_, failure)| failure)
    }

    async fn wait_if_held(&self, call: Call) {
        if let Some(gate) = self.take_hold(call) {
            gate.entered.notify_one();
            tokio::time::timeout(PATIENCE, gate.release.notified())
                .await
                .expect("a held call should be released");
        }
    }

    async fn write(&self) -> Result<()> {
        self.shared.write_calls.fetch_add(1, Ordering::SeqCst);
        self.wait_if_held(Call::Write).await;
        match self.take_failure(Call::Write) {
            Some(Failure::Before(error)) => Err(error),
            Some(Failure::AfterApplying(error)) => {
                self.shared.version.fetch_add(1, Ordering::SeqCst);
                Err(error)
            }
            None => {
                self.shared.version.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }
        }
    }
}

/// The version a list from [`ControlledRepository`] shows.
pub(crate) fn version_of(list: &AccessConfigList) -> u64 {
    let team = &list[0].teams[0];
    team[1..].parse().expect("a version")
}

fn config_id() -> AccessConfigId {
    "0123456789abcdef01234567".parse().expect("a valid id")
}

#[async_trait]
impl AccessConfigRepository for ControlledRepository {
    async fn create_or_update(
        &self,
        _dataset: &DatasetId,
        _request: &ShareRequest,
    ) -> Result<AccessConfigId> {
        self.write().await.map(|()| config_id())
    }

    async fn delete(&self, _dataset: &DatasetId, _config: &AccessConfigId) -> Result<()> {
        self.write().await
    }

    async fn list(&self, _dataset: &DatasetId) -> Result<AccessConfigList> {
        self.shared.list_calls.fetch_add(1, Ordering::SeqCst);
        let version = self.version();
        self.wait_if_held(Call::List).await;
        if let Some(Failure::Before(error) | Failure::AfterApplying(error)) =
            self.take_failure(Call::List)
        {
            return Err(error);
        }
        let config = AccessConfig {
            id: config_id(),
            owner: "alice".to_owned(),
            access_type: SharedAccessType::Write,
            users: Vec::new(),
            teams: vec![format!("v{version}")],
            created_at: Timestamp::from_millis(0),
            last_modified_at: Timestamp::from_millis(0),
        };
        Ok(vec![config].into())
    }
}

/// Polls `condition`, letting other tasks run in between, until it holds; fails the
/// test after [`PATIENCE`] of real time.
pub(crate) async fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + PATIENCE;
    while !condition() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        tokio::task::yield_now().await;
    }
}

/// Awaits a spawned task, failing the test if it panicked or hangs.
pub(crate) async fn join<T>(task: tokio::task::JoinHandle<T>) -> T {
    tokio::time::timeout(PATIENCE, task)
        .await
        .expect("the task should finish")
        .expect("the task should not panic")
}
