//! The wire models of the Collaboration API (camelCase JSON).

use serde::{Deserialize, Serialize};

use crate::wire::WireGeneration;
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
/// Reading accepts either generation of the wire (`teams` today, `organizations` in
/// 2022) and ignores fields it does not know, such as a `creator` echoed back.
/// `Serialize` writes today's generation; [`WireGeneration::on_wire`] writes either.
///
/// ```
/// use collab_core::AccessConfig;
/// let config: AccessConfig = serde_json::from_str(r#"{
///     "id": "0123456789abcdef01234567", "owner": "alice", "accessType": "WRITE",
///     "users": ["ann@example.com"], "teams": ["acme"], "creator": "USER_PIP",
///     "createdAt": 1, "lastModifiedAt": 2}"#)?;
/// assert_eq!(config.teams, ["acme"]);
/// assert!(serde_json::to_string(&config)?.contains(r#""teams":["acme"]"#));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(from = "crate::wire::generation::AnyGenerationConfig")]
pub struct AccessConfig {
    /// The config's id; stable across updates.
    pub id: AccessConfigId,
    /// Id of the user who owns the dataset.
    pub owner: String,
    /// The access the config grants.
    pub access_type: SharedAccessType,
    /// E-mail addresses of the users with access.
    pub users: Vec<String>,
    /// Teams with access (`organizations` on the 2022 wire).
    pub teams: Vec<String>,
    /// When the config was first created.
    pub created_at: Timestamp,
    /// When the config was last replaced; never before `created_at`.
    pub last_modified_at: Timestamp,
}

impl Serialize for AccessConfig {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        WireGeneration::Current.on_wire(self).serialize(serializer)
    }
}

/// The body of a successful create: `{"id": ...}` (`CreateEntityResponse`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CreateEntityResponse {
    /// The id of the created or updated entity.
    pub id: ObjectId,
}
