//! The two generations of the wire and how each spells things: the one place that
//! knows both spellings (see `docs/wire-contract.md`).
//!
//! | item | 2022 | today's |
//! |---|---|---|
//! | the teams of a config or request | `organizations` | `teams` |
//! | the request's `creator` | absent | optional |
//! | the error body's text | `message` | `error`, with optional `requestId`, `errorLabels` |
//! | unknown fields in an answer | ignored by clients | **rejected** by clients |
//!
//! Readers ([`Deserialize`] on the domain types, [`IncomingShareRequest`]) accept either
//! spelling; writers ([`WireGeneration::on_wire`]) emit exactly one generation's fields.

use std::fmt;
use std::str::FromStr;

use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Deserialize, Serialize, Serializer};

use crate::{
    AccessConfig, AccessConfigId, ApiErrorCode, ApiErrorResponse, Creator, Error, ShareRequest,
    SharedAccessType, Timestamp,
};

/// A generation of the Collaboration API's wire format.
///
/// ```
/// use collab_core::wire::WireGeneration;
/// use collab_core::ShareRequest;
///
/// let request = ShareRequest::write(["ann@example.com"], ["acme"])?;
/// let today = serde_json::to_value(WireGeneration::Current.on_wire(&request))?;
/// let old = serde_json::to_value(WireGeneration::V2022.on_wire(&request))?;
/// assert_eq!(today["teams"], serde_json::json!(["acme"]));
/// assert_eq!(old["organizations"], serde_json::json!(["acme"]));
/// assert!(old.get("teams").is_none());
/// assert_eq!("2022".parse::<WireGeneration>()?, WireGeneration::V2022);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[non_exhaustive]
pub enum WireGeneration {
    /// The 2022 generation (`lightly` 1.2.30 .. 1.4.4): `organizations`, errors
    /// `{code, message}`; clients ignore fields they do not know.
    V2022,
    /// Today's generation (`lightly` 1.4.8 .. 1.5.26): `teams`, an optional `creator`,
    /// errors `{code, error, requestId?, errorLabels?}`; clients reject fields they do
    /// not know.
    #[default]
    Current,
}

/// The first `lightly` release whose clients read today's answers (`teams`).
const FIRST_CURRENT_RELEASE: (u32, u32, u32) = (1, 4, 5);

impl WireGeneration {
    /// Both generations, oldest first.
    pub const ALL: [WireGeneration; 2] = [WireGeneration::V2022, WireGeneration::Current];

    /// The generation's name, as `--wire` takes it: `2022` or `current`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::V2022 => "2022",
            Self::Current => "current",
        }
    }

    /// The JSON field that holds a config's or a request's teams.
    pub const fn teams_field(self) -> &'static str {
        match self {
            Self::V2022 => "organizations",
            Self::Current => "teams",
        }
    }

    /// The JSON field that holds an error body's text.
    pub const fn error_text_field(self) -> &'static str {
        match self {
            Self::V2022 => "message",
            Self::Current => "error",
        }
    }

    /// `value` as this generation writes it: `Serialize` emits exactly this
    /// generation's fields. Implemented for [`AccessConfig`], `[AccessConfig]`,
    /// [`ShareRequest`] and [`ApiErrorResponse`].
    pub fn on_wire<T: ?Sized>(self, value: &T) -> OnWire<'_, T> {
        OnWire {
            generation: self,
            value,
        }
    }

    /// The generation a client reads, told by its `User-Agent`, when the agent is one
    /// of Lightly's official clients:
    ///
    /// - `Swagger-Codegen/...`: the 2022 generated client;
    /// - `OpenAPI-Generator/...`: today's generated client;
    /// - `Lightly/<version>...`: Lightly's `ApiWorkflowClient`, which reads today's
    ///   answers from 1.4.5 on and the 2022 ones before.
    ///
    /// ```
    /// use collab_core::wire::WireGeneration;
    /// let placed = WireGeneration::from_user_agent;
    /// assert_eq!(placed("Lightly/1.2.30/python (Linux)"), Some(WireGeneration::V2022));
    /// assert_eq!(placed("Lightly/1.4.5 (Linux/6.1; x86_64;) python/3.11.7"), Some(WireGeneration::Current));
    /// assert_eq!(placed("Swagger-Codegen/1.0.0/python"), Some(WireGeneration::V2022));
    /// assert_eq!(placed("OpenAPI-Generator/1.0.0/python"), Some(WireGeneration::Current));
    /// assert_eq!(placed("curl/8.5.0"), None);
    /// ```
    pub fn from_user_agent(user_agent: &str) -> Option<Self> {
        let user_agent = user_agent.trim_start();
        if user_agent.starts_with("Swagger-Codegen/") {
            return Some(Self::V2022);
        }
        if user_agent.starts_with("OpenAPI-Generator/") {
            return Some(Self::Current);
        }
        let version = user_agent.strip_prefix("Lightly/")?;
        let version = version.split(['/', ' ', ';', '(']).next()?;
        let release = parse_release(version)?;
        Some(if release >= FIRST_CURRENT_RELEASE {
            Self::Current
        } else {
            Self::V2022
        })
    }
}

