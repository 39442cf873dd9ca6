//! The wire models of the Collaboration API (camelCase JSON).

use serde::{Deserialize, Serialize};

use crate::{AccessConfigId, ObjectId, Timestamp};

/// The kind of access a shared config grants. The API knows one: `WRITE`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[non_exhaustive]
pub enum SharedAccessType {
    /// Read and write access to the dataset.
    #[default]
    #[serde(rename = "WRITE")]
    Write,
}

impl SharedAccessType {
    /// The spelling on the wire.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Write => "WRITE",
        }
    }
}

impl std::fmt::Display for SharedAccessType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One shared access config of a dataset (`SharedAccessConfigData`).
///
/// Readers ignore fields they do not know, as later generations of the API add some.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessConfig {
    /// The config's id; stable across updates.
    pub id: AccessConfigId,
    /// Id of the user who owns the dataset.
    pub owner: String,
    /// The access the config grants.
    pub access_type: SharedAccessType,
    /// E-mail addresses of the users with access.
    pub users: Vec<String>,
    /// Teams with access.
    pub teams: Vec<String>,
    /// When the config was first created.
    pub created_at: Timestamp,
    /// When the config was last replaced; never before `created_at`.
    pub last_modified_at: Timestamp,
}

/// The body of a successful create: `{"id": ...}` (`CreateEntityResponse`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CreateEntityResponse {
    /// The id of the created or updated entity.
    pub id: ObjectId,
}
