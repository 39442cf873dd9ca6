//! The API's error body (`ApiErrorResponse`) and its error codes (`ApiErrorCode`).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! api_error_codes {
    ($($variant:ident => $text:literal,)*) => {
        /// An `ApiErrorCode` of the API. Codes this generation does not know are kept,
        /// with their text, in [`ApiErrorCode::Unknown`] rather than failing the read.
        ///
        /// ```
        /// use collab_core::ApiErrorCode;
        /// assert_eq!("DATASET_UNKNOWN".parse::<ApiErrorCode>(), Ok(ApiErrorCode::DatasetUnknown));
        /// assert_eq!(
        ///     "PAYLOAD_TOO_LARGE".parse::<ApiErrorCode>(),
        ///     Ok(ApiErrorCode::Unknown("PAYLOAD_TOO_LARGE".into()))
        /// );
        /// ```
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ApiErrorCode {
            $(
                #[doc = concat!("`", $text, "`")]
                $variant,
            )*
            /// A code this generation of the API does not define, with its text.
            Unknown(String),
        }

        impl ApiErrorCode {
            /// Every code this generation defines, in the spec's order.
            pub const ALL: &'static [ApiErrorCode] = &[$(ApiErrorCode::$variant,)*];

            /// The code's spelling on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)*
                    Self::Unknown(text) => text,
                }
            }

            fn from_text(text: &str) -> Self {
                match text {
                    $($text => Self::$variant,)*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }
    };
}

api_error_codes! {
    BadRequest => "BAD_REQUEST",
    NotImplemented => "NOT_IMPLEMENTED",
    Forbidden => "FORBIDDEN",
    Unauthorized => "UNAUTHORIZED",
    NotFound => "NOT_FOUND",
    MalformedRequest => "MALFORMED_REQUEST",
    MalformedResponse => "MALFORMED_RESPONSE",
    JwtInvalid => "JWT_INVALID",
    JwtMalformed => "JWT_MALFORMED",
    JobCreationFailed => "JOB_CREATION_FAILED",
    JobUnknown => "JOB_UNKNOWN",
    UserNotKnown => "USER_NOT_KNOWN",
    UserAccountDeactivated => "USER_ACCOUNT_DEACTIVATED",
    UserAccountBlocked => "USER_ACCOUNT_BLOCKED",
    TeamAccountPlanInsufficient => "TEAM_ACCOUNT_PLAN_INSUFFICIENT",
    DatasetUnknown => "DATASET_UNKNOWN",
    DatasetTagInvalid => "DATASET_TAG_INVALID",
    DatasetNameExists => "DATASET_NAME_EXISTS",
    DatasetAtMaxCapacity => "DATASET_AT_MAX_CAPACITY",
    DatasetDatasourceUnknown => "DATASET_DATASOURCE_UNKNOWN",
    DatasetDatasourceCredentialsError => "DATASET_DATASOURCE_CREDENTIALS_ERROR",
    DatasetDatasourceInvalid => "DATASET_DATASOURCE_INVALID",
    DatasetDatasourceActionNotImplemented => "DATASET_DATASOURCE_ACTION_NOT_IMPLEMENTED",
    DatasetDatasourceIllegalAction => "DATASET_DATASOURCE_ILLEGAL_ACTION",
    AccessControlUnknown => "ACCESS_CONTROL_UNKNOWN",
    EmbeddingUnknown => "EMBEDDING_UNKNOWN",
    EmbeddingNameExists => "EMBEDDING_NAME_EXISTS",
    EmbeddingInvalid => "EMBEDDING_INVALID",
    EmbeddingNotReady => "EMBEDDING_NOT_READY",
    EmbeddingRowCountUnknown => "EMBEDDING_ROW_COUNT_UNKNOWN",
    EmbeddingRowCountInvalid => "EMBEDDING_ROW_COUNT_INVALID",
    Embedding2dUnknown => "EMBEDDING_2D_UNKNOWN",
    TagUnknown => "TAG_UNKNOWN",
    TagNameExists => "TAG_NAME_EXISTS",
    TagInitialExists => "TAG_INITIAL_EXISTS",
    TagUndeletableNotALeaf => "TAG_UNDELETABLE_NOT_A_LEAF",
    TagUndeletableIsInitial => "TAG_UNDELETABLE_IS_INITIAL",
    TagNoTagInDataset => "TAG_NO_TAG_IN_DATASET",
    TagPrevtagNotInDataset => "TAG_PREVTAG_NOT_IN_DATASET",
    TagQuerytagNotInDataset => "TAG_QUERYTAG_NOT_IN_DATASET",
    TagPreselectedtagNotInDataset => "TAG_PRESELECTEDTAG_NOT_IN_DATASET",
    TagNoScoresAvailable => "TAG_NO_SCORES_AVAILABLE",
    SampleUnknown => "SAMPLE_UNKNOWN",
    SampleThumbnameUnknown => "SAMPLE_THUMBNAME_UNKNOWN",
    SampleCreateRequestInvalidFormat => "SAMPLE_CREATE_REQUEST_INVALID_FORMAT",
    ScoreUnknown => "SCORE_UNKNOWN",
    DockerRunUnknown => "DOCKER_RUN_UNKNOWN",
    DockerRunReportUnavailable => "DOCKER_RUN_REPORT_UNAVAILABLE",
    DockerWorkerUnknown => "DOCKER_WORKER_UNKNOWN",
    DockerWorkerConfigUnknown => "DOCKER_WORKER_CONFIG_UNKNOWN",
    DockerWorkerConfigInUse => "DOCKER_WORKER_CONFIG_IN_USE",
    DockerWorkerScheduleUnknown => "DOCKER_WORKER_SCHEDULE_UNKNOWN",
    DockerWorkerScheduleUpdateFailed => "DOCKER_WORKER_SCHEDULE_UPDATE_FAILED",
    MetadataConfigurationUnknown => "METADATA_CONFIGURATION_UNKNOWN",
    CustomMetadataAtMaxSize => "CUSTOM_METADATA_AT_MAX_SIZE",
}

