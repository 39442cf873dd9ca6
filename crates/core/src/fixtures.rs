//! Fixtures: users with tokens, datasets with owners, and their configs, declared in a
//! TOML or JSON file (the format of `collab serve --seed`, `collab store export` and
//! `collab store import`; `docs/fixtures.toml` is a checked example).
//!
//! The types are always here; reading and writing them as files (TOML, JSON with
//! errors naming the path of what is wrong) needs the feature `fixture-files`.

use std::collections::HashMap;
use std::fmt;
#[cfg(feature = "fixture-files")]
use std::path::Path;
use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::wire::generation::respell_teams;
use crate::{AccessConfig, AccessConfigId, DatasetId, ShareRequest, SharedAccessType, Timestamp};

/// The contents of a store, as a file.
///
/// ```
/// # #[cfg(feature = "fixture-files")] {
/// use collab_core::fixtures::Fixtures;
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
/// # }
/// # Ok::<(), collab_core::fixtures::FixtureError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixtures {
    /// Users, with the tokens that authenticate them to a server.
    #[serde(default)]
    pub users: Vec<UserFixture>,
    /// Datasets, with their owners and configs.
    #[serde(default)]
    pub datasets: Vec<DatasetFixture>,
}

/// A user: the id that owns datasets, and the token that authenticates them.
///
/// The token is a [`SecretString`]: `Debug` never shows it, and it is written out only
/// where a fixture document is (an export, the control plane's state).
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserFixture {
    /// The user's id (the `owner` of their datasets' configs).
    pub name: String,
    /// The API token; without one the user owns datasets but cannot call the server.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "secret_token"
    )]
    pub token: Option<SecretString>,
}

impl UserFixture {
    /// A user with a token.
    pub fn new(name: impl Into<String>, token: impl Into<SecretString>) -> Self {
        Self {
            name: name.into(),
            token: Some(token.into()),
        }
    }

    /// A user without a token: one who owns datasets but cannot call a server.
    pub fn without_token(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            token: None,
        }
    }

    /// The token, if the user has one, for the code that has to present or compare it.
    pub fn token(&self) -> Option<&str> {
        self.token.as_ref().map(|token| token.expose_secret())
    }
}

impl PartialEq for UserFixture {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.token() == other.token()
    }
}

impl Eq for UserFixture {}

impl fmt::Debug for UserFixture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The token is a credential: never shown.
        f.debug_struct("UserFixture")
            .field("name", &self.name)
            .field("token", &self.token.as_ref().map(|_| "[REDACTED]"))
            .finish()
    }
}