/// `1.4.5`, `1.5.26rc1` or `2.0` as (major, minor, patch); `None` when it is no version.
fn parse_release(version: &str) -> Option<(u32, u32, u32)> {
    let mut parts = version.split('.').map(|part| {
        let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
        digits.parse::<u32>().ok()
    });
    let major = parts.next()??;
    let minor = parts.next().flatten().unwrap_or(0);
    let patch = parts.next().flatten().unwrap_or(0);
    Some((major, minor, patch))
}

impl fmt::Display for WireGeneration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not a generation of the wire.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown wire generation {0:?}: expected `current` or `2022`")]
pub struct UnknownGeneration(String);

impl FromStr for WireGeneration {
    type Err = UnknownGeneration;
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name.trim().to_ascii_lowercase().as_str() {
            "current" => Ok(Self::Current),
            "2022" | "v2022" => Ok(Self::V2022),
            _ => Err(UnknownGeneration(name.to_owned())),
        }
    }
}

/// A value as one generation writes it; made by [`WireGeneration::on_wire`].
#[derive(Debug, Clone, Copy)]
pub struct OnWire<'a, T: ?Sized> {
    pub(super) generation: WireGeneration,
    pub(super) value: &'a T,
}

impl Serialize for OnWire<'_, AccessConfig> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let config = self.value;
        let mut out = serializer.serialize_struct("SharedAccessConfigData", 7)?;
        out.serialize_field("id", &config.id)?;
        out.serialize_field("owner", &config.owner)?;
        out.serialize_field("accessType", &config.access_type)?;
        out.serialize_field("users", &config.users)?;
        out.serialize_field(self.generation.teams_field(), &config.teams)?;
        out.serialize_field("createdAt", &config.created_at)?;
        out.serialize_field("lastModifiedAt", &config.last_modified_at)?;
        out.end()
    }
}

impl Serialize for OnWire<'_, [AccessConfig]> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.value
                .iter()
                .map(|config| self.generation.on_wire(config)),
        )
    }
}

impl Serialize for OnWire<'_, ShareRequest> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let request = self.value;
        // `creator` is today's alone, and sent only when the caller set it.
        let creator = match self.generation {
            WireGeneration::Current => request.creator(),
            WireGeneration::V2022 => None,
        };
        let mut out = serializer.serialize_map(Some(3 + usize::from(creator.is_some())))?;
        out.serialize_entry("accessType", &request.access_type())?;
        out.serialize_entry("users", request.users())?;
        out.serialize_entry(self.generation.teams_field(), request.teams())?;
        if let Some(creator) = creator {
            out.serialize_entry("creator", creator)?;
        }
        out.end()
    }
}

impl Serialize for OnWire<'_, ApiErrorResponse> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let body = self.value;
        let mut out = serializer.serialize_map(None)?;
        out.serialize_entry("code", &body.code)?;
        out.serialize_entry(self.generation.error_text_field(), &body.message)?;
        if self.generation == WireGeneration::Current {
            if let Some(request_id) = &body.request_id {
                out.serialize_entry("requestId", request_id)?;
            }
            if !body.error_labels.is_empty() {
                out.serialize_entry("errorLabels", &body.error_labels)?;
            }
        }
        out.end()
    }
}

/// A create-or-update request as a server receives it: the request, and the
/// generation its body's spelling shows, if any (`teams` or `creator`: today's;
/// `organizations`: 2022's; neither: unknown).
///
/// ```
/// use collab_core::wire::{IncomingShareRequest, WireGeneration};
/// let old: IncomingShareRequest =
///     serde_json::from_str(r#"{"accessType":"WRITE","organizations":["acme"]}"#)?;
/// assert_eq!(old.request.teams(), ["acme"]);
/// assert_eq!(old.spelled_in, Some(WireGeneration::V2022));
/// let plain: IncomingShareRequest = serde_json::from_str(r#"{"accessType":"WRITE"}"#)?;
/// assert_eq!(plain.spelled_in, None);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "AnyGenerationRequest")]
#[non_exhaustive]
pub struct IncomingShareRequest {
    /// The request, validated and normalised.
    pub request: ShareRequest,
    /// The generation the body's spelling shows, if it shows one.
    pub spelled_in: Option<WireGeneration>,
}

/// Renames a 2022 `organizations` key of a JSON object to today's `teams`, for readers
/// of other formats (such as fixture files) that refuse unknown keys; returns the
/// generation the object's spelling shows, if any.
///
/// ```
/// use collab_core::wire::{WireGeneration, generation::respell_teams};
/// let mut object = serde_json::json!({"users": [], "organizations": ["acme"]});
/// let map = object.as_object_mut().unwrap();
/// assert_eq!(respell_teams(map), Ok(Some(WireGeneration::V2022)));
/// assert_eq!(object, serde_json::json!({"users": [], "teams": ["acme"]}));
/// ```
///
/// # Errors
///
/// The reason, when the object names both spellings.
pub fn respell_teams(
    object: &mut serde_json::Map<String, serde_json::Value>,
) -> Result<Option<WireGeneration>, String> {
    let (old, today) = (
        WireGeneration::V2022.teams_field(),
        WireGeneration::Current.teams_field(),
    );
    match (object.remove(old), object.contains_key(today)) {
        (Some(_), true) => Err(BOTH_SPELLINGS.to_owned()),
        (Some(teams), false) => {
            object.insert(today.to_owned(), teams);
            Ok(Some(WireGeneration::V2022))
        }
        (None, true) => Ok(Some(WireGeneration::Current)),
        (None, false) => Ok(None),
    }
}

