//! Keeps a project's members in sync with a Lightly dataset's sharing.
//!
//! The service's logic is written against the port (`AccessConfigRepository`) through
//! `SharingService`, so that production injects the cache over the HTTP client and
//! tests inject the fake, the fault decorator or an in-process server.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let dataset = "5f0e4a6b2c1d3e4f5a6b7c8d".parse()?;
//! let sync = sync_members::MemberSync::new(sync_members::production_repository()?);
//! let report = sync.sync(&dataset, ["ann@example.com", "bob@example.com"]).await?;
//! println!("added {:?}, removed {:?}", report.added, report.removed);
//! # Ok(()) }
//! ```

use std::sync::Arc;

use collab::cache::{CacheConfig, CachedRepository};
use collab::core::{AccessConfigRepository, DatasetId, Result, SharingService};
use collab::http::HttpRepository;

/// The production stack: Lightly's API (`LIGHTLY_TOKEN`, and
/// `LIGHTLY_SERVER_LOCATION` when set) with its retries inside, and the cache outside.
pub fn production_repository()
-> std::result::Result<Arc<dyn AccessConfigRepository>, Box<dyn std::error::Error>> {
    let api = HttpRepository::builder()
        .base_url_from_env()
        .token_from_env()?
        .build()?;
    Ok(Arc::new(CachedRepository::new(api, CacheConfig::default())))
}

/// What a sync changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Members who were given access.
    pub added: Vec<String>,
    /// Users who lost access because they are no longer members.
    pub removed: Vec<String>,
}

impl SyncReport {
    /// Whether the sync wrote nothing.
    pub fn is_noop(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

/// Keeps datasets shared with exactly a project's members, keeping the teams (and
/// whatever else) that someone set elsewhere.
#[derive(Debug, Clone)]
pub struct MemberSync<R> {
    sharing: SharingService<R>,
}

impl<R: AccessConfigRepository> MemberSync<R> {
    /// A sync over any repository.
    pub fn new(repository: R) -> Self {
        Self {
            sharing: SharingService::new(repository),
        }
    }

    /// The sharing service underneath (e.g. to read who has access).
    pub fn sharing(&self) -> &SharingService<R> {
        &self.sharing
    }

    /// Gives every member access and takes it from every other user; teams are kept.
    ///
    /// Each change is a grant or a revoke, which `SharingService` makes under the
    /// dataset's lock from a fresh read (past the cache), so a change made elsewhere
    /// (a team added in the web app) within the cache's time to live is kept.
    pub async fn sync<I>(&self, dataset: &DatasetId, members: I) -> Result<SyncReport>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let members: Vec<String> = members
            .into_iter()
            .map(|m| m.as_ref().trim().to_owned())
            .collect();
        let is_member = |user: &str| members.iter().any(|m| m.eq_ignore_ascii_case(user));
        let current = self
            .sharing
            .fresh_write_config(dataset)
            .await?
            .map(|config| config.users)
            .unwrap_or_default();
        let to_remove: Vec<&String> = current.iter().filter(|user| !is_member(user)).collect();
        let mut report = SyncReport::default();
        if !members.is_empty() {
            let granted = self.sharing.grant(dataset, &members).await?;
            report.added = granted.plan.added_users;
        }
        if !to_remove.is_empty() {
            let revoked = self.sharing.revoke(dataset, to_remove).await?;
            report.removed = revoked.plan.removed_users;
        }
        Ok(report)
    }
}
