//! How datasets and configs are laid out in rows, and read back: the only place that
//! knows the tables' columns.

use collab_core::{AccessConfig, AccessConfigId, DatasetId, SharedAccessType, Timestamp};
use rusqlite::{Connection, OptionalExtension, Row, params};

/// Why a dataset could not be read back.
#[derive(Debug)]
pub(crate) enum LoadError {
    /// The database failed.
    Database(rusqlite::Error),
    /// A row holds something this version cannot read.
    Corrupt(String),
}

impl From<rusqlite::Error> for LoadError {
    fn from(error: rusqlite::Error) -> Self {
        Self::Database(error)
    }
}

/// A dataset's owner and configs (in the order they were created), or `None` when the
/// dataset is unknown.
pub(crate) fn load_dataset(
    conn: &Connection,
    dataset: &DatasetId,
) -> Result<Option<(String, Vec<AccessConfig>)>, LoadError> {
    let key = dataset.to_string();
    let owner: Option<String> = conn
        .prepare_cached("SELECT owner FROM datasets WHERE id = ?1")?
        .query_row([&key], |row| row.get(0))
        .optional()?;
    let Some(owner) = owner else {
        return Ok(None);
    };
    let mut statement = conn.prepare_cached(
        "SELECT id, owner, access_type, users, teams, created_at, last_modified_at
         FROM configs WHERE dataset = ?1 ORDER BY rowid",
    )?;
    let raw = statement
        .query_map([&key], RawConfig::from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let configs = raw
        .into_iter()
        .map(RawConfig::into_config)
        .collect::<Result<_, _>>()
        .map_err(|what| LoadError::Corrupt(format!("dataset {dataset}: {what}")))?;
    Ok(Some((owner, configs)))
}

/// Stores a new config of `dataset`.
pub(crate) fn insert_config(
    conn: &Connection,
    dataset: &DatasetId,
    config: &AccessConfig,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO configs
             (id, dataset, access_type, owner, users, teams, created_at, last_modified_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        config.id.to_string(),
        dataset.to_string(),
        config.access_type.as_str(),
        config.owner,
        list_to_text(&config.users),
        list_to_text(&config.teams),
        millis(config.created_at),
        millis(config.last_modified_at),
    ])?;
    Ok(())
}

/// Replaces a stored config's lists and `lastModifiedAt` (its id, owner, access type
/// and `createdAt` never change).
pub(crate) fn replace_config(conn: &Connection, config: &AccessConfig) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE configs SET users = ?2, teams = ?3, last_modified_at = ?4 WHERE id = ?1",
    )?
    .execute(params![
        config.id.to_string(),
        list_to_text(&config.users),
        list_to_text(&config.teams),
        millis(config.last_modified_at),
    ])?;
    Ok(())
}

/// Removes a config.
pub(crate) fn delete_config(conn: &Connection, config: &AccessConfigId) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM configs WHERE id = ?1")?
        .execute([config.to_string()])?;
    Ok(())
}

/// The dataset that holds a config id, if any: ids are unique across the store.
pub(crate) fn dataset_of_config(
    conn: &Connection,
    config: &AccessConfigId,
) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT dataset FROM configs WHERE id = ?1")?
        .query_row([config.to_string()], |row| row.get(0))
        .optional()
}

/// Timestamps are stored as SQLite integers (signed 64 bits); later ones saturate.
fn millis(timestamp: Timestamp) -> i64 {
    i64::try_from(timestamp.as_millis()).unwrap_or(i64::MAX)
}

/// Lists are stored as JSON arrays of strings.
fn list_to_text(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".to_owned())
}

/// A config row as SQLite gives it, before it is checked.
struct RawConfig {
    id: String,
    owner: String,
    access_type: String,
    users: String,
    teams: String,
    created_at: i64,
    last_modified_at: i64,
}

impl RawConfig {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            owner: row.get(1)?,
            access_type: row.get(2)?,
            users: row.get(3)?,
            teams: row.get(4)?,
            created_at: row.get(5)?,
            last_modified_at: row.get(6)?,
        })
    }

    fn into_config(self) -> Result<AccessConfig, String> {
        let id = self.id;
        let access_type = match self.access_type.as_str() {
            "WRITE" => SharedAccessType::Write,
            other => return Err(format!("config {id}: unknown access type {other:?}")),
        };
        let list = |text: &str, what| {
            serde_json::from_str::<Vec<String>>(text)
                .map_err(|e| format!("config {id}: {what} are not a JSON list of strings: {e}"))
        };
        let time = |value: i64, what| {
            u64::try_from(value)
                .map(Timestamp::from_millis)
                .map_err(|_| format!("config {id}: {what} is negative ({value})"))
        };
        Ok(AccessConfig {
            id: id.parse().map_err(|e| format!("config id {id:?}: {e}"))?,
            owner: self.owner,
            access_type,
            users: list(&self.users, "users")?,
            teams: list(&self.teams, "teams")?,
            created_at: time(self.created_at, "createdAt")?,
            last_modified_at: time(self.last_modified_at, "lastModifiedAt")?,
        })
    }
}
