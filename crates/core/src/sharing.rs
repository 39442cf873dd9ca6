//! Sharing logic over any repository: Lightly's helpers (`share_only_with`,
//! `shared_users`) and incremental `grant` / `revoke`, each with a dry-run plan.

use std::sync::Arc;

use tracing::Instrument;

use crate::coordination::{DatasetLocks, InProcessLease, InProcessLocks, Lease};
use crate::request::{normalize_users, user_key};
use crate::{
    AccessConfig, AccessConfigId, AccessConfigRepository, DatasetId, Result, ShareRequest,
    SharedAccessType,
};

/// `current` with the users of `add` appended that it does not hold yet (users compare
/// without regard to ASCII case); the order of `current`, then of `add`, is kept.
///
/// ```
/// use collab_core::sharing::granted;
/// let after = granted(&["ann@x.io".into()], &["bob@x.io".into(), "ANN@x.io".into()]);
/// assert_eq!(after, ["ann@x.io", "bob@x.io"]);
/// ```
pub fn granted(current: &[String], add: &[String]) -> Vec<String> {
    let mut keys: std::collections::HashSet<String> = current.iter().map(|u| user_key(u)).collect();
    let mut users = current.to_vec();
    users.extend(
        add.iter()
            .filter(|user| keys.insert(user_key(user)))
            .cloned(),
    );
    users
}

/// `current` without the users of `remove` (compared without regard to ASCII case);
/// the order of the rest is kept.
///
/// ```
/// use collab_core::sharing::revoked;
/// let after = revoked(&["ann@x.io".into(), "bob@x.io".into()], &["Ann@X.io".into()]);
/// assert_eq!(after, ["bob@x.io"]);
/// ```
pub fn revoked(current: &[String], remove: &[String]) -> Vec<String> {
    let remove: std::collections::HashSet<String> = remove.iter().map(|u| user_key(u)).collect();
    current
        .iter()
        .filter(|user| !remove.contains(&user_key(user)))
        .cloned()
        .collect()
}

/// The entries of `after` missing from `before`, and those of `before` missing from
/// `after`, each in its list's order, comparing with `key`.
fn difference(
    before: &[String],
    after: &[String],
    key: fn(&str) -> String,
) -> (Vec<String>, Vec<String>) {
    let keys = |list: &[String]| {
        list.iter()
            .map(|e| key(e))
            .collect::<std::collections::HashSet<_>>()
    };
    let (before_keys, after_keys) = (keys(before), keys(after));
    let added = after
        .iter()
        .filter(|e| !before_keys.contains(&key(e)))
        .cloned()
        .collect();
    let removed = before
        .iter()
        .filter(|e| !after_keys.contains(&key(e)))
        .cloned()
        .collect();
    (added, removed)
}

/// What a sharing change would do to a dataset's `WRITE` config: computed without
/// writing anything, applied by [`SharingService::apply`]. Made by the service's
/// `plan_*` methods only (`#[non_exhaustive]`), so that a plan always describes a state
/// that was read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SharingPlan {
    /// The dataset the plan is for.
    pub dataset: DatasetId,
    /// The `WRITE` config as it was read, if the dataset had one.
    pub current: Option<AccessConfig>,
    /// The users the config will hold.
    pub users: Vec<String>,
    /// The teams the config will hold.
    pub teams: Vec<String>,
    /// Users who gain access.
    pub added_users: Vec<String>,
    /// Users who lose access.
    pub removed_users: Vec<String>,
    /// Teams that gain access.
    pub added_teams: Vec<String>,
    /// Teams that lose access.
    pub removed_teams: Vec<String>,
    /// Whether applying the plan creates the `WRITE` config (the dataset has none).
    pub creates: bool,
}

