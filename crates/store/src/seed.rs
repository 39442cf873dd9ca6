//! Loading fixtures into a store (only what it lacks, all or nothing) and dumping a
//! store as fixtures.

use std::fmt;

use collab_core::{AccessConfig, DatasetId, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::StoreError;
use crate::rows;
use crate::store::{Counts, DurableStore, TransactError, fresh_config_id};
use collab_core::fixtures::{ConfigFixture, DatasetFixture, Fixtures, UserFixture};

/// What seeding applied, and what the store already had.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedReport {
    /// Users, datasets and configs added.
    pub added: Counts,
    /// Users, datasets and configs the store already had, left as they were.
    pub kept: Counts,
    /// Where the fixtures and the store disagree, and the store's side was kept.
    pub notes: Vec<String>,
}

impl fmt::Display for SeedReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "added {}", self.added)?;
        if self.kept != Counts::default() {
            write!(f, "; already there, kept as they were: {}", self.kept)?;
        }
        for note in &self.notes {
            write!(f, "; {note}")?;
        }
        Ok(())
    }
}

pub(crate) type Step<T> = Result<T, TransactError<StoreError>>;

impl DurableStore {
    /// Applies what the store lacks of `fixtures`, in one transaction: users it does
    /// not know (and tokens of users that have none), datasets it does not hold, and
    /// configs of an access type a dataset does not have yet. What it already has is
    /// kept and counted in the report.
    ///
    /// Refused, applying nothing, when a fixture's config id or token belongs to
    /// another dataset or user in the store ([`StoreError::Conflict`]). Check the
    /// fixtures first with [`Fixtures::combine`], passing the store's users.
    pub fn seed(&self, fixtures: &Fixtures) -> Result<SeedReport, StoreError> {
        let mut db = self.lock();
        db.transact(|tx, serial| self.seed_in(tx, serial, fixtures))
            .map_err(|error| self.refused_or_failed(error, "seeding"))
    }

    /// Seeds `fixtures` inside the transaction `tx` (see [`seed`](Self::seed)).
    pub(crate) fn seed_in(
        &self,
        tx: &Connection,
        serial: &mut u64,
        fixtures: &Fixtures,
    ) -> Step<SeedReport> {
        let mut report = SeedReport::default();
        let now = Timestamp::now();
        for user in &fixtures.users {
            self.seed_user(tx, user, &mut report)?;
        }
        for dataset in &fixtures.datasets {
            let Some(owner) = self.seed_dataset(tx, dataset, &mut report)? else {
                continue;
            };
            for config in &dataset.configs {
                self.seed_config(tx, dataset.id, &owner, config, now, serial, &mut report)?;
            }
        }
        Ok(report)
    }

    /// The store's error for a transaction that a step refused or the database failed.
    pub(crate) fn refused_or_failed(
        &self,
        error: TransactError<StoreError>,
        action: &'static str,
    ) -> StoreError {
        match error {
            TransactError::Refused(error) => error,
            TransactError::Database(source) => StoreError::Database {
                path: self.path().to_owned(),
                action,
                source,
            },
        }
    }

    fn seed_user(&self, tx: &Connection, user: &UserFixture, report: &mut SeedReport) -> Step<()> {
        if let Some(token) = user.token() {
            let holder: Option<String> = tx
                .query_row(
                    "SELECT name FROM users WHERE token = ?1 AND name <> ?2",
                    params![token, user.name],
                    |row| row.get(0),
                )
                .optional()?;
            if let Some(holder) = holder {
                return Err(self.conflict(format!(
                    "user {:?} has the same token as user {holder:?} in the store",
                    user.name
                )));
            }
        }
        let stored: Option<Option<String>> = tx
            .query_row(
                "SELECT token FROM users WHERE name = ?1",
                [&user.name],
                |row| row.get(0),
            )
            .optional()?;
        match stored {
            None => {
                tx.execute(
                    "INSERT INTO users (name, token) VALUES (?1, ?2)",
                    params![user.name, user.token()],
                )?;
                report.added.users += 1;
            }
            Some(None) if user.token.is_some() => {
                tx.execute(
                    "UPDATE users SET token = ?2 WHERE name = ?1",
                    params![user.name, user.token()],
                )?;
                report.added.users += 1;
            }
            Some(stored) => {
                report.kept.users += 1;
                if user.token.is_some() && stored.as_deref() != user.token() {
                    report.notes.push(format!(
                        "user {:?} keeps the token the store has",
                        user.name
                    ));
                }
            }
        }
        Ok(())
    }

