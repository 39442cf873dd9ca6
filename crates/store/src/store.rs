//! The store: one SQLite file, one connection, and its administrative side (users,
//! datasets, counts).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};

use collab_core::{AccessConfig, AccessConfigId, DatasetId, Timestamp, rules};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use crate::error::StoreError;
use crate::rows;
use crate::schema;
use crate::session::DurableSession;
use crate::stored_user::StoredUser;

/// A durable stand-in for Lightly's Collaboration service: users, datasets and their
/// configs in one SQLite file, under the same rules as the in-memory fake
/// ([`collab_core::rules`]).
///
/// The file is in WAL mode with `synchronous=FULL`, so a write is on disk when the
/// call that made it returns: what was acknowledged survives a crash. The store takes
/// the file for its process alone (another process opening it gets
/// [`StoreError::Locked`]); clones share the one connection.
///
/// ```
/// use collab_core::{AccessConfigRepository, DatasetId, ShareRequest};
/// use collab_store::DurableStore;
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let folder = std::env::temp_dir().join(format!("collab-store-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&folder)?;
/// let path = folder.join("state.db");
/// let dataset: DatasetId = "0123456789abcdef01234567".parse()?;
/// let id = {
///     let store = DurableStore::open(&path)?;
///     store.add_dataset(dataset, "alice")?;
///     let request = ShareRequest::write(["bob@example.com"], ["acme"])?;
///     store.session("alice").create_or_update(&dataset, &request).await?
/// };
/// // Closed and opened again: the config is still there.
/// let store = DurableStore::open(&path)?;
/// assert_eq!(store.session("alice").list(&dataset).await?[0].id, id);
/// # drop(store);
/// # std::fs::remove_dir_all(&folder)?;
/// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
/// ```
#[derive(Clone)]
pub struct DurableStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    db: Mutex<Db>,
}

/// The connection and what this process keeps beside it.
pub(crate) struct Db {
    pub(crate) conn: Connection,
    /// The last serial given to a config id; persisted with each new config.
    serial: u64,
}

/// How much a store holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Registered users.
    pub users: u64,
    /// Datasets.
    pub datasets: u64,
    /// Configs, across all datasets.
    pub configs: u64,
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} users, {} datasets, {} configs",
            self.users, self.datasets, self.configs
        )
    }
}