impl SharingPlan {
    /// A plan from the current config to these lists. When the dataset has no config,
    /// the plan creates one if `create_if_missing` or if anyone gains access.
    fn new(
        dataset: DatasetId,
        current: Option<AccessConfig>,
        users: Vec<String>,
        teams: Vec<String>,
        create_if_missing: bool,
    ) -> Self {
        let (before_users, before_orgs) = current
            .as_ref()
            .map(|c| (c.users.as_slice(), c.teams.as_slice()))
            .unwrap_or_default();
        let (added_users, removed_users) = difference(before_users, &users, user_key);
        let (added_teams, removed_teams) = difference(before_orgs, &teams, str::to_owned);
        let gains = !added_users.is_empty() || !added_teams.is_empty();
        let creates = current.is_none() && (create_if_missing || gains);
        Self {
            dataset,
            current,
            users,
            teams,
            added_users,
            removed_users,
            added_teams,
            removed_teams,
            creates,
        }
    }

    /// Whether applying the plan would write nothing: it creates no config and changes
    /// nobody's access.
    pub fn is_noop(&self) -> bool {
        !self.creates
            && self.added_users.is_empty()
            && self.removed_users.is_empty()
            && self.added_teams.is_empty()
            && self.removed_teams.is_empty()
    }
}

/// A change of who has access, for [`SharingService::change`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserChange {
    /// Add these users (validated as e-mail addresses), keeping the rest.
    Grant(Vec<String>),
    /// Remove these users (only trimmed), keeping the rest.
    Revoke(Vec<String>),
}

/// What a writing method of [`SharingService`] did, the one outcome of every write
/// ([`share`](SharingService::share), [`share_only_with`](SharingService::share_only_with),
/// [`grant`](SharingService::grant), [`revoke`](SharingService::revoke),
/// [`change`](SharingService::change), [`apply`](SharingService::apply)): the plan it
/// applied, made from the state it read under the dataset's lock, and the config it
/// wrote, if it wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Applied {
    /// The plan applied.
    pub plan: SharingPlan,
    /// The config written, or `None` when the plan changed nothing (a grant of users
    /// who already had access, a revoke of users who had none, a no-op plan).
    pub written: Option<AccessConfigId>,
}

impl Applied {
    /// Whether the call wrote to the repository.
    pub fn wrote(&self) -> bool {
        self.written.is_some()
    }
}

/// Sharing logic over any [`AccessConfigRepository`], with the semantics of
/// Lightly's own Python helpers and incremental changes on top.
///
/// User e-mails are normalised as [`ShareRequest`] describes (trimmed, validated,
/// duplicates ignoring ASCII case dropped, order of first appearance kept).
///
/// # Concurrent changes
///
/// Lightly's API only replaces a config as a whole, so `grant` and `revoke` read the
/// current config and write the whole list back. To lose no change, every method that
/// writes ([`grant`](Self::grant), [`revoke`](Self::revoke), [`share`](Self::share),
/// [`share_only_with`](Self::share_only_with), [`apply`](Self::apply)) holds the
/// dataset's lock from its read to its write:
///
/// - always the process-wide in-process lock ([`InProcessLocks::process_wide`]), so
///   concurrent calls in one process, through any `SharingService`, never lose a change;
/// - and, with [`with_fleet_locks`](Self::with_fleet_locks), a lock shared by every
///   process that uses the same one (`collab-redis`), so that replicas, workers, cron
///   jobs and `collab --redis` cooperate. A fleet lock that cannot be taken fails the
///   call with [`Error::Unavailable`](crate::Error::Unavailable) whose source is the
///   [`CoordinationError`](crate::coordination::CoordinationError), and nothing is
///   written; see [`coordination`](crate::coordination) for what a lease does and does
///   not guarantee.
///
/// Every plan, and the check under the lock right before a write, reads the config with
/// [`AccessConfigRepository::list_fresh`], never from a cache: over `collab-cache`, a
/// change someone else made within the cache's time to live is kept (or, for a plan made
/// before it, [`apply`](Self::apply) fails with
/// [`Error::Conflict`](crate::Error::Conflict)), not silently overwritten. Only the
/// reads for showing ([`write_config`](Self::write_config),
/// [`shared_users`](Self::shared_users)) may be answered from a cache.
///
/// Writers that bypass the service (a direct `create_or_update`, Lightly's web app)
/// take no lock and can still race with it, within the one round trip between the
/// fresh read and the write: the API has no conditional write (see the port's "Fresh
/// reads").
///
/// ```
/// # async fn example(repo: impl collab_core::AccessConfigRepository, dataset: collab_core::DatasetId) -> collab_core::Result<()> {
/// use collab_core::SharingService;
/// let sharing = SharingService::new(repo);
/// let plan = sharing.plan_grant(&dataset, ["ann@example.com"]).await?;
/// println!("would add {:?}", plan.added_users);
/// sharing.apply(&plan).await?; // writes nothing if nothing changes
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SharingService<R> {
    inner: R,
    local_locks: InProcessLocks,
    fleet_locks: Option<Arc<dyn DatasetLocks>>,
}

