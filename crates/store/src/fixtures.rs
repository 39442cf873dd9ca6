//! Fixtures: users with tokens, datasets with owners, and their configs, declared in a
//! TOML or JSON file (the format of `collab serve --seed`, `collab store export` and
//! `collab store import`; `docs/fixtures.toml` is a checked example).

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use collab_core::wire::generation::respell_teams;
use collab_core::{
    AccessConfig, AccessConfigId, DatasetId, ShareRequest, SharedAccessType, Timestamp,
};
use serde::{Deserialize, Serialize};

/// The contents of a store, as a file.
///
/// ```
/// use collab_store::Fixtures;
///
/// let fixtures = Fixtures::parse(r#"
/// [[users]]
/// name = "alice"
/// token = "alice-token"
///
/// [[datasets]]
/// id = "0123456789abcdef01234567"
/// owner = "alice"
///
/// [[datasets.configs]]
/// users = ["ann@example.com"]
/// teams = ["acme"]
/// "#, "fixtures.toml")?;
/// assert_eq!(fixtures.datasets[0].configs[0].request.users(), ["ann@example.com"]);
/// # Ok::<(), collab_store::FixtureError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixtures {
    /// Users, with the tokens that authenticate them to a server.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<UserFixture>,
    /// Datasets, with their owners and configs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub datasets: Vec<DatasetFixture>,
}

/// A user: the id that owns datasets, and the token that authenticates them.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserFixture {
    /// The user's id (the `owner` of their datasets' configs).
    pub name: String,
    /// The API token; without one the user owns datasets but cannot call the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl fmt::Debug for UserFixture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The token is a credential: never shown.
        f.debug_struct("UserFixture")
            .field("name", &self.name)
            .field("token", &self.token.as_ref().map(|_| "[REDACTED]"))
            .finish()
    }
}

/// A dataset, its owner and its configs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetFixture {
    /// The dataset's id.
    pub id: DatasetId,
    /// The user who owns it.
    pub owner: String,
    /// Its configs, at most one per access type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub configs: Vec<ConfigFixture>,
}

/// A config: what it shares, and optionally its id and times (which an export writes,
/// so that an import restores them; missing ones are given when the config is stored).
///
/// In the file: `accessType` (default `"WRITE"`), `users`, `teams` (or the 2022
/// spelling, `organizations`), and optionally
/// `id`, `createdAt`, `lastModifiedAt` (milliseconds since the epoch). The lists are
/// checked and normalised as a [`ShareRequest`]'s are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ConfigInEitherSpelling", into = "ConfigInFile")]
pub struct ConfigFixture {
    /// The access type and lists.
    pub request: ShareRequest,
    /// The config's id, if fixed.
    pub id: Option<AccessConfigId>,
    /// When it was created, if fixed.
    pub created_at: Option<Timestamp>,
    /// When it was last replaced, if fixed.
    pub last_modified_at: Option<Timestamp>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConfigInFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<AccessConfigId>,
    #[serde(default)]
    access_type: SharedAccessType,
    #[serde(default)]
    users: Vec<String>,
    #[serde(default)]
    teams: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    created_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_modified_at: Option<Timestamp>,
}

/// A config as the file holds it, its teams spelled `teams` or (2022) `organizations`.
#[derive(Deserialize)]
struct ConfigInEitherSpelling(serde_json::Map<String, serde_json::Value>);

impl TryFrom<ConfigInEitherSpelling> for ConfigFixture {
    type Error = String;
    fn try_from(
        ConfigInEitherSpelling(mut object): ConfigInEitherSpelling,
    ) -> Result<Self, String> {
        respell_teams(&mut object)?;
        let file: ConfigInFile =
            serde_json::from_value(serde_json::Value::Object(object)).map_err(|e| e.to_string())?;
        Self::try_from(file)
    }
}

impl TryFrom<ConfigInFile> for ConfigFixture {
    type Error = String;
    fn try_from(file: ConfigInFile) -> Result<Self, String> {
        let request = ShareRequest::new(file.access_type, file.users, file.teams)
            .map_err(|e| e.to_string())?;
        if let (Some(created), Some(modified)) = (file.created_at, file.last_modified_at)
            && modified < created
        {
            return Err(format!(
                "lastModifiedAt ({}) is before createdAt ({})",
                modified.as_millis(),
                created.as_millis()
            ));
        }
        Ok(Self {
            request,
            id: file.id,
            created_at: file.created_at,
            last_modified_at: file.last_modified_at,
        })
    }
}

impl From<ConfigFixture> for ConfigInFile {
    fn from(config: ConfigFixture) -> Self {
        Self {
            id: config.id,
            access_type: config.request.access_type(),
            users: config.request.users().to_vec(),
            teams: config.request.teams().to_vec(),
            created_at: config.created_at,
            last_modified_at: config.last_modified_at,
        }
    }
}