impl std::str::FromStr for ApiErrorCode {
    type Err = std::convert::Infallible;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Self::from_text(text))
    }
}

impl fmt::Display for ApiErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ApiErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ApiErrorCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(Self::from_text(&text))
    }
}

/// The API's error body: `{"code": ..., "message": ...}`.
///
/// Reads both this generation's `message` and later generations' `error` for the text,
/// and keeps a `requestId` when one is sent. Writes this generation's shape.
///
/// ```
/// use collab_core::{ApiErrorCode, ApiErrorResponse};
/// let body: ApiErrorResponse =
///     serde_json::from_str(r#"{"code":"DATASET_UNKNOWN","error":"no such dataset","requestId":"r1"}"#)?;
/// assert_eq!(body.code, ApiErrorCode::DatasetUnknown);
/// assert_eq!(body.message, "no such dataset");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "WireApiError")]
pub struct ApiErrorResponse {
    /// What went wrong, as a code.
    pub code: ApiErrorCode,
    /// What went wrong, for people.
    pub message: String,
    /// The service's id for the request, when it sends one.
    #[serde(rename = "requestId", skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl ApiErrorResponse {
    /// An error body with a code and a message.
    pub fn new(code: ApiErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            request_id: None,
        }
    }
}

#[derive(Deserialize)]
struct WireApiError {
    code: ApiErrorCode,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default, rename = "requestId")]
    request_id: Option<String>,
}

impl From<WireApiError> for ApiErrorResponse {
    fn from(wire: WireApiError) -> Self {
        Self {
            code: wire.code,
            message: wire.message.or(wire.error).unwrap_or_default(),
            request_id: wire.request_id,
        }
    }
}
