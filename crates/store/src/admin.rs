//! The store's administrative port: [`StateAdmin`] for [`DurableStore`], so that
//! `collab serve --data`'s control plane exports, replaces and adds to the state
//! durably, like any write.

use collab_core::DatasetId;
use collab_core::admin::{
    AdminError, SnapshotInfo, SnapshotName, StateAdmin, UserAddition, check_new_dataset,
    check_new_user, no_snapshot, now_millis,
};
use collab_core::async_trait;
use collab_core::fixtures::{Fixtures, UserFixture};
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::StoreError;
use crate::seed::Step;
use crate::store::{DurableStore, TransactError, has_user};

#[async_trait]
impl StateAdmin for DurableStore {
    async fn export(&self) -> Result<Fixtures, AdminError> {
        let store = self.clone();
        on_blocking_pool(move || store.export()).await
    }

    async fn replace(&self, state: &Fixtures) -> Result<(), AdminError> {
        let (store, state) = (self.clone(), state.clone());
        on_blocking_pool(move || store.replace(&state)).await
    }

    async fn add_user(&self, user: &UserFixture) -> Result<(), AdminError> {
        let (store, user) = (self.clone(), user.clone());
        on_blocking_pool(move || store.add_checked_user(&user)).await
    }

    async fn add_dataset(&self, dataset: DatasetId, owner: &str) -> Result<(), AdminError> {
        let (store, owner) = (self.clone(), owner.to_owned());
        on_blocking_pool(move || store.add_checked_dataset(dataset, &owner)).await
    }

    async fn save_snapshot(&self, name: &SnapshotName) -> Result<SnapshotInfo, AdminError> {
        let (store, name) = (self.clone(), name.clone());
        on_blocking_pool(move || store.save_snapshot(&name)).await
    }

    async fn snapshots(&self) -> Result<Vec<SnapshotInfo>, AdminError> {
        let store = self.clone();
        on_blocking_pool(move || store.snapshots()).await
    }

    async fn restore_snapshot(&self, name: &SnapshotName) -> Result<Fixtures, AdminError> {
        let (store, wanted) = (self.clone(), name.clone());
        on_blocking_pool(move || store.restore_snapshot(&wanted))
            .await?
            .ok_or_else(|| no_snapshot(name))
    }

    async fn forget_snapshot(&self, name: &SnapshotName) -> Result<(), AdminError> {
        let (store, wanted) = (self.clone(), name.clone());
        let forgotten = on_blocking_pool(move || store.forget_snapshot(&wanted)).await?;
        if forgotten {
            Ok(())
        } else {
            Err(no_snapshot(name))
        }
    }
}

impl DurableStore {
    /// Replaces everything the store holds with `state` (ids and times kept), in one
    /// transaction: on disk when this returns, and nothing changed if it fails.
    pub fn replace(&self, state: &Fixtures) -> Result<(), StoreError> {
        let mut db = self.lock();
        db.transact(|tx, serial| {
            tx.execute_batch("DELETE FROM configs; DELETE FROM datasets; DELETE FROM users;")?;
            self.seed_in(tx, serial, state).map(drop)
        })
        .map_err(|error| self.refused_or_failed(error, "replacing the state"))
    }

    /// Saves the whole state under `name` in the store's file (replacing a snapshot
    /// of that name): on disk when this returns.
    pub fn save_snapshot(&self, name: &SnapshotName) -> Result<SnapshotInfo, StoreError> {
        let state = self.export()?;
        let info = SnapshotInfo::of(name, now_millis(), &state);
        let document = serde_json::to_string(&state)
            .map_err(|e| self.corrupt(format!("the state cannot be written as JSON: {e}")))?;
        let mut db = self.lock();
        db.transact(|tx, _| {
            tx.execute(
                "INSERT OR REPLACE INTO snapshots (name, saved_at, size, state) VALUES (?1, ?2, ?3, ?4)",
                params![
                    name.as_str(),
                    i64::try_from(info.saved_at).unwrap_or(i64::MAX),
                    i64::try_from(info.size).unwrap_or(i64::MAX),
                    document
                ],
            )?;
            Ok(())
        })
        .map_err(|error| self.refused_or_failed(error, "saving a snapshot"))?;
        Ok(info)
    }