    /// The dataset's owner in the store, or `None` when the store gives it another
    /// owner (its configs are then left alone).
    fn seed_dataset(
        &self,
        tx: &Connection,
        dataset: &DatasetFixture,
        report: &mut SeedReport,
    ) -> Step<Option<String>> {
        let stored: Option<String> = tx
            .query_row(
                "SELECT owner FROM datasets WHERE id = ?1",
                [dataset.id.to_string()],
                |row| row.get(0),
            )
            .optional()?;
        match stored {
            None => {
                tx.execute(
                    "INSERT INTO users (name) VALUES (?1) ON CONFLICT (name) DO NOTHING",
                    [&dataset.owner],
                )?;
                tx.execute(
                    "INSERT INTO datasets (id, owner) VALUES (?1, ?2)",
                    params![dataset.id.to_string(), dataset.owner],
                )?;
                report.added.datasets += 1;
                Ok(Some(dataset.owner.clone()))
            }
            Some(owner) if owner == dataset.owner => {
                report.kept.datasets += 1;
                Ok(Some(owner))
            }
            Some(owner) => {
                report.kept.datasets += 1;
                report.kept.configs += dataset.configs.len() as u64;
                report.notes.push(format!(
                    "dataset {} keeps its owner {owner:?} and its configs (the fixtures say {:?})",
                    dataset.id, dataset.owner
                ));
                Ok(None)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn seed_config(
        &self,
        tx: &Connection,
        dataset: DatasetId,
        owner: &str,
        config: &ConfigFixture,
        now: Timestamp,
        serial: &mut u64,
        report: &mut SeedReport,
    ) -> Step<()> {
        let has_one: Option<String> = tx
            .query_row(
                "SELECT id FROM configs WHERE dataset = ?1 AND access_type = ?2",
                params![dataset.to_string(), config.request.access_type().as_str()],
                |row| row.get(0),
            )
            .optional()?;
        if has_one.is_some() {
            report.kept.configs += 1;
            return Ok(());
        }
        if let Some(id) = config.id
            && let Some(holder) = rows::dataset_of_config(tx, &id)?
        {
            return Err(self.conflict(format!(
                "config id {id} of dataset {dataset} is already used by a config of dataset {holder}"
            )));
        }
        let stored: AccessConfig = config.to_config(owner, now, || fresh_config_id(serial, now));
        rows::insert_config(tx, &dataset, &stored)?;
        report.added.configs += 1;
        Ok(())
    }

    pub(crate) fn conflict(&self, message: String) -> TransactError<StoreError> {
        TransactError::Refused(StoreError::Conflict {
            path: self.path().to_owned(),
            message,
        })
    }

    /// Everything the store holds, as fixtures (tokens included): users by name,
    /// datasets by id, configs with their ids and times.
    pub fn export(&self) -> Result<Fixtures, StoreError> {
        let users = self
            .users()?
            .into_iter()
            .map(|user| UserFixture {
                name: user.name,
                token: user.token,
            })
            .collect();
        let mut datasets = Vec::new();
        for (id, owner) in self.datasets()? {
            let configs = self
                .configs(&id)?
                .unwrap_or_default()
                .iter()
                .map(|config| {
                    ConfigFixture::from_config(config)
                        .map_err(|e| self.corrupt(format!("config {}: {e}", config.id)))
                })
                .collect::<Result<_, _>>()?;
            datasets.push(DatasetFixture { id, owner, configs });
        }
        Ok(Fixtures { users, datasets })
    }
}