/// Why a body naming both spellings of the teams is refused.
const BOTH_SPELLINGS: &str = "name the teams once: `teams`, or the 2022 `organizations`, not both";

/// A `SharedAccessConfigCreateRequest` in either generation's spelling.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AnyGenerationRequest {
    access_type: SharedAccessType,
    #[serde(default)]
    users: Option<Vec<String>>,
    #[serde(default)]
    teams: Option<Vec<String>>,
    #[serde(default)]
    organizations: Option<Vec<String>>,
    #[serde(default)]
    creator: Option<Creator>,
}

impl TryFrom<AnyGenerationRequest> for IncomingShareRequest {
    /// The reason alone: serde puts it in its own error, which callers wrap again.
    type Error = String;
    /// Refuses a `creator` outside the values the API defines ([`Creator::ALL`]), as
    /// the service's own schema does: a request is what a client *sends*, so a typo
    /// is worth a `400`. (Answers are read leniently elsewhere: an echoed `creator`
    /// is ignored.)
    fn try_from(wire: AnyGenerationRequest) -> Result<Self, Self::Error> {
        if let Some(unknown @ Creator::Unrecognized(_)) = &wire.creator {
            return Err(unknown_creator(unknown));
        }
        Self::read_leniently(wire)
    }
}

/// Why a request naming a `creator` the API does not define is refused.
fn unknown_creator(creator: &Creator) -> String {
    let allowed: Vec<&str> = Creator::ALL.iter().map(Creator::as_str).collect();
    format!(
        "unknown creator `{}`: expected one of {}",
        creator.as_str(),
        allowed.join(", ")
    )
}

impl IncomingShareRequest {
    /// Reads a request, keeping a `creator` this crate does not know.
    fn read_leniently(wire: AnyGenerationRequest) -> Result<Self, String> {
        let spelled_in = if wire.organizations.is_some() {
            Some(WireGeneration::V2022)
        } else if wire.teams.is_some() || wire.creator.is_some() {
            Some(WireGeneration::Current)
        } else {
            None
        };
        let teams = match (wire.teams, wire.organizations) {
            (Some(_), Some(_)) => {
                return Err(
                    "name the teams once: `teams`, or the 2022 `organizations`, \
                            not both"
                        .to_owned(),
                );
            }
            (teams, organizations) => teams.or(organizations).unwrap_or_default(),
        };
        let request = ShareRequest::new(wire.access_type, wire.users.unwrap_or_default(), teams)
            .map_err(|error| match error {
                Error::InvalidRequest { message } => message,
                other => other.to_string(),
            })?;
        let request = match wire.creator {
            Some(creator) => request.with_creator(creator),
            None => request,
        };
        Ok(Self {
            request,
            spelled_in,
        })
    }
}

impl TryFrom<AnyGenerationRequest> for ShareRequest {
    type Error = String;
    fn try_from(wire: AnyGenerationRequest) -> Result<Self, Self::Error> {
        IncomingShareRequest::read_leniently(wire).map(|incoming| incoming.request)
    }
}

/// A `SharedAccessConfigData` in either generation's spelling; other fields (such as
/// an echoed `creator`) are ignored.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AnyGenerationConfig {
    id: AccessConfigId,
    owner: String,
    access_type: SharedAccessType,
    users: Vec<String>,
    #[serde(default)]
    teams: Option<Vec<String>>,
    #[serde(default)]
    organizations: Option<Vec<String>>,
    created_at: Timestamp,
    last_modified_at: Timestamp,
}

impl From<AnyGenerationConfig> for AccessConfig {
    fn from(wire: AnyGenerationConfig) -> Self {
        Self {
            id: wire.id,
            owner: wire.owner,
            access_type: wire.access_type,
            users: wire.users,
            teams: wire.teams.or(wire.organizations).unwrap_or_default(),
            created_at: wire.created_at,
            last_modified_at: wire.last_modified_at,
        }
    }
}

/// An `ApiErrorResponse` in either generation's shape.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AnyGenerationError {
    code: ApiErrorCode,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    request_id: Option<String>,
    #[serde(default)]
    error_labels: Option<Vec<String>>,
}

impl From<AnyGenerationError> for ApiErrorResponse {
    fn from(wire: AnyGenerationError) -> Self {
        Self {
            code: wire.code,
            message: wire.error.or(wire.message).unwrap_or_default(),
            request_id: wire.request_id,
            error_labels: wire.error_labels.unwrap_or_default(),
        }
    }
}
