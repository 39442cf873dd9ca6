//! [`FaultyRepository`]: the decorator that applies the armed rules to every call.

use std::future::Future;
use std::pin::Pin;

use collab_core::wire::CallTarget;
use collab_core::{
    AccessConfigId, AccessConfigList, AccessConfigRepository, DatasetId, Error, Result,
    ShareRequest,
};

use crate::faults::{Faults, Fired, RequestInfo};
use crate::rule::{DropMode, Operation};

/// The future every port method returns (what `async_trait` makes of an `async fn`).
type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A decorator over any [`AccessConfigRepository`] that fails calls exactly when the
/// armed [`Faults`] say, the way `collab serve` answers the same rules over the wire.
///
/// Each call is checked against the rules when it is made (when the method is called,
/// before its future is first polled), as operation, dataset, the user given by
/// [`with_user`](Self::with_user), and the path `collab-http` requests for it
/// (`/v1/datasets/{datasetId}/collaboration/access[/{accessConfigId}]`, so a rule's
/// `path` matches as it does on the server). When no rule fires the inner
/// repository's own future is returned: no allocation, no lock (one atomic load while
/// no rule is armed). When one fires, its action runs, in this order:
///
/// 1. `delayMs`, or a delay drawn from `delay` ([`Fired::delay`]): waits with
///    [`tokio::time::sleep`] (paused-time tests control it);
/// 2. `drop: reset`: [`Error::Unavailable`] saying the connection was reset; the
///    inner repository is not called;
/// 3. `drop: hang`: the call never completes and the inner repository is not called.
///    **Callers need a timeout** (`tokio::time::timeout`), as they need one against a
///    server that hangs;
/// 4. `status`: the error `collab-http` returns for that answer
///    ([`FaultAction::to_error`](crate::FaultAction::to_error)), without calling the
///    inner repository; with `applied`, after calling it: its error if it failed, else
///    the fault's error (the write happened, the caller cannot tell);
/// 5. a delay alone: then the inner repository answers.
///
/// **Rules only a connection can express are ignored** (neither matched nor fired
/// in-process, see [`FaultAction::is_wire_only`](crate::FaultAction::is_wire_only)):
/// a `drop` of `empty`, `truncate` or `garbage`, a `dribble`, a status below 400, a
/// `body` or `headers`. `collab serve` answers them over the wire.
///
/// ```
/// use collab_core::{AccessConfigRepository, DatasetId, Error};
/// use collab_faults::{FaultAction, FaultRule, Faults, FaultyRepository, Operation};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> collab_core::Result<()> {
/// let dataset: DatasetId = "0123456789abcdef01234567".parse().unwrap();
/// let store = collab_fake::InMemoryStore::new();
/// store.add_dataset(dataset, "alice");
///
/// let faults = Faults::new();
/// let repo = FaultyRepository::new(store.session("alice"), faults.clone()).with_user("alice");
/// faults.arm(FaultRule::new(Operation::List, FaultAction::status(503)).times(1));
///
/// assert!(matches!(repo.list(&dataset).await, Err(Error::Unavailable { .. })));
/// assert!(repo.list(&dataset).await?.is_empty()); // fired once, as `times` says
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct FaultyRepository<R> {
    inner: R,
    faults: Faults,
    user: Option<String>,
}

impl<R> FaultyRepository<R> {
    /// Wraps `inner`; calls through it are checked against `faults` (keep a clone of
    /// `faults` to arm and disarm rules while it is in use).
    pub fn new(inner: R, faults: Faults) -> Self {
        Self {
            inner,
            faults,
            user: None,
        }
    }

    /// The same decorator acting as `user`: rules with that `user` match its calls
    /// (without it, only rules without a `user` do).
    #[must_use]
    pub fn with_user(mut self, user: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self
    }

