//! The request's parts the handlers need, each rejected with an API error body:
//! ids from the path, the JSON body, and a body that is read only to be dropped.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use collab_core::{AccessConfigId, DatasetId, Error};
use serde::de::DeserializeOwned;

use crate::api::object_only::ObjectBody;
use crate::http::error::ServerError;
use crate::http::json::is_json;
use crate::provider::RepositoryProvider;
use crate::request::notes::AccessIds;
use crate::request::notes::{self, RequestNotes};
use crate::state::AppState;

/// The `{datasetId}` of the path, parsed; a malformed id answers `400` naming it. A
/// request that [`AccessRoutes`](crate::api::access_routes::AccessRoutes) matched has
/// it parsed already.
pub(crate) struct DatasetPath(pub(crate) DatasetId);

/// The `{datasetId}` and `{accessConfigId}` of the path, parsed.
pub(crate) struct ConfigPath {
    pub(crate) dataset: DatasetId,
    pub(crate) config: AccessConfigId,
}

/// The path's `{datasetId}` and `{accessConfigId}`, as the router decoded them.
#[derive(Default)]
struct RawIds<'a> {
    dataset_id: &'a str,
    access_config_id: &'a str,
}

impl<'a> RawIds<'a> {
    fn of(params: &'a RawPathParams) -> Self {
        let mut ids = Self::default();
        for (name, value) in params {
            match name {
                "datasetId" => ids.dataset_id = value,
                "accessConfigId" => ids.access_config_id = value,
                _ => {}
            }
        }
        ids
    }
}

/// The path's parameters; a path that cannot be decoded (bad percent-encoding, not
/// UTF-8) is malformed input.
async fn path_params<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
) -> Result<RawPathParams, ServerError> {
    RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|rejection| {
            Error::InvalidRequest {
                message: rejection.body_text(),
            }
            .into()
        })
}

impl<S: Send + Sync> FromRequestParts<S> for DatasetPath {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // The matched route's ids are in the notes already, where the record reads them.
        if let Some(ids) = notes::notes(&parts.extensions).and_then(RequestNotes::route) {
            return Ok(Self(ids.dataset));
        }
        let params = path_params(parts, state).await?;
        let dataset = DatasetId::parse_named(RawIds::of(&params).dataset_id)?;
        note_dataset(parts, dataset);
        Ok(Self(dataset))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ConfigPath {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(AccessIds {
            dataset,
            config: Some(config),
        }) = notes::notes(&parts.extensions).and_then(RequestNotes::route)
        {
            return Ok(Self { dataset, config });
        }
        let params = path_params(parts, state).await?;
        let ids = RawIds::of(&params);
        let dataset = DatasetId::parse_named(ids.dataset_id)?;
        note_dataset(parts, dataset);
        let config = AccessConfigId::parse_named(ids.access_config_id)?;
        Ok(Self { dataset, config })
    }
}

/// Notes the dataset of the path for the request's record.
fn note_dataset(parts: &Parts, dataset: DatasetId) {
    if let Some(notes) = notes::notes(&parts.extensions) {
        notes.note_dataset(dataset);
    }
}

/// A JSON object body of type `T` (see [`ObjectBody`]). Unlike [`Json`]'s own
/// rejections, every failure answers an `ApiErrorResponse`: `415` when the body is
/// not declared as JSON, `413` when it is over the limit, and `400` for anything else
/// (bad syntax, wrong types, unknown enum values, values the type's `Deserialize`
/// refuses, a body that does not arrive within the body-read timeout).
///
/// Deep nesting costs nothing beyond the body limit for the API's request types,
/// whose fields are strings and arrays of strings: a nested value where a string
/// belongs is refused at its first bracket, and the values of unknown fields are
/// skipped without recursing.
pub(crate) struct JsonBody<T>(pub(crate) T);

impl<P, T> FromRequest<AppState<P>> for JsonBody<T>
where
    P: RepositoryProvider,
    T: DeserializeOwned,
{
    type Rejection = ServerError;

    async fn from_request(request: Request, state: &AppState<P>) -> Result<Self, Self::Rejection> {
        if !is_json(request.headers()) {
            // Json's own check says what is wrong with the content type (a `415`).
            return match Json::<ObjectBody<T>>::from_request(request, state).await {
                Ok(Json(ObjectBody(value))) => Ok(Self(value)),
                Err(rejection) => Err(json_rejection(rejection, state.body_limit())),
            };
        }
        let bytes = read_noted_body(request, state).await?;
        match Json::<ObjectBody<T>>::from_bytes(&bytes) {
            Ok(Json(ObjectBody(value))) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(rejection, state.body_limit())),
        }
    }
}

/// Reads the whole body within the limit and the body-read timeout, and notes it for
/// the request's record (the journal keeps it).
async fn read_noted_body<P: RepositoryProvider>(
    mut request: Request,
    state: &AppState<P>,
) -> Result<Bytes, ServerError> {
    // The limit is the extractors' own: the API's routes have no limiting layer.
    DefaultBodyLimit::max(state.body_limit()).apply(&mut request);
    let notes = notes::notes(request.extensions()).cloned();
    let bytes = within_body_read_timeout(state, async {
        Bytes::from_request(request, state)
            .await
            .map_err(|rejection| bytes_rejection(rejection, state.body_limit()))
    })
    .await?;
    if let Some(notes) = notes {
        notes.note_body(&bytes);
    }
    Ok(bytes)
}

/// Runs a body extractor, answering `400` if the body has not arrived within the
/// state's body-read timeout.
///
/// A body that never completes (a `Content-Length` larger than what is sent, a
/// stalled upload) is the client's fault; without this deadline the request timeout
/// would answer it with a `503`, which clients retry. Parsing happens in the poll
/// that receives the last byte, so the deadline can only cut the wait for bytes.
async fn within_body_read_timeout<P, T>(
    state: &AppState<P>,
    read: impl Future<Output = Result<T, ServerError>>,
) -> Result<T, ServerError>
where
    P: RepositoryProvider,
{
    let timeout = state.body_read_timeout();
    tokio::time::timeout(timeout, read)
        .await
        .unwrap_or_else(|_| {
            Err(Error::InvalidRequest {
                message: format!(
                    "request body incomplete: not received within {} ms",
                    timeout.as_millis()
                ),
            }
            .into())
        })
}

fn json_rejection(rejection: JsonRejection, limit: usize) -> ServerError {
    match rejection {
        JsonRejection::MissingJsonContentType(rejection) => ServerError::UnsupportedMediaType {
            message: rejection.body_text(),
        },
        JsonRejection::BytesRejection(rejection) => bytes_rejection(rejection, limit),
        // Syntax and data errors; `body_text` names the place (line, column, field).
        other => Error::InvalidRequest {
            message: other.body_text(),
        }
        .into(),
    }
}

fn bytes_rejection(rejection: BytesRejection, limit: usize) -> ServerError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ServerError::PayloadTooLarge { limit }
    } else {
        Error::InvalidRequest {
            message: rejection.body_text(),
        }
        .into()
    }
}

/// A body the route does not use but accepts (Lightly's Python client sends `{}`
/// with a DELETE): read, within the body limit, so that the connection can be
/// reused, and dropped. A body that does not arrive within the body-read timeout
/// answers `400`.
pub(crate) struct IgnoredBody;

impl<P: RepositoryProvider> FromRequest<AppState<P>> for IgnoredBody {
    type Rejection = ServerError;

    async fn from_request(request: Request, state: &AppState<P>) -> Result<Self, Self::Rejection> {
        read_noted_body(request, state).await.map(|_| Self)
    }
}