/// A token in a fixture document: a plain string on the wire, a secret in memory.
mod secret_token {
    use secrecy::{ExposeSecret, SecretString};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        token: &Option<SecretString>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match token {
            Some(token) => serializer.serialize_str(token.expose_secret()),
            None => serializer.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<SecretString>, D::Error> {
        Ok(Option::<String>::deserialize(deserializer)?.map(SecretString::from))
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
    #[serde(default)]
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
    pub fn from_config(config: &AccessConfig) -> Result<Self, crate::Error> {
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
    #[cfg(feature = "fixture-files")]
    /// Reads fixtures from a file: JSON when its name ends in `.json` (or its text
    /// starts with `{`), TOML otherwise.
    pub fn from_file(path: &Path) -> Result<Self, FixtureError> {
        let text = std::fs::read_to_string(path).map_err(|source| FixtureError::Read {
            file: path.to_owned(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    #[cfg(feature = "fixture-files")]
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
            Self::from_json(text, origin)
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

    #[cfg(feature = "fixture-files")]
    /// Parses fixtures from JSON text; an error names the path of what is wrong
    /// (`datasets[0].configs[1].users`), or the line and column of a syntax error.
    pub fn from_json(text: &str, origin: &str) -> Result<Self, FixtureError> {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let fixtures = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
            let path = error.path().to_string();
            let inner = error.into_inner();
            let position = format!("line {}, column {}", inner.line(), inner.column());
            // A value of the wrong shape is named by its path; broken syntax by its place.
            let path = match inner.classify() {
                serde_json::error::Category::Data => path,
                _ => ".".to_owned(),
            };
            let message = inner.to_string();
            let suffix = format!(" at line {} column {}", inner.line(), inner.column());
            let message = message.strip_suffix(&suffix).unwrap_or(&message).to_owned();
            FixtureError::Invalid {
                origin: origin.to_owned(),
                location: if path == "." { position } else { path },
                message,
            }
        })?;
        // One document and nothing after it.
        deserializer.end().map_err(|error| FixtureError::Invalid {
            origin: origin.to_owned(),
            location: format!("line {}, column {}", error.line(), error.column()),
            message: "trailing characters after the document".to_owned(),
        })?;
        Ok(fixtures)
    }

    #[cfg(feature = "fixture-files")]
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
        let mut combined = Combined::default();
        // Users first: a dataset of one origin may be owned by a user of another.
        for &(origin, fixtures) in &origins {
            for (i, user) in fixtures.users.iter().enumerate() {
                combined.add_user(&Place::new(origin, format!("users[{i}]")), user)?;
            }
        }
        for &(origin, fixtures) in &origins {
            for (i, dataset) in fixtures.datasets.iter().enumerate() {
                let here = Place::new(origin, format!("datasets[{i}]"));
                combined.add_dataset(&here, dataset, &known_user)?;
            }
        }
        Ok(combined.fixtures)
    }

    /// These fixtures alone, checked as [`combine`](Self::combine) checks them.
    pub fn checked(self, origin: &str) -> Result<Self, FixtureError> {
        Self::combine([(origin, &self)], |_| false)
    }

    /// The user named `name`, if declared.
    pub fn user(&self, name: &str) -> Option<&UserFixture> {
        self.users.iter().find(|user| user.name == name)
    }

    /// The dataset `id`, if declared.
    pub fn dataset(&self, id: &DatasetId) -> Option<&DatasetFixture> {
        self.datasets.iter().find(|dataset| dataset.id == *id)
    }

    /// How many configs the datasets hold in all.
    pub fn config_count(&self) -> usize {
        self.datasets
            .iter()
            .map(|dataset| dataset.configs.len())
            .sum()
    }
}

/// Where in which origin a fixture is: for errors, and to say where a clash began.
struct Place<'a> {
    origin: &'a str,
    path: String,
}

impl<'a> Place<'a> {
    fn new(origin: &'a str, path: String) -> Self {
        Self { origin, path }
    }

    fn child(&self, field: &str) -> Self {
        Self::new(self.origin, format!("{}{field}", self.path))
    }

    fn invalid(&self, message: String) -> FixtureError {
        FixtureError::Invalid {
            origin: self.origin.to_owned(),
            location: self.path.clone(),
            message,
        }
    }

    /// `origin: path`, to name where something was first declared.
    fn named(&self) -> String {
        format!("{}: {}", self.origin, self.path)
    }
}

/// Fixtures being combined, with where each name, token, dataset and config id was
/// first declared.
#[derive(Default)]
struct Combined {
    fixtures: Fixtures,
    names: HashMap<String, (usize, String)>,
    tokens: HashMap<String, String>,
    datasets: HashMap<DatasetId, (usize, String)>,
    config_ids: HashMap<AccessConfigId, String>,
}

impl Combined {
    /// Adds a user, or merges it with the same user declared before.
    fn add_user(&mut self, here: &Place<'_>, user: &UserFixture) -> Result<(), FixtureError> {
        check_user(here, user)?;
        if let Some(token) = &user.token
            && let Some(other) = self
                .tokens
                .insert(token.expose_secret().to_owned(), user.name.clone())
            && other != user.name
        {
            return Err(here.child(".token").invalid(format!(
                "users {other:?} and {:?} have the same token",
                user.name
            )));
        }
        let Some((at, first)) = self.names.get(&user.name) else {
            self.names
                .insert(user.name.clone(), (self.fixtures.users.len(), here.named()));
            self.fixtures.users.push(user.clone());
            return Ok(());
        };
        let kept = &mut self.fixtures.users[*at];
        match (&kept.token, &user.token) {
            (Some(a), Some(b)) if a.expose_secret() != b.expose_secret() => {
                Err(here.invalid(format!(
                    "user {:?} is declared again with another token (first at {first})",
                    user.name
                )))
            }
            (None, Some(_)) => {
                kept.token.clone_from(&user.token);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Adds a dataset (or finds the same one declared before) and its configs.
    fn add_dataset(
        &mut self,
        here: &Place<'_>,
        dataset: &DatasetFixture,
        known_user: &impl Fn(&str) -> bool,
    ) -> Result<(), FixtureError> {
        if !self.names.contains_key(&dataset.owner) && !known_user(&dataset.owner) {
            return Err(here.child(".owner").invalid(format!(
                "dataset {} is owned by unknown user {:?}: declare the user (--user NAME=TOKEN, or under users in a fixture file)",
                dataset.id, dataset.owner
            )));
        }
        let at = match self.datasets.get(&dataset.id) {
            None => {
                self.datasets
                    .insert(dataset.id, (self.fixtures.datasets.len(), here.named()));
                self.fixtures.datasets.push(DatasetFixture {
                    configs: Vec::new(),
                    ..dataset.clone()
                });
                self.fixtures.datasets.len() - 1
            }
            Some((at, _)) if self.fixtures.datasets[*at].owner == dataset.owner => *at,
            Some((_, first)) => {
                return Err(here.child(".owner").invalid(format!(
                    "dataset {} is declared again with another owner (first at {first})",
                    dataset.id
                )));
            }
        };
        for (j, config) in dataset.configs.iter().enumerate() {
            self.add_config(&here.child(&format!(".configs[{j}]")), at, config)?;
        }
        Ok(())
    }

    /// Adds a config to the dataset at `at`: one per access type, ids unique.
    fn add_config(
        &mut self,
        here: &Place<'_>,
        at: usize,
        config: &ConfigFixture,
    ) -> Result<(), FixtureError> {
        let target = &mut self.fixtures.datasets[at];
        let access_type = config.request.access_type();
        if target
            .configs
            .iter()
            .any(|c| c.request.access_type() == access_type)
        {
            return Err(here.invalid(format!(
                "a second {access_type} config for dataset {}: a dataset has one per access type",
                target.id
            )));
        }
        if let Some(id) = config.id
            && let Some(first) = self.config_ids.insert(id, here.named())
        {
            return Err(here
                .child(".id")
                .invalid(format!("config id {id} is used twice (first at {first})")));
        }
        target.configs.push(config.clone());
        Ok(())
    }
}

/// A user's own fields: a name without surrounding spaces, a token that is not empty.
fn check_user(here: &Place<'_>, user: &UserFixture) -> Result<(), FixtureError> {
    if user.name.trim().is_empty() || user.name.trim() != user.name {
        return Err(here.child(".name").invalid(format!(
            "user name {:?} is empty or has surrounding spaces",
            user.name
        )));
    }
    if user
        .token
        .as_ref()
        .is_some_and(|token| token.expose_secret().trim().is_empty())
    {
        return Err(here
            .child(".token")
            .invalid("the token is empty".to_owned()));
    }
    Ok(())
}

#[cfg(feature = "fixture-files")]
/// `line L, column C` (both from 1) of a byte offset.
fn line_and_column(text: &str, offset: usize) -> String {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("line {line}, column {column}")
}

#[cfg(all(test, feature = "fixture-files"))]
mod tests {
    use super::*;

    #[test]
    fn a_json_document_with_trailing_characters_is_refused() {
        // Found by the fuzz target control_bodies (`PUT /_collab/state` read the first
        // document of its body and ignored the rest).
        let error = Fixtures::from_json("{\"users\": []}\n/v1/*", "state.json")
            .expect_err("trailing characters");
        match error {
            FixtureError::Invalid {
                origin,
                location,
                message,
            } => {
                assert_eq!(origin, "state.json");
                assert_eq!(location, "line 2, column 1");
                assert_eq!(message, "trailing characters after the document");
            }
            other => panic!("{other:?}"),
        }
        let read =
            Fixtures::from_json("{\"users\": []}\n  \n", "state.json").expect("one document");
        assert_eq!(read, Fixtures::default());
    }
}
