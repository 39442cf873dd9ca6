//! Sharing logic over any repository: Lightly's helpers (`share_only_with`,
//! `shared_users`) and incremental `grant` / `revoke`, each with a dry-run plan.

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
/// writing anything, applied by [`SharingService::apply`].
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// Sharing logic over any [`AccessConfigRepository`], with the semantics of
/// Lightly's own Python helpers and incremental changes on top.
///
/// User e-mails are normalised as [`ShareRequest`] describes (trimmed, validated,
/// duplicates ignoring ASCII case dropped, order of first appearance kept).
///
/// `grant` and `revoke` read the current config, then write the whole list back:
/// like Lightly's API itself, they are not atomic against a concurrent writer.
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
}

impl<R: AccessConfigRepository> SharingService<R> {
    /// Sharing logic over `inner`.
    pub fn new(inner: R) -> Self {
        Self { inner }
    }

    /// The repository underneath.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// Gives the repository back.
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// The dataset's `WRITE` config, if it has one (the first, as Lightly's helper reads it).
    pub async fn write_config(&self, dataset: &DatasetId) -> Result<Option<AccessConfig>> {
        let configs = self.inner.list(dataset).await?;
        Ok(configs
            .iter()
            .find(|config| config.access_type == SharedAccessType::Write)
            .cloned())
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
    /// `share_dataset_only_with`). Always writes.
    pub async fn share_only_with<I>(&self, dataset: &DatasetId, users: I) -> Result<AccessConfigId>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let request = ShareRequest::write(users, std::iter::empty::<&str>())?;
        self.inner.create_or_update(dataset, &request).await
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
        let current = self.write_config(dataset).await?;
        let (users, teams) = (request.users().to_vec(), request.teams().to_vec());
        Ok(SharingPlan::new(*dataset, current, users, teams, true))
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
        let remove = users
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
            .collect::<Result<Vec<_>>>()?;
        self.plan_change(dataset, |current| revoked(current, &remove))
            .await
    }

    async fn plan_change(
        &self,
        dataset: &DatasetId,
        change: impl FnOnce(&[String]) -> Vec<String>,
    ) -> Result<SharingPlan> {
        let current = self.write_config(dataset).await?;
        let (users, teams) = match &current {
            Some(config) => (change(&config.users), config.teams.clone()),
            None => (change(&[]), Vec::new()),
        };
        Ok(SharingPlan::new(*dataset, current, users, teams, false))
    }

    /// Applies a plan: one create-or-update with the plan's lists, or no write at all
    /// when the plan changes nothing. Returns the config's id when it wrote.
    ///
    /// The lists are sent as the plan holds them: entries the service already stored
    /// are kept even if they would not pass [`ShareRequest`]'s checks today (only the
    /// entries a plan adds were checked, when it was made).
    pub async fn apply(&self, plan: &SharingPlan) -> Result<Option<AccessConfigId>> {
        if plan.is_noop() {
            return Ok(None);
        }
        let request = ShareRequest::write_as_is(plan.users.clone(), plan.teams.clone());
        self.inner
            .create_or_update(&plan.dataset, &request)
            .await
            .map(Some)
    }

    /// Adds users, keeping the rest; returns the plan that was applied.
    pub async fn grant<I>(&self, dataset: &DatasetId, users: I) -> Result<SharingPlan>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let plan = self.plan_grant(dataset, users).await?;
        self.apply(&plan).await?;
        Ok(plan)
    }

    /// Removes users, keeping the rest; returns the plan that was applied.
    pub async fn revoke<I>(&self, dataset: &DatasetId, users: I) -> Result<SharingPlan>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let plan = self.plan_revoke(dataset, users).await?;
        self.apply(&plan).await?;
        Ok(plan)
    }
}