/// The locks a writing method holds from its read to its write.
struct HeldLocks {
    dataset: DatasetId,
    fleet: Option<Box<dyn Lease>>,
    /// When the locks were taken, for the event that says how long they were held.
    taken: std::time::Instant,
    /// Released when dropped, after the fleet lease.
    _local: InProcessLease,
}

impl Drop for HeldLocks {
    fn drop(&mut self) {
        tracing::debug!(
            held_ms = millis(self.taken.elapsed()),
            "collab-core: dataset lock released"
        );
    }
}

/// Whole milliseconds, for events.
fn millis(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// The span of one call of a [`SharingService`] method: its operation and dataset.
/// At `INFO`, like the HTTP adapter's call spans, and silent by itself; its events
/// (the plan, the lock taken and held, the write or why there was none) are at `DEBUG`.
fn sharing_span(operation: &'static str, dataset: &DatasetId) -> tracing::Span {
    tracing::info_span!("collab.sharing", collab.operation = operation, collab.dataset = %dataset)
}

/// Says what a plan would do.
fn plan_event(plan: &SharingPlan) {
    tracing::debug!(
        added_users = plan.added_users.len(),
        removed_users = plan.removed_users.len(),
        added_teams = plan.added_teams.len(),
        removed_teams = plan.removed_teams.len(),
        creates = plan.creates,
        noop = plan.is_noop(),
        "collab-core: planned"
    );
}

/// Says whether a call wrote.
fn write_event(written: Option<&AccessConfigId>) {
    match written {
        Some(config) => tracing::debug!(%config, "collab-core: wrote the WRITE config"),
        None => tracing::debug!("collab-core: no write: the plan changes nothing"),
    }
}

impl HeldLocks {
    /// Confirms the fleet lease right before the write (a holder that stalled past its
    /// time to live gives up here instead of writing).
    async fn ensure_held(&self) -> Result<()> {
        match &self.fleet {
            Some(lease) => lease
                .ensure_held()
                .await
                .map_err(|e| e.into_write_error(&self.dataset)),
            None => Ok(()),
        }
    }

    /// Gives the locks back. The write has happened; a fleet lease that cannot be
    /// released expires on its own, so its error is not the caller's concern.
    async fn release(mut self) {
        if let Some(lease) = self.fleet.take() {
            let _expires_on_its_own = lease.release().await;
        }
    }
}

impl<R: AccessConfigRepository> SharingService<R> {
    /// Sharing logic over `inner`, serialised per dataset within this process.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            local_locks: InProcessLocks::process_wide(),
            fleet_locks: None,
        }
    }

    /// Takes `locks` instead of the process-wide in-process locks: for services that
    /// must not wait on each other although they share a process (in tests, each
    /// stands for a process of its own).
    #[must_use]
    pub fn with_local_locks(mut self, locks: InProcessLocks) -> Self {
        self.local_locks = locks;
        self
    }

    /// Also takes `locks` (e.g. `collab-redis`'s lock) around every read-modify-write,
    /// so that every process using the same locks cooperates. Taken after the
    /// in-process lock, so callers in one process queue locally and only one of them
    /// at a time waits on the fleet.
    #[must_use]
    pub fn with_fleet_locks(mut self, locks: impl DatasetLocks + 'static) -> Self {
        self.fleet_locks = Some(Arc::new(locks));
        self
    }

    async fn lock(&self, dataset: &DatasetId) -> Result<HeldLocks> {
        let asked = std::time::Instant::now();
        let local = self.local_locks.acquire(dataset).await;
        let fleet = match &self.fleet_locks {
            Some(locks) => Some(
                locks
                    .lock(dataset)
                    .await
                    .map_err(|e| e.into_write_error(dataset))?,
            ),
            None => None,
        };
        tracing::debug!(
            waited_ms = millis(asked.elapsed()),
            fleet = fleet.is_some(),
            "collab-core: dataset lock taken"
        );
        Ok(HeldLocks {
            dataset: *dataset,
            fleet,
            taken: std::time::Instant::now(),
            _local: local,
        })
    }

    /// The repository underneath.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// Gives the repository back.
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// The dataset's `WRITE` config, if it has one (the first, as Lightly's helper reads
    /// it). A read for showing: it may come from a cache (see
    /// [`AccessConfigRepository::list`]); every plan and write reads with
    /// [`fresh_write_config`](Self::fresh_write_config) instead.
    pub async fn write_config(&self, dataset: &DatasetId) -> Result<Option<AccessConfig>> {
        let configs = self.inner.list(dataset).await?;
        Ok(write_config_of(&configs))
    }

    /// The dataset's `WRITE` config as the source holds it now, never from a cache
    /// ([`AccessConfigRepository::list_fresh`]): what the plans and the writes read.
    pub async fn fresh_write_config(&self, dataset: &DatasetId) -> Result<Option<AccessConfig>> {
        let configs = self.inner.list_fresh(dataset).await?;
        Ok(write_config_of(&configs))
    }

    /// The users of the dataset's `WRITE` config, or none (Lightly's `get_shared_users`).
    pub async fn shared_users(&self, dataset: &DatasetId) -> Result<Vec<String>> {
        Ok(self
            .write_config(dataset)
            .await?
            .map(|c| c.users)
            .unwrap_or_default())
    }

    /// Shares the dataset with exactly these users and no team, replacing
    /// whoever had access before; an empty list revokes everyone (Lightly's
    /// `share_dataset_only_with`). Always writes; like [`share`](Self::share), it reads
    /// the config first, so that the outcome says what changed.
    pub async fn share_only_with<I>(&self, dataset: &DatasetId, users: I) -> Result<Applied>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let request = ShareRequest::write(users, std::iter::empty::<&str>())?;
        self.share_request(dataset, &request)
            .instrument(sharing_span("share_only_with", dataset))
            .await
    }

    /// Replaces the `WRITE` config with exactly the request's users and teams, under
    /// the dataset's lock; always writes (the API's create-or-update). The outcome's
    /// plan says what changed, from the state read under the lock.
    pub async fn share(&self, dataset: &DatasetId, request: &ShareRequest) -> Result<Applied> {
        self.share_request(dataset, request)
            .instrument(sharing_span("share", dataset))
            .await
    }

    async fn share_request(&self, dataset: &DatasetId, request: &ShareRequest) -> Result<Applied> {
        let held = self.lock(dataset).await?;
        let plan = self.plan_request(dataset, request).await?;
        held.ensure_held().await?;
        let id = self.inner.create_or_update(dataset, request).await?;
        write_event(Some(&id));
        held.release().await;
        Ok(Applied {
            plan,
            written: Some(id),
        })
    }

    /// Plans replacing the `WRITE` config with exactly these users and teams
    /// (validated and normalised as [`ShareRequest`] says). Like the API's
    /// create-or-update, it creates the config when the dataset has none, even empty.
    pub async fn plan_share<U, O>(
        &self,
        dataset: &DatasetId,
        users: U,
        teams: O,
    ) -> Result<SharingPlan>
    where
        U: IntoIterator,
        U::Item: AsRef<str>,
        O: IntoIterator,
        O::Item: AsRef<str>,
    {
        self.plan_request(dataset, &ShareRequest::write(users, teams)?)
            .await
    }

    /// Plans what a `WRITE` request would change, as [`plan_share`](Self::plan_share).
    pub async fn plan_request(
        &self,
        dataset: &DatasetId,
        request: &ShareRequest,
    ) -> Result<SharingPlan> {
        let current = self.fresh_write_config(dataset).await?;
        let (users, teams) = (request.users().to_vec(), request.teams().to_vec());
        let plan = SharingPlan::new(*dataset, current, users, teams, true);
        plan_event(&plan);
        Ok(plan)
    }

    /// Plans adding users, keeping the users and teams that have access.
    pub async fn plan_grant<I>(&self, dataset: &DatasetId, users: I) -> Result<SharingPlan>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let add = normalize_users(users)?;
        self.plan_change(dataset, |current| granted(current, &add))
            .await
    }

    /// Plans removing users, keeping the other users and the teams. The users
    /// to remove are only trimmed, not checked as e-mail addresses, so that an entry
    /// the service stores in another shape can be removed too.
    pub async fn plan_revoke<I>(&self, dataset: &DatasetId, users: I) -> Result<SharingPlan>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let remove = users_to_revoke(users)?;
        self.plan_change(dataset, |current| revoked(current, &remove))
            .await
    }

    async fn plan_change(
        &self,
        dataset: &DatasetId,
        change: impl FnOnce(&[String]) -> Vec<String>,
    ) -> Result<SharingPlan> {
        let current = self.fresh_write_config(dataset).await?;
        let (users, teams) = match &current {
            Some(config) => (change(&config.users), config.teams.clone()),
            None => (change(&[]), Vec::new()),
        };
        let plan = SharingPlan::new(*dataset, current, users, teams, false);
        plan_event(&plan);
        Ok(plan)
    }

    /// Applies a plan: one create-or-update with the plan's lists, or no write at all
    /// when the plan changes nothing. The outcome holds the plan and the config's id
    /// when it wrote.
    ///
    /// The lists are sent as the plan holds them: entries the service already stored
    /// are kept even if they would not pass [`ShareRequest`]'s checks today (only the
    /// entries a plan adds were checked, when it was made).
    ///
    /// Under the dataset's lock, the `WRITE` config is read again first, fresh (past any
    /// cache, [`AccessConfigRepository::list_fresh`]): if its users or
    /// teams are no longer those the plan was made from (someone changed them since),
    /// nothing is written and the call fails with
    /// [`Error::Conflict`](crate::Error::Conflict): make a new plan.
    pub async fn apply(&self, plan: &SharingPlan) -> Result<Applied> {
        self.apply_plan(plan)
            .instrument(sharing_span("apply", &plan.dataset))
            .await
    }

    async fn apply_plan(&self, plan: &SharingPlan) -> Result<Applied> {
        let applied = |written| Applied {
            plan: plan.clone(),
            written,
        };
        if plan.is_noop() {
            write_event(None);
            return Ok(applied(None));
        }
        let held = self.lock(&plan.dataset).await?;
        let now = self.fresh_write_config(&plan.dataset).await?;
        if sharing_of(now.as_ref()) != sharing_of(plan.current.as_ref()) {
            tracing::debug!("collab-core: no write: the plan went stale");
            return Err(crate::Error::Conflict {
                message: format!(
                    "the sharing of dataset {} changed since the plan was made; nothing was written, plan again",
                    plan.dataset
                ),
            });
        }
        let written = self.write_planned(&held, plan).await?;
        held.release().await;
        Ok(applied(written))
    }

    /// Writes a plan made under `held`: one create-or-update, or nothing for a no-op.
    async fn write_planned(
        &self,
        held: &HeldLocks,
        plan: &SharingPlan,
    ) -> Result<Option<AccessConfigId>> {
        if plan.is_noop() {
            write_event(None);
            return Ok(None);
        }
        held.ensure_held().await?;
        let request = ShareRequest::write_as_is(plan.users.clone(), plan.teams.clone());
        let id = self.inner.create_or_update(&plan.dataset, &request).await?;
        write_event(Some(&id));
        Ok(Some(id))
    }

    /// Plans and applies a change under the dataset's lock, so that no concurrent
    /// change is lost between the read and the write.
    async fn change_locked(
        &self,
        dataset: &DatasetId,
        change: impl FnOnce(&[String]) -> Vec<String>,
    ) -> Result<Applied> {
        let held = self.lock(dataset).await?;
        let plan = self.plan_change(dataset, change).await?;
        let written = self.write_planned(&held, &plan).await?;
        held.release().await;
        Ok(Applied { plan, written })
    }

    /// Grants or revokes under the dataset's lock (what [`grant`](Self::grant) and
    /// [`revoke`](Self::revoke) do), telling which config was written.
    pub async fn change(&self, dataset: &DatasetId, change: UserChange) -> Result<Applied> {
        let operation = match change {
            UserChange::Grant(_) => "grant",
            UserChange::Revoke(_) => "revoke",
        };
        self.change_users(dataset, change)
            .instrument(sharing_span(operation, dataset))
            .await
    }

    async fn change_users(&self, dataset: &DatasetId, change: UserChange) -> Result<Applied> {
        match change {
            UserChange::Grant(users) => {
                let add = normalize_users(users)?;
                self.change_locked(dataset, |current| granted(current, &add))
                    .await
            }
            UserChange::Revoke(users) => {
                let remove = users_to_revoke(users)?;
                self.change_locked(dataset, |current| revoked(current, &remove))
                    .await
            }
        }
    }

    /// Adds users, keeping the rest, under the dataset's lock; writes nothing when they
    /// all had access already.
    pub async fn grant<I>(&self, dataset: &DatasetId, users: I) -> Result<Applied>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let users = users.into_iter().map(|u| u.as_ref().to_owned()).collect();
        self.change(dataset, UserChange::Grant(users)).await
    }

    /// Removes users, keeping the rest, under the dataset's lock; writes nothing when
    /// none of them had access.
    pub async fn revoke<I>(&self, dataset: &DatasetId, users: I) -> Result<Applied>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let users = users.into_iter().map(|u| u.as_ref().to_owned()).collect();
        self.change(dataset, UserChange::Revoke(users)).await
    }
}

/// The first `WRITE` config of a list.
fn write_config_of(configs: &[AccessConfig]) -> Option<AccessConfig> {
    configs
        .iter()
        .find(|config| config.access_type == SharedAccessType::Write)
        .cloned()
}

/// Who a `WRITE` config shares with (nobody when there is none).
fn sharing_of(config: Option<&AccessConfig>) -> (&[String], &[String]) {
    config
        .map(|c| (c.users.as_slice(), c.teams.as_slice()))
        .unwrap_or_default()
}

/// The users to revoke, only trimmed (see [`SharingService::plan_revoke`]).
fn users_to_revoke<I>(users: I) -> Result<Vec<String>>
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    users
        .into_iter()
        .map(|user| {
            let user = user.as_ref().trim();
            if user.is_empty() {
                Err(crate::Error::InvalidRequest {
                    message: "a user to revoke is empty".to_owned(),
                })
            } else {
                Ok(user.to_owned())
            }
        })
        .collect()
}