impl fmt::Debug for DurableStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DurableStore")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl DurableStore {
    /// Opens the store at `path`, creating it if the file does not exist, migrating it
    /// if an older collab made it, and taking it for this process alone.
    ///
    /// Refused, with nothing written to the file: a file that is not a store
    /// ([`StoreError::NotAStore`]), one of a newer schema ([`StoreError::NewerSchema`]),
    /// one another process holds ([`StoreError::Locked`]), a read-only one
    /// ([`StoreError::ReadOnly`]).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_owned();
        let conn = schema::open(&path)?;
        let serial: i64 = conn
            .query_row(
                "SELECT value FROM counters WHERE name = 'config_serial'",
                [],
                |row| row.get(0),
            )
            .map_err(|source| StoreError::Database {
                path: path.clone(),
                action: "reading the id counter",
                source,
            })?;
        let serial = u64::try_from(serial).map_err(|_| StoreError::Corrupt {
            path: path.clone(),
            what: format!("the id counter is negative ({serial})"),
        })?;
        Ok(Self {
            inner: Arc::new(Inner {
                path,
                db: Mutex::new(Db { conn, serial }),
            }),
        })
    }

    /// The file the store lives in.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// A handle acting as `user`: it implements the port with that user's rights.
    pub fn session(&self, user: impl Into<String>) -> DurableSession {
        DurableSession::new(self.clone(), user.into())
    }

    /// Registers a user id (keeping its token, if it has one).
    pub fn add_user(&self, user: &str) -> Result<(), StoreError> {
        self.write("adding a user", |tx, _| {
            tx.execute(
                "INSERT INTO users (name) VALUES (?1) ON CONFLICT (name) DO NOTHING",
                [user],
            )?;
            Ok(())
        })
    }

    /// Adds a dataset without configs, owned by `owner` (registering the owner).
    /// Adding a dataset that exists replaces its owner and clears its configs, as the
    /// in-memory store does.
    pub fn add_dataset(&self, dataset: DatasetId, owner: &str) -> Result<(), StoreError> {
        self.write("adding a dataset", |tx, _| {
            tx.execute(
                "INSERT INTO users (name) VALUES (?1) ON CONFLICT (name) DO NOTHING",
                [owner],
            )?;
            tx.execute("DELETE FROM datasets WHERE id = ?1", [dataset.to_string()])?;
            tx.execute(
                "INSERT INTO datasets (id, owner) VALUES (?1, ?2)",
                params![dataset.to_string(), owner],
            )?;
            Ok(())
        })
    }

    /// The users and their tokens, ordered by name (users without a token cannot be
    /// authenticated by a server, but own datasets all the same).
    pub fn users(&self) -> Result<Vec<StoredUser>, StoreError> {
        self.read("reading users", |conn| {
            let mut statement = conn.prepare("SELECT name, token FROM users ORDER BY name")?;
            let users = statement
                .query_map([], |row| Ok(StoredUser::new(row.get(0)?, row.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(users)
        })
    }

    /// The datasets and their owners, ordered by id.
    pub fn datasets(&self) -> Result<Vec<(DatasetId, String)>, StoreError> {
        let rows: Vec<(String, String)> = self.read("reading datasets", |conn| {
            let mut statement = conn.prepare("SELECT id, owner FROM datasets ORDER BY id")?;
            let rows = statement
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })?;
        rows.into_iter()
            .map(|(id, owner)| {
                let id = id
                    .parse()
                    .map_err(|e| self.corrupt(format!("dataset id {id:?}: {e}")))?;
                Ok((id, owner))
            })
            .collect()
    }

    /// A dataset's configs as stored, bypassing authorization: for export and test
    /// assertions. `None` when the dataset is unknown.
    pub fn configs(&self, dataset: &DatasetId) -> Result<Option<Vec<AccessConfig>>, StoreError> {
        let db = self.lock();
        let loaded = rows::load_dataset(&db.conn, dataset).map_err(|e| self.load_failed(e))?;
        Ok(loaded.map(|(_, configs)| configs))
    }

    /// How many users, datasets and configs the store holds.
    pub fn counts(&self) -> Result<Counts, StoreError> {
        self.read("counting", |conn| {
            conn.query_row(
                "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM datasets),
                        (SELECT count(*) FROM configs)",
                [],
                |row| {
                    Ok(Counts {
                        users: row.get(0)?,
                        datasets: row.get(1)?,
                        configs: row.get(2)?,
                    })
                },
            )
        })
    }

    /// Runs SQLite's integrity check over the whole file: `Ok` when the store is sound,
    /// [`StoreError::Corrupt`] with SQLite's findings when it is not.
    pub fn check_integrity(&self) -> Result<(), StoreError> {
        let findings: Vec<String> = self.read("checking integrity", |conn| {
            let mut statement = conn.prepare("PRAGMA integrity_check")?;
            let findings = statement
                .query_map([], |row| row.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(findings)
        })?;
        if findings == ["ok"] {
            Ok(())
        } else {
            Err(self.corrupt(format!("integrity check: {}", findings.join("; "))))
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Db> {
        // A panic mid-call leaves at worst an open transaction, which rusqlite rolls
        // back when it is dropped: the connection is still consistent.
        self.inner.db.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The connection for a read on an async worker, only if it is free now: `None`
    /// when anyone holds it, so that the read waits on the blocking pool instead.
    ///
    /// Whoever holds it, the wait could be a write's `synchronous=FULL` commit: a
    /// holder that reads may have a writer queued behind it that takes the connection
    /// first, and a writer that has just taken it could not say so before taking it.
    /// Only a free connection is known not to wait for the disk.
    pub(crate) fn lock_for_read(&self) -> Option<MutexGuard<'_, Db>> {
        match self.inner.db.try_lock() {
            Ok(guard) => Some(guard),
            Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    pub(crate) fn corrupt(&self, what: String) -> StoreError {
        StoreError::Corrupt {
            path: self.inner.path.clone(),
            what,
        }
    }

    pub(crate) fn load_failed(&self, error: rows::LoadError) -> StoreError {
        match error {
            rows::LoadError::Database(source) => StoreError::Database {
                path: self.inner.path.clone(),
                action: "reading a dataset",
                source,
            },
            rows::LoadError::Corrupt(what) => self.corrupt(what),
        }
    }

    fn read<T>(
        &self,
        action: &'static str,
        body: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        body(&self.lock().conn).map_err(|source| StoreError::Database {
            path: self.inner.path.clone(),
            action,
            source,
        })
    }

    /// Runs `body` in one transaction, committed (and on disk) when this returns.
    pub(crate) fn write<T>(
        &self,
        action: &'static str,
        body: impl FnOnce(&Transaction<'_>, &mut u64) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let mut db = self.lock();
        db.transact::<T, std::convert::Infallible>(|tx, serial| {
            body(tx, serial).map_err(Into::into)
        })
        .map_err(|error| match error {
            TransactError::Database(source) => StoreError::Database {
                path: self.inner.path.clone(),
                action,
                source,
            },
            TransactError::Refused(never) => match never {},
        })
    }
}

/// Why a transaction did not commit: the database failed, or the body refused.
pub(crate) enum TransactError<E> {
    Database(rusqlite::Error),
    Refused(E),
}

impl<E> From<rusqlite::Error> for TransactError<E> {
    fn from(error: rusqlite::Error) -> Self {
        Self::Database(error)
    }
}

impl Db {
    /// Runs `body` in an immediate transaction and commits it if `body` succeeds; the
    /// serial counter is persisted when `body` moved it.
    pub(crate) fn transact<T, E>(
        &mut self,
        body: impl FnOnce(&Transaction<'_>, &mut u64) -> Result<T, TransactError<E>>,
    ) -> Result<T, TransactError<E>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut serial = self.serial;
        let value = body(&tx, &mut serial)?;
        if serial != self.serial {
            let stored = i64::try_from(serial).unwrap_or(i64::MAX);
            tx.execute(
                "UPDATE counters SET value = ?1 WHERE name = 'config_serial'",
                [stored],
            )?;
        }
        tx.commit()?;
        self.serial = serial;
        Ok(value)
    }
}

/// A fresh config id for a write at `now`, moving the serial counter.
pub(crate) fn fresh_config_id(serial: &mut u64, now: Timestamp) -> AccessConfigId {
    *serial += 1;
    rules::config_id(now, *serial)
}

/// Whether a user is registered.
pub(crate) fn has_user(conn: &Connection, user: &str) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM users WHERE name = ?1")?
        .query_row([user], |_| Ok(()))
        .optional()?
        .is_some())
}
