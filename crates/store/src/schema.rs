//! Opening a store file: the checks that come before any write, the pragmas, the lock
//! and the schema's migrations.

use std::path::Path;

use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};

use crate::error::StoreError;
use crate::permissions;

/// Marks a SQLite file as a collab store (`PRAGMA application_id`, "colb").
pub(crate) const APPLICATION_ID: i32 = 0x636f_6c62;

/// The schema this build writes. `MIGRATIONS[n]` takes a store from version `n` to
/// `n + 1`, so a store made by an older build is brought up to date when opened.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

const MIGRATIONS: &[&str] = &[
    // 0 -> 1: users, datasets, configs, and the counter behind fresh config ids.
    "CREATE TABLE users (
         name  TEXT PRIMARY KEY NOT NULL,
         token TEXT
     ) WITHOUT ROWID;
     CREATE TABLE datasets (
         id    TEXT PRIMARY KEY NOT NULL,
         owner TEXT NOT NULL
     ) WITHOUT ROWID;
     CREATE TABLE configs (
         id               TEXT PRIMARY KEY NOT NULL,
         dataset          TEXT NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
         access_type      TEXT NOT NULL,
         owner            TEXT NOT NULL,
         users            TEXT NOT NULL,
         teams            TEXT NOT NULL,
         created_at       INTEGER NOT NULL,
         last_modified_at INTEGER NOT NULL,
         UNIQUE (dataset, access_type)
     );
     CREATE TABLE counters (
         name  TEXT PRIMARY KEY NOT NULL,
         value INTEGER NOT NULL
     ) WITHOUT ROWID;
     INSERT INTO counters (name, value) VALUES ('config_serial', 0);",
    // 1 -> 2: the control plane's named snapshots, each a whole state as JSON.
    "CREATE TABLE snapshots (
         name     TEXT PRIMARY KEY NOT NULL,
         saved_at INTEGER NOT NULL,
         size     INTEGER NOT NULL,
         state    TEXT NOT NULL
     ) WITHOUT ROWID;",
];

/// Opens (or creates) the store at `path` and takes it for this process alone.
///
/// Every refusal (not a store, a newer schema, locked, read-only) happens before
/// anything is written to the file.
pub(crate) fn open(path: &Path) -> Result<Connection, StoreError> {
    let database = |action| {
        move |source| StoreError::Database {
            path: path.to_owned(),
            action,
            source,
        }
    };
    if std::fs::metadata(path).is_ok_and(|m| m.permissions().readonly()) {
        return Err(StoreError::ReadOnly {
            path: path.to_owned(),
        });
    }
    // Owner-only before SQLite makes the file: its WAL and shared-memory files
    // take the main file's permissions.
    permissions::prepare(path);
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(path, flags).map_err(database("opening"))?;
    if conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(true) {
        return Err(StoreError::ReadOnly {
            path: path.to_owned(),
        });
    }
    // Another server waits for nothing: it is refused at once.
    conn.busy_timeout(std::time::Duration::ZERO)
        .map_err(database("setting the busy timeout"))?;
    // Exclusive locking mode keeps every lock this connection takes until it closes,
    // so the empty exclusive transaction below takes the file for good (the OS drops
    // the lock if the process dies). It also keeps WAL's index in this process's
    // memory, as no other process may read the file.
    conn.pragma_update(None, "locking_mode", "EXCLUSIVE")
        .map_err(database("setting the locking mode"))?;
    let refuse = |error: rusqlite::Error, action| classify(path, error, action);
    {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Exclusive)
            .map_err(|e| refuse(e, "locking"))?;
        let found = inspect(&tx).map_err(|e| refuse(e, "reading the header"))?;
        check(path, found)?;
        // Nothing was written: committing only keeps the lock.
        tx.commit().map_err(|e| refuse(e, "locking"))?;
    }
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .map_err(database("setting WAL mode"))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Corrupt {
            path: path.to_owned(),
            what: format!("the database refused WAL mode (it stayed in {mode} mode)"),
        });
    }
    // FULL: a write is on disk when its commit returns, so an acknowledged write
    // survives a crash or a power cut, not only a killed process.
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(database("setting synchronous=FULL"))?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(database("enabling foreign keys"))?;
    migrate(&mut conn).map_err(database("migrating the schema"))?;
    permissions::restrict_sidecars(path);
    Ok(conn)
}

/// What the file says it is.
#[derive(Debug, Clone, Copy)]
struct Found {
    application_id: i32,
    version: i64,
    objects: i64,
}

fn inspect(conn: &Connection) -> rusqlite::Result<Found> {
    Ok(Found {
        application_id: conn.pragma_query_value(None, "application_id", |row| row.get(0))?,
        version: conn.pragma_query_value(None, "user_version", |row| row.get(0))?,
        objects: conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get(0))?,
    })
}

fn check(path: &Path, found: Found) -> Result<(), StoreError> {
    let fresh = found.application_id == 0 && found.version == 0 && found.objects == 0;
    if fresh {
        return Ok(());
    }
    if found.application_id != APPLICATION_ID {
        return Err(StoreError::NotAStore {
            path: path.to_owned(),
            reason: format!(
                "it is a SQLite database of another application (application_id {:#x}, {} schema objects)",
                found.application_id, found.objects
            ),
        });
    }
    if found.version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: path.to_owned(),
            found: found.version,
            known: SCHEMA_VERSION,
        });
    }
    Ok(())
}

/// The refusals SQLite reports through its error codes.
fn classify(path: &Path, error: rusqlite::Error, action: &'static str) -> StoreError {
    match error.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => StoreError::NotAStore {
            path: path.to_owned(),
            reason: "it is not a SQLite database".to_owned(),
        },
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Locked {
            path: path.to_owned(),
        },
        Some(ErrorCode::ReadOnly) => StoreError::ReadOnly {
            path: path.to_owned(),
        },
        _ => StoreError::Database {
            path: path.to_owned(),
            action,
            source: error,
        },
    }
}

/// Brings the schema up to [`SCHEMA_VERSION`], all steps in one transaction.
fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let from = usize::try_from(version).unwrap_or(0);
    if from < MIGRATIONS.len() {
        for step in &MIGRATIONS[from..] {
            tx.execute_batch(step)?;
        }
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    }
    tx.commit()
}
