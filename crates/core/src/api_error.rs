//! The API's error body (`ApiErrorResponse`) and its error codes (`ApiErrorCode`).

use serde::{Deserialize, Serialize, Serializer};

use crate::wire::WireGeneration;

macro_rules! api_error_codes {
    ($($variant:ident => $text:literal, $since:ident,)*) => {
        /// An `ApiErrorCode` of the API: the 77 codes of today's generation, which hold
        /// the 2022 generation's 55. Codes this crate does not know are kept, with their
        /// text, in [`ApiErrorCode::Unknown`] rather than failing the read.
        ///
        /// ```
        /// use collab_core::ApiErrorCode;
        /// use collab_core::wire::WireGeneration;
        /// assert_eq!("DATASET_UNKNOWN".parse::<ApiErrorCode>(), Ok(ApiErrorCode::DatasetUnknown));
        /// assert_eq!("TEAM_UNKNOWN".parse::<ApiErrorCode>(), Ok(ApiErrorCode::TeamUnknown));
        /// assert_eq!(ApiErrorCode::TeamUnknown.defined_since(), Some(WireGeneration::Current));
        /// assert_eq!(
        ///     "SOMETHING_NEWER".parse::<ApiErrorCode>(),
        ///     Ok(ApiErrorCode::Unknown("SOMETHING_NEWER".into()))
        /// );
        /// ```
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ApiErrorCode {
            $(
                #[doc = concat!("`", $text, "`")]
                $variant,
            )*
            /// A code this crate does not know, with its text.
            Unknown(String),
        }

        impl ApiErrorCode {
            /// Every code today's generation defines, in its order.
            pub const ALL: &'static [ApiErrorCode] = &[$(ApiErrorCode::$variant,)*];

            /// The code's spelling on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)*
                    Self::Unknown(text) => text,
                }
            }

            /// The first generation of the wire that defines this code; `None` for a
            /// code this crate does not know.
            pub fn defined_since(&self) -> Option<WireGeneration> {
                match self {
                    $(Self::$variant => Some(WireGeneration::$since),)*
                    Self::Unknown(_) => None,
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
    BadRequest => "BAD_REQUEST", V2022,
    NotImplemented => "NOT_IMPLEMENTED", V2022,
    Forbidden => "FORBIDDEN", V2022,
    Unauthorized => "UNAUTHORIZED", V2022,
    NotFound => "NOT_FOUND", V2022,
    NotModified => "NOT_MODIFIED", Current,
    Conflict => "CONFLICT", Current,
    MalformedRequest => "MALFORMED_REQUEST", V2022,
    MalformedResponse => "MALFORMED_RESPONSE", V2022,
    PayloadTooLarge => "PAYLOAD_TOO_LARGE", Current,
    JwtInvalid => "JWT_INVALID", V2022,
    JwtMalformed => "JWT_MALFORMED", V2022,
    CreationFailed => "CREATION_FAILED", Current,
    JobCreationFailed => "JOB_CREATION_FAILED", V2022,
    JobUnknown => "JOB_UNKNOWN", V2022,
    UserNotKnown => "USER_NOT_KNOWN", V2022,
    UserAccountDeactivated => "USER_ACCOUNT_DEACTIVATED", V2022,
    UserAccountBlocked => "USER_ACCOUNT_BLOCKED", V2022,
    TeamAccountPlanInsufficient => "TEAM_ACCOUNT_PLAN_INSUFFICIENT", V2022,
    IllegalActionResourceInUse => "ILLEGAL_ACTION_RESOURCE_IN_USE", Current,
    DatasetUnknown => "DATASET_UNKNOWN", V2022,
    DatasetNotSupported => "DATASET_NOT_SUPPORTED", Current,
    DatasetTagInvalid => "DATASET_TAG_INVALID", V2022,
    DatasetNameExists => "DATASET_NAME_EXISTS", V2022,
    DatasetAtMaxCapacity => "DATASET_AT_MAX_CAPACITY", V2022,
    DatasetDatasourceUnknown => "DATASET_DATASOURCE_UNKNOWN", V2022,
    DatasetDatasourceCredentialsError => "DATASET_DATASOURCE_CREDENTIALS_ERROR", V2022,
    DatasetDatasourceInvalid => "DATASET_DATASOURCE_INVALID", V2022,
    DatasetDatasourceActionNotImplemented => "DATASET_DATASOURCE_ACTION_NOT_IMPLEMENTED", V2022,
    DatasetDatasourceIllegalAction => "DATASET_DATASOURCE_ILLEGAL_ACTION", V2022,
    DatasetDatasourceFileTooLarge => "DATASET_DATASOURCE_FILE_TOO_LARGE", Current,
    DatasetDatasourceRelevantFilenamesInvalid => "DATASET_DATASOURCE_RELEVANT_FILENAMES_INVALID", Current,
    AccessControlUnknown => "ACCESS_CONTROL_UNKNOWN", V2022,
    EmbeddingUnknown => "EMBEDDING_UNKNOWN", V2022,
    EmbeddingNameExists => "EMBEDDING_NAME_EXISTS", V2022,
    EmbeddingInvalid => "EMBEDDING_INVALID", V2022,
    EmbeddingNotReady => "EMBEDDING_NOT_READY", V2022,
    EmbeddingRowCountUnknown => "EMBEDDING_ROW_COUNT_UNKNOWN", V2022,
    EmbeddingRowCountInvalid => "EMBEDDING_ROW_COUNT_INVALID", V2022,
    Embedding2dUnknown => "EMBEDDING_2D_UNKNOWN", V2022,
    TagUnknown => "TAG_UNKNOWN", V2022,
    TagNameExists => "TAG_NAME_EXISTS", V2022,
    TagInitialExists => "TAG_INITIAL_EXISTS", V2022,
    TagUndeletableNotALeaf => "TAG_UNDELETABLE_NOT_A_LEAF", V2022,
    TagUndeletableIsInitial => "TAG_UNDELETABLE_IS_INITIAL", V2022,
    TagNoTagInDataset => "TAG_NO_TAG_IN_DATASET", V2022,
    TagPrevtagNotInDataset => "TAG_PREVTAG_NOT_IN_DATASET", V2022,
    TagQuerytagNotInDataset => "TAG_QUERYTAG_NOT_IN_DATASET", V2022,
    TagPreselectedtagNotInDataset => "TAG_PRESELECTEDTAG_NOT_IN_DATASET", V2022,
    TagNoScoresAvailable => "TAG_NO_SCORES_AVAILABLE", V2022,
    SampleUnknown => "SAMPLE_UNKNOWN", V2022,
    SampleThumbnameUnknown => "SAMPLE_THUMBNAME_UNKNOWN", V2022,
    SampleCreateRequestInvalidFormat => "SAMPLE_CREATE_REQUEST_INVALID_FORMAT", V2022,
    SampleCreateRequestInvalidCropData => "SAMPLE_CREATE_REQUEST_INVALID_CROP_DATA", Current,
    PredictionTaskSchemaUnknown => "PREDICTION_TASK_SCHEMA_UNKNOWN", Current,
    PredictionTaskSchemaCategoriesNotUnique => "PREDICTION_TASK_SCHEMA_CATEGORIES_NOT_UNIQUE", Current,
    ScoreUnknown => "SCORE_UNKNOWN", V2022,
    ScoresCannotBeSet => "SCORES_CANNOT_BE_SET", Current,
    DockerRunUnknown => "DOCKER_RUN_UNKNOWN", V2022,
    DockerRunDatasetUnavailable => "DOCKER_RUN_DATASET_UNAVAILABLE", Current,
    DockerRunReportUnavailable => "DOCKER_RUN_REPORT_UNAVAILABLE", V2022,
    DockerRunArtifactUnknown => "DOCKER_RUN_ARTIFACT_UNKNOWN", Current,
    DockerRunArtifactExists => "DOCKER_RUN_ARTIFACT_EXISTS", Current,
    DockerRunArtifactUnavailable => "DOCKER_RUN_ARTIFACT_UNAVAILABLE", Current,
    DockerWorkerUnknown => "DOCKER_WORKER_UNKNOWN", V2022,
    DockerWorkerConfigUnknown => "DOCKER_WORKER_CONFIG_UNKNOWN", V2022,
    DockerWorkerConfigNotCompatibleWithDatasource => "DOCKER_WORKER_CONFIG_NOT_COMPATIBLE_WITH_DATASOURCE", Current,
    DockerWorkerConfigReferencesInvalidFiles => "DOCKER_WORKER_CONFIG_REFERENCES_INVALID_FILES", Current,
    DockerWorkerConfigInUse => "DOCKER_WORKER_CONFIG_IN_USE", V2022,
    DockerWorkerConfigInvalid => "DOCKER_WORKER_CONFIG_INVALID", Current,
    DockerWorkerScheduleUnknown => "DOCKER_WORKER_SCHEDULE_UNKNOWN", V2022,
    DockerWorkerScheduleUpdateFailed => "DOCKER_WORKER_SCHEDULE_UPDATE_FAILED", V2022,
    MetadataConfigurationUnknown => "METADATA_CONFIGURATION_UNKNOWN", V2022,
    CustomMetadataAtMaxSize => "CUSTOM_METADATA_AT_MAX_SIZE", V2022,
    OnpremSubscriptionInsufficient => "ONPREM_SUBSCRIPTION_INSUFFICIENT", Current,
    AccountSubscriptionInsufficient => "ACCOUNT_SUBSCRIPTION_INSUFFICIENT", Current,
    TeamUnknown => "TEAM_UNKNOWN", Current,
}

crate::text_enum::text_enum!(ApiErrorCode);

/// The API's error body (`ApiErrorResponse`), in the words of either generation.
///
/// The 2022 generation sends `{"code", "message"}`; today's sends `{"code", "error"}`
/// with an optional `requestId` (quote it to Lightly's support) and `errorLabels`.
/// Reading accepts either shape; [`WireGeneration::on_wire`] writes exactly one
/// generation's fields, and `Serialize` writes today's.
///
/// ```
/// use collab_core::{ApiErrorCode, ApiErrorResponse};
/// let body: ApiErrorResponse =
///     serde_json::from_str(r#"{"code":"DATASET_UNKNOWN","error":"no such dataset","requestId":"r1"}"#)?;
/// assert_eq!(body.code, ApiErrorCode::DatasetUnknown);
/// assert_eq!(body.message, "no such dataset");
/// assert_eq!(body.request_id.as_deref(), Some("r1"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "crate::wire::generation::AnyGenerationError")]
pub struct ApiErrorResponse {
    /// What went wrong, as a code.
    pub code: ApiErrorCode,
    /// What went wrong, for people (`message` in 2022, `error` today).
    pub message: String,
    /// The service's id for the request, when it sends one.
    pub request_id: Option<String>,
    /// Labels the service attaches to some errors (e.g. database errors), today's
    /// generation only; empty when none were sent.
    pub error_labels: Vec<String>,
}

impl ApiErrorResponse {
    /// An error body with a code and a message.
    pub fn new(code: ApiErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            request_id: None,
            error_labels: Vec::new(),
        }
    }

    /// The same body with the service's request id.
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }
}

impl Serialize for ApiErrorResponse {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        WireGeneration::Current.on_wire(self).serialize(serializer)
    }
}