impl ConfigFixture {
    /// The fixture of a stored config, with its id and times; an error when its lists
    /// do not pass a [`ShareRequest`]'s checks (the store only stores lists that do).
    pub fn from_config(config: &AccessConfig) -> Result<Self, collab_core::Error> {
        Ok(Self {
            request: ShareRequest::new(config.access_type, &config.users, &config.teams)?,
            id: Some(config.id),
            created_at: Some(config.created_at),
            last_modified_at: Some(config.last_modified_at),
        })
    }

    /// The config to store for a dataset owned by `owner`, at time `now`: the
    /// fixture's id and times where it fixes them, else a fresh id and `now`.
    pub fn to_config(
        &self,
        owner: &str,
        now: Timestamp,
        fresh_id: impl FnOnce() -> AccessConfigId,
    ) -> AccessConfig {
        let created_at = self.created_at.unwrap_or(now);
        AccessConfig {
            id: self.id.unwrap_or_else(fresh_id),
            owner: owner.to_owned(),
            access_type: self.request.access_type(),
            users: self.request.users().to_vec(),
            teams: self.request.teams().to_vec(),
            created_at,
            last_modified_at: self.last_modified_at.unwrap_or(created_at).max(created_at),
        }
    }
}

/// Why fixtures were refused: the file, where in it, and what is wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FixtureError {
    /// The file could not be read.
    #[error("{file}: cannot read it: {source}")]
    Read {
        /// The file.
        file: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The fixtures are malformed or contradict each other.
    #[error("{origin}: {location}: {message}")]
    Invalid {
        /// The file (or `the command line`).
        origin: String,
        /// A line and column (`line 4, column 9`), or a path (`datasets[1].owner`).
        location: String,
        /// What is wrong.
        message: String,
    },
    /// Fixtures could not be written out.
    #[error("cannot write the fixtures as {format}: {message}")]
    Write {
        /// TOML or JSON.
        format: &'static str,
        /// Why.
        message: String,
    },
}

