//! What can go wrong opening or administering a store: [`StoreError`].

use std::path::PathBuf;

/// Why a store could not be opened, seeded, imported or exported.
///
/// Every variant names the file. When opening fails, nothing has been written to it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The file exists but is not a collab store (another SQLite database, or not a
    /// database at all).
    #[error("{path} is not a collab store: {reason}")]
    NotAStore {
        /// The file.
        path: PathBuf,
        /// What it looks like instead.
        reason: String,
    },
    /// The store was made by a newer version of collab, whose schema this one does not
    /// know: reading it could misread it.
    #[error(
        "{path} is a collab store of schema version {found}, newer than this collab knows \
         (up to {known}): use a newer collab, or another file"
    )]
    NewerSchema {
        /// The file.
        path: PathBuf,
        /// The schema version the file holds.
        found: i64,
        /// The newest schema version this build knows.
        known: i64,
    },
    /// Another process (another `collab serve`) holds the store.
    #[error("{path} is locked by another process (is another `collab serve --data` using it?)")]
    Locked {
        /// The file.
        path: PathBuf,
    },
    /// The file, or its folder, cannot be written.
    #[error("{path} is read-only: the store needs to write to it and its folder")]
    ReadOnly {
        /// The file.
        path: PathBuf,
    },
    /// The database failed (I/O, a full disk, a corrupt file).
    #[error("{path}: {action} failed: {source}")]
    Database {
        /// The file.
        path: PathBuf,
        /// What the store was doing.
        action: &'static str,
        /// The database's error.
        #[source]
        source: rusqlite::Error,
    },
    /// Fixtures contradict what the store holds (a config id or a token another
    /// user or dataset has); nothing of them was applied.
    #[error("{path}: {message}")]
    Conflict {
        /// The file.
        path: PathBuf,
        /// What contradicts what.
        message: String,
    },
    /// An administrative call names something the store does not have (an owner who
    /// is no user); nothing was applied.
    #[error("{path}: {message}")]
    Refused {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The store holds something this version cannot read back (a damaged row).
    #[error("{path}: {what}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
}