    /// The snapshots the file holds, by name.
    pub fn snapshots(&self) -> Result<Vec<SnapshotInfo>, StoreError> {
        let mut db = self.lock();
        db.transact(|tx, _| {
            let mut statement =
                tx.prepare("SELECT name, saved_at, size FROM snapshots ORDER BY name")?;
            let rows = statement.query_map([], |row| {
                Ok(SnapshotInfo {
                    name: row.get(0)?,
                    saved_at: u64::try_from(row.get::<_, i64>(1)?).unwrap_or(0),
                    size: usize::try_from(row.get::<_, i64>(2)?).unwrap_or(0),
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .map_err(|error| self.refused_or_failed(error, "listing the snapshots"))
    }

    /// Makes the snapshot `name` the state, in one transaction, and returns it; `None`
    /// when the file has no snapshot of that name (nothing changed).
    pub fn restore_snapshot(&self, name: &SnapshotName) -> Result<Option<Fixtures>, StoreError> {
        let mut db = self.lock();
        db.transact(|tx, serial| {
            let document: Option<String> = tx
                .query_row(
                    "SELECT state FROM snapshots WHERE name = ?1",
                    [name.as_str()],
                    |row| row.get(0),
                )
                .optional()?;
            let Some(document) = document else {
                return Ok(None);
            };
            let state = Fixtures::from_json(&document, "a snapshot").map_err(|e| {
                TransactError::Refused(self.corrupt(format!("snapshot {name}: {e}")))
            })?;
            tx.execute_batch("DELETE FROM configs; DELETE FROM datasets; DELETE FROM users;")?;
            self.seed_in(tx, serial, &state)?;
            Ok(Some(state))
        })
        .map_err(|error| self.refused_or_failed(error, "restoring a snapshot"))
    }

    /// Forgets the snapshot `name`; whether there was one.
    pub fn forget_snapshot(&self, name: &SnapshotName) -> Result<bool, StoreError> {
        let mut db = self.lock();
        db.transact(|tx, _| {
            Ok(tx.execute("DELETE FROM snapshots WHERE name = ?1", [name.as_str()])? > 0)
        })
        .map_err(|error| self.refused_or_failed(error, "forgetting a snapshot"))
    }

    fn add_checked_user(&self, user: &UserFixture) -> Result<(), StoreError> {
        let mut db = self.lock();
        db.transact(|tx, _| {
            let existing: Option<Option<String>> = tx
                .query_row(
                    "SELECT token FROM users WHERE name = ?1",
                    [&user.name],
                    |row| row.get(0),
                )
                .optional()?;
            let holder = match user.token() {
                Some(token) => token_holder(tx, token)?,
                None => None,
            };
            let addition = check_new_user(
                user,
                existing.as_ref().map(Option::as_deref),
                holder.as_deref(),
            )
            .map_err(|error| self.admin_refusal(error))?;
            match addition {
                UserAddition::Insert => {
                    tx.execute(
                        "INSERT INTO users (name, token) VALUES (?1, ?2)",
                        params![user.name, user.token()],
                    )?;
                }
                UserAddition::SetToken => {
                    tx.execute(
                        "UPDATE users SET token = ?2 WHERE name = ?1",
                        params![user.name, user.token()],
                    )?;
                }
                UserAddition::Unchanged => {}
            }
            Ok(())
        })
        .map_err(|error| self.refused_or_failed(error, "adding a user"))
    }

    fn add_checked_dataset(&self, dataset: DatasetId, owner: &str) -> Result<(), StoreError> {
        let mut db = self.lock();
        db.transact(|tx, _| {
            let taken = tx
                .query_row(
                    "SELECT 1 FROM datasets WHERE id = ?1",
                    [dataset.to_string()],
                    |_| Ok(()),
                )
                .optional()?
                .is_some();
            check_new_dataset(dataset, owner, has_user(tx, owner)?, taken)
                .map_err(|error| self.admin_refusal(error))?;
            tx.execute(
                "INSERT INTO datasets (id, owner) VALUES (?1, ?2)",
                params![dataset.to_string(), owner],
            )?;
            Ok(())
        })
        .map_err(|error| self.refused_or_failed(error, "adding a dataset"))
    }

    /// A refusal of the administrative rules, as the store's conflict.
    fn admin_refusal(&self, error: AdminError) -> TransactError<StoreError> {
        match error {
            AdminError::Conflict { message } => self.conflict(message),
            other => TransactError::Refused(StoreError::Refused {
                path: self.path().to_owned(),
                message: other.to_string(),
            }),
        }
    }
}

/// The user who holds `token`, if any.
fn token_holder(conn: &Connection, token: &str) -> Step<Option<String>> {
    Ok(conn
        .query_row("SELECT name FROM users WHERE token = ?1", [token], |row| {
            row.get(0)
        })
        .optional()?)
}

/// Runs a store call on the blocking pool (it may wait for the disk), mapping its
/// error to what the control plane can act on.
async fn on_blocking_pool<T: Send + 'static>(
    call: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, AdminError> {
    match tokio::task::spawn_blocking(call).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(StoreError::Conflict { message, .. })) => Err(AdminError::Conflict { message }),
        Ok(Err(StoreError::Refused { message, .. })) => Err(AdminError::Invalid { message }),
        Ok(Err(other)) => Err(AdminError::Unavailable {
            message: other.to_string(),
        }),
        Err(join) => Err(AdminError::Unavailable {
            message: format!("the store's task failed: {join}"),
        }),
    }
}