impl Fixtures {
    /// Reads fixtures from a file: JSON when its name ends in `.json` (or its text
    /// starts with `{`), TOML otherwise.
    pub fn from_file(path: &Path) -> Result<Self, FixtureError> {
        let text = std::fs::read_to_string(path).map_err(|source| FixtureError::Read {
            file: path.to_owned(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses fixtures from text; `origin` names the file in errors and tells the
    /// format (`.json` for JSON; TOML otherwise unless the text starts with `{`).
    pub fn parse(text: &str, origin: &str) -> Result<Self, FixtureError> {
        let invalid = |location: String, message: String| FixtureError::Invalid {
            origin: origin.to_owned(),
            location,
            message,
        };
        let json = origin.ends_with(".json")
            || (!origin.ends_with(".toml") && text.trim_start().starts_with('{'));
        if json {
            serde_json::from_str(text).map_err(|error| {
                let message = error.to_string();
                let suffix = format!(" at line {} column {}", error.line(), error.column());
                let message = message.strip_suffix(&suffix).unwrap_or(&message).to_owned();
                invalid(
                    format!("line {}, column {}", error.line(), error.column()),
                    message,
                )
            })
        } else {
            toml::from_str(text).map_err(|error| {
                let location = match error.span() {
                    Some(span) => line_and_column(text, span.start),
                    None => "the document".to_owned(),
                };
                invalid(location, error.message().trim().to_owned())
            })
        }
    }

    /// These fixtures as TOML.
    pub fn to_toml(&self) -> Result<String, FixtureError> {
        toml::to_string(self).map_err(|e| FixtureError::Write {
            format: "TOML",
            message: e.to_string(),
        })
    }

    /// These fixtures as JSON.
    pub fn to_json(&self) -> Result<String, FixtureError> {
        serde_json::to_string_pretty(self).map_err(|e| FixtureError::Write {
            format: "JSON",
            message: e.to_string(),
        })
    }

    /// Fixtures from several origins (files, the command line) as one, checked
    /// together: names, tokens, dataset ids and config ids unique; every owner
    /// declared (in some origin, or `known_user`, e.g. a store's users); at most one
    /// config per dataset and access type. A user or dataset declared twice the same
    /// way is taken once.
    pub fn combine<'a>(
        origins: impl IntoIterator<Item = (&'a str, &'a Fixtures)>,
        known_user: impl Fn(&str) -> bool,
    ) -> Result<Self, FixtureError> {
        let origins: Vec<(&str, &Fixtures)> = origins.into_iter().collect();
        let mut combined = Fixtures::default();
        // Where each name, token, dataset and config id was first declared.
        let mut names: HashMap<&str, (usize, String)> = HashMap::new();
        let mut tokens: HashMap<&str, &str> = HashMap::new();
        let mut datasets: HashMap<DatasetId, (usize, String)> = HashMap::new();
        let mut config_ids: HashMap<AccessConfigId, String> = HashMap::new();
        for &(origin, fixtures) in &origins {
            let invalid = |location: String, message: String| FixtureError::Invalid {
                origin: origin.to_owned(),
                location,
                message,
            };
            for (i, user) in fixtures.users.iter().enumerate() {
                let here = format!("users[{i}]");
                if user.name.trim().is_empty() || user.name.trim() != user.name {
                    return Err(invalid(
                        format!("{here}.name"),
                        format!(
                            "user name {:?} is empty or has surrounding spaces",
                            user.name
                        ),
                    ));
                }
                if user.token.as_deref().is_some_and(|t| t.trim().is_empty()) {
                    return Err(invalid(
                        format!("{here}.token"),
                        "the token is empty".to_owned(),
                    ));
                }
                if let Some(token) = user.token.as_deref()
                    && let Some(other) = tokens.insert(token, &user.name)
                    && other != user.name
                {
                    return Err(invalid(
                        format!("{here}.token"),
                        format!("users {other:?} and {:?} have the same token", user.name),
                    ));
                }
                match names.get(user.name.as_str()) {
                    None => {
                        names.insert(
                            &user.name,
                            (combined.users.len(), format!("{origin}: {here}")),
                        );
                        combined.users.push(user.clone());
                    }
                    Some((at, first)) => {
                        let kept = &mut combined.users[*at];
                        match (&kept.token, &user.token) {
                            (Some(a), Some(b)) if a != b => {
                                return Err(invalid(
                                    here,
                                    format!(
                                        "user {:?} is declared again with another token (first at {first})",
                                        user.name
                                    ),
                                ));
                            }
                            (None, Some(_)) => kept.token.clone_from(&user.token),
                            _ => {}
                        }
                    }
                }
            }
        }
        for &(origin, fixtures) in &origins {
            let invalid = |location: String, message: String| FixtureError::Invalid {
                origin: origin.to_owned(),
                location,
                message,
            };
            for (i, dataset) in fixtures.datasets.iter().enumerate() {
                let here = format!("datasets[{i}]");
                if !names.contains_key(dataset.owner.as_str()) && !known_user(&dataset.owner) {
                    return Err(invalid(
                        format!("{here}.owner"),
                        format!(
                            "dataset {} is owned by unknown user {:?}: declare the user (--user NAME=TOKEN, or under users in a fixture file)",
                            dataset.id, dataset.owner
                        ),
                    ));
                }
                let at = match datasets.get(&dataset.id) {
                    None => {
                        datasets.insert(
                            dataset.id,
                            (combined.datasets.len(), format!("{origin}: {here}")),
                        );
                        combined.datasets.push(DatasetFixture {
                            configs: Vec::new(),
                            ..dataset.clone()
                        });
                        combined.datasets.len() - 1
                    }
                    Some((at, first)) => {
                        if combined.datasets[*at].owner != dataset.owner {
                            return Err(invalid(
                                format!("{here}.owner"),
                                format!(
                                    "dataset {} is declared again with another owner (first at {first})",
                                    dataset.id
                                ),
                            ));
                        }
                        *at
                    }
                };
                for (j, config) in dataset.configs.iter().enumerate() {
                    let here = format!("{here}.configs[{j}]");
                    let target = &mut combined.datasets[at];
                    let access_type = config.request.access_type();
                    if target
                        .configs
                        .iter()
                        .any(|c| c.request.access_type() == access_type)
                    {
                        return Err(invalid(
                            here,
                            format!(
                                "a second {access_type} config for dataset {}: a dataset has one per access type",
                                dataset.id
                            ),
                        ));
                    }
                    if let Some(id) = config.id
                        && let Some(first) = config_ids.insert(id, format!("{origin}: {here}"))
                    {
                        return Err(invalid(
                            format!("{here}.id"),
                            format!("config id {id} is used twice (first at {first})"),
                        ));
                    }
                    target.configs.push(config.clone());
                }
            }
        }
        Ok(combined)
    }

    /// These fixtures alone, checked as [`combine`](Self::combine) checks them.
    pub fn checked(self, origin: &str) -> Result<Self, FixtureError> {
        Self::combine([(origin, &self)], |_| false)
    }
}

/// `line L, column C` (both from 1) of a byte offset.
fn line_and_column(text: &str, offset: usize) -> String {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("line {line}, column {column}")
}
