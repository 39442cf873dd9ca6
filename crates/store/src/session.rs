//! A user's handle on the durable store: the port, with the rules of
//! [`collab_core::rules`] over the rows of one dataset.

use async_trait::async_trait;
use collab_core::rules::{self, ConfigWrite, DatasetState};
use collab_core::{
    AccessConfig, AccessConfigId, AccessConfigList, AccessConfigRepository, DatasetId, Error,
    Result, ShareRequest, Timestamp,
};
use rusqlite::Connection;

use crate::rows::{self, LoadError};
use crate::store::{Db, DurableStore, TransactError, fresh_config_id, has_user};

/// Acts as one user of a [`DurableStore`]; implements the port.
///
/// The rules are [`collab_core::rules`], checked in the same order as the in-memory
/// fake's. A write is one SQLite transaction, on disk when the call returns; writes
/// run on tokio's blocking pool, since they wait for the disk. A failure of the
/// database is [`Error::Unavailable`].
#[derive(Debug, Clone)]
pub struct DurableSession {
    store: DurableStore,
    user: String,
}

type Step<T> = std::result::Result<T, TransactError<Error>>;

impl DurableSession {
    pub(crate) fn new(store: DurableStore, user: String) -> Self {
        Self { store, user }
    }

    /// The user this session acts as.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The store this session acts on.
    pub fn store(&self) -> &DurableStore {
        &self.store
    }

    /// The dataset's owner and configs, once the caller is known to be its owner.
    fn owned_dataset(
        &self,
        conn: &Connection,
        dataset: &DatasetId,
    ) -> Step<(String, Vec<AccessConfig>)> {
        if !has_user(conn, &self.user)? {
            return Err(TransactError::Refused(rules::unknown_user()));
        }
        let (owner, configs) = rows::load_dataset(conn, dataset)
            .map_err(|error| match error {
                LoadError::Database(error) => TransactError::Database(error),
                LoadError::Corrupt(what) => TransactError::Refused(self.corrupt(what)),
            })?
            .ok_or_else(|| TransactError::Refused(rules::unknown_dataset(*dataset)))?;
        let state = DatasetState {
            dataset: *dataset,
            owner: &owner,
            configs: &configs,
        };
        rules::authorize(&state, &self.user).map_err(TransactError::Refused)?;
        Ok((owner, configs))
    }

    fn create_or_update_now(
        &self,
        dataset: &DatasetId,
        request: &ShareRequest,
    ) -> Result<AccessConfigId> {
        let mut db = self.store.lock();
        let outcome = db.transact(|tx, serial| {
            let (owner, configs) = self.owned_dataset(tx, dataset)?;
            let state = DatasetState {
                dataset: *dataset,
                owner: &owner,
                configs: &configs,
            };
            let now = Timestamp::now();
            let write =
                rules::create_or_update(&state, request, now, || fresh_config_id(serial, now));
            match &write {
                ConfigWrite::Created(config) => rows::insert_config(tx, dataset, config)?,
                ConfigWrite::Replaced(config) => rows::replace_config(tx, config)?,
            }
            Ok(write.config().id)
        });
        self.finish(outcome)
    }

    fn delete_now(&self, dataset: &DatasetId, config: &AccessConfigId) -> Result<()> {
        let mut db = self.store.lock();
        let outcome = db.transact(|tx, _| {
            let (owner, configs) = self.owned_dataset(tx, dataset)?;
            let state = DatasetState {
                dataset: *dataset,
                owner: &owner,
                configs: &configs,
            };
            rules::delete(&state, config).map_err(TransactError::Refused)?;
            rows::delete_config(tx, config)?;
            Ok(())
        });
        self.finish(outcome)
    }

    fn list_now(&self, db: &Db, dataset: &DatasetId) -> Result<AccessConfigList> {
        let outcome = self.owned_dataset(&db.conn, dataset);
        self.finish(outcome).map(|(_, configs)| configs.into())
    }

    fn finish<T>(&self, outcome: Step<T>) -> Result<T> {
        outcome.map_err(|error| match error {
            TransactError::Refused(error) => error,
            TransactError::Database(source) => Error::unavailable(
                format!("the store {} failed", self.store.path().display()),
                source,
            ),
        })
    }

    fn corrupt(&self, what: String) -> Error {
        Error::Unavailable {
            message: format!(
                "the store {} holds a damaged row: {what}",
                self.store.path().display()
            ),
            source: None,
        }
    }
}

/// Runs a call that waits for the disk on tokio's blocking pool.
async fn off_the_runtime<T: Send + 'static>(
    call: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(call)
        .await
        .map_err(|error| Error::unavailable("the store's call did not finish", error))?
}

#[async_trait]
impl AccessConfigRepository for DurableSession {
    async fn create_or_update(
        &self,
        dataset: &DatasetId,
        request: &ShareRequest,
    ) -> Result<AccessConfigId> {
        let (this, dataset, request) = (self.clone(), *dataset, request.clone());
        off_the_runtime(move || this.create_or_update_now(&dataset, &request)).await
    }

    async fn delete(&self, dataset: &DatasetId, config: &AccessConfigId) -> Result<()> {
        let (this, dataset, config) = (self.clone(), *dataset, *config);
        off_the_runtime(move || this.delete_now(&dataset, &config)).await
    }

    async fn list(&self, dataset: &DatasetId) -> Result<AccessConfigList> {
        // A read takes microseconds: it runs here when the connection is free, and
        // waits on the blocking pool otherwise (the holder may be, or be followed by,
        // a write waiting for the disk).
        if let Some(db) = self.store.lock_for_read() {
            return self.list_now(&db, dataset);
        }
        let (this, dataset) = (self.clone(), *dataset);
        off_the_runtime(move || {
            let db = this.store.lock();
            this.list_now(&db, &dataset)
        })
        .await
    }
}
