//! The API's operations, the OpenAPI document, and the answers for unknown routes
//! and methods.

use axum::http::{Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use collab_core::{AccessConfigRepository, CreateEntityResponse, ShareRequest};

use crate::RepositoryProvider;
use crate::auth::Caller;
use crate::error::ServerError;
use crate::extract::{ConfigPath, DatasetPath, IgnoredBody, JsonBody};
use crate::json::{APPLICATION_JSON, json_response};
use crate::openapi::OPENAPI_JSON;

/// `POST /v1/datasets/{datasetId}/collaboration/access`: `201` with `{"id": ...}`.
pub(crate) async fn create_or_update<P: RepositoryProvider>(
    Caller(repository): Caller<P::Repository>,
    DatasetPath(dataset): DatasetPath,
    JsonBody(request): JsonBody<ShareRequest>,
) -> Result<Response, ServerError> {
    let id = repository.create_or_update(&dataset, &request).await?;
    let body = CreateEntityResponse { id: id.object_id() };
    Ok(json_response(StatusCode::CREATED, &body))
}

/// `GET /v1/datasets/{datasetId}/collaboration/access`: `200` with the list.
pub(crate) async fn list<P: RepositoryProvider>(
    Caller(repository): Caller<P::Repository>,
    DatasetPath(dataset): DatasetPath,
) -> Result<Response, ServerError> {
    let configs = repository.list(&dataset).await?;
    Ok(json_response(StatusCode::OK, &*configs))
}

/// `DELETE /v1/datasets/{datasetId}/collaboration/access/{accessConfigId}`: `200`
/// with no body. A request body (Lightly's Python client sends `{}`) is ignored.
pub(crate) async fn delete<P: RepositoryProvider>(
    Caller(repository): Caller<P::Repository>,
    ids: ConfigPath,
    _: IgnoredBody,
) -> Result<StatusCode, ServerError> {
    repository.delete(&ids.dataset, &ids.config).await?;
    Ok(StatusCode::OK)
}

/// `GET /openapi.json`: the OpenAPI document, without authentication.
pub(crate) async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, APPLICATION_JSON)], OPENAPI_JSON)
}

/// The answer for a path no route has: `404` with an error body.
pub(crate) async fn route_not_found(uri: Uri) -> ServerError {
    ServerError::RouteNotFound {
        path: uri.path().to_owned(),
    }
}

/// The answer for a known path with another method: `405` with an error body (the
/// router adds the `Allow` header).
pub(crate) async fn method_not_allowed(method: Method, uri: Uri) -> ServerError {
    ServerError::MethodNotAllowed {
        method: method.to_string(),
        path: uri.path().to_owned(),
    }
}