    /// The user its calls are made as, if set.
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// The rules it applies.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// The wrapped repository (calls made on it directly see no rule).
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The wrapped repository, mutably.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// Unwraps the inner repository.
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// Checks a call about `target` against the rules (counting it): the inner call's
    /// own future when no rule fires, else the fired rule's action around it.
    fn decorate<'a, T: 'a>(
        &self,
        operation: Operation,
        target: CallTarget,
        inner: impl FnOnce() -> BoxFuture<'a, Result<T>> + Send + 'a,
    ) -> BoxFuture<'a, Result<T>> {
        // Checked here first, inlined into the caller: with no rule armed, a call
        // costs one atomic load more than the inner repository's.
        if !self.faults.any_armed() {
            return inner();
        }
        // The path is built only when a rule may look at it: one allocation less on
        // every call while the armed rules are by operation alone.
        let path = self.faults.any_path().then(|| request_path(&target));
        let mut request = RequestInfo::default()
            .with_operation(operation)
            .on_dataset(&target.dataset);
        request.path = path.as_deref();
        request.user = self.user.as_deref();
        match self.faults.check_in_process(&request) {
            None => inner(),
            Some(fired) => Box::pin(run_action(fired, target, inner)),
        }
    }
}

/// The path `collab-http` requests for a call about `target`.
fn request_path(target: &CallTarget) -> String {
    match target.config {
        None => format!("/v1/datasets/{}/collaboration/access", target.dataset),
        Some(config) => format!(
            "/v1/datasets/{}/collaboration/access/{config}",
            target.dataset
        ),
    }
}

/// Runs a fired rule's action for a call about `target`; `inner` makes the inner
/// repository's call, only if the action lets it happen.
async fn run_action<T, F>(fired: Fired, target: CallTarget, inner: impl FnOnce() -> F) -> Result<T>
where
    F: Future<Output = Result<T>>,
{
    let Fired {
        rule,
        action,
        delay,
        ..
    } = fired;
    tracing::debug!(%rule, dataset = %target.dataset, "fault rule fired");
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    match action.drop {
        Some(DropMode::Reset) => {
            return Err(Error::unavailable_without_source(format!(
                "the connection was reset (injected by fault rule {rule}); nothing was applied"
            )));
        }
        Some(DropMode::Hang) => return std::future::pending().await,
        // The wire's own drops never fire in-process (out of the decorator's scope).
        _ => {}
    }
    let Some(error) = action.to_error(target) else {
        return inner().await;
    };
    if action.applied {
        inner().await?;
    }
    Err(error)
}

// Written without `#[async_trait]` (these are the signatures it generates), so that a
// call no rule fires on returns the inner repository's future as it is, instead of
// boxing a second future around it.
#[deny(clippy::missing_trait_methods)]
impl<R: AccessConfigRepository> AccessConfigRepository for FaultyRepository<R> {
    fn create_or_update<'life0, 'life1, 'life2, 'async_trait>(
        &'life0 self,
        dataset: &'life1 DatasetId,
        request: &'life2 ShareRequest,
    ) -> BoxFuture<'async_trait, Result<AccessConfigId>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        Self: 'async_trait,
    {
        let target = CallTarget {
            dataset: *dataset,
            config: None,
        };
        self.decorate(Operation::CreateOrUpdate, target, move || {
            self.inner.create_or_update(dataset, request)
        })
    }

    fn delete<'life0, 'life1, 'life2, 'async_trait>(
        &'life0 self,
        dataset: &'life1 DatasetId,
        config: &'life2 AccessConfigId,
    ) -> BoxFuture<'async_trait, Result<()>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        Self: 'async_trait,
    {
        let target = CallTarget {
            dataset: *dataset,
            config: Some(*config),
        };
        self.decorate(Operation::Delete, target, move || {
            self.inner.delete(dataset, config)
        })
    }

    fn list<'life0, 'life1, 'async_trait>(
        &'life0 self,
        dataset: &'life1 DatasetId,
    ) -> BoxFuture<'async_trait, Result<AccessConfigList>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        let target = CallTarget {
            dataset: *dataset,
            config: None,
        };
        self.decorate(Operation::List, target, move || self.inner.list(dataset))
    }
}
