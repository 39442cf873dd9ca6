//! The API's operations, the OpenAPI document, and the answers for unknown routes
//! and methods.

use axum::http::{Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use collab_core::wire::IncomingShareRequest;
use collab_core::{AccessConfigRepository, CreateEntityResponse};

use collab_faults::Operation;

use crate::api::auth::Caller;
use crate::api::extract::{ConfigPath, DatasetPath, IgnoredBody, JsonBody};
use crate::api::faults::{self, ArmedFaults};
use crate::api::openapi::{OPENAPI_2022_JSON, OPENAPI_JSON};
use crate::http::error::ServerError;
use crate::http::generation::AnsweredIn;
use crate::http::json::{APPLICATION_JSON, json_response, json_response_sized};
use crate::provider::RepositoryProvider;
use crate::request::notes::RequestNotes;

/// `POST /v1/datasets/{datasetId}/collaboration/access`: `201` with `{"id": ...}`.
/// Either generation's spelling is accepted; a caller nothing else placed is answered
/// in the generation its body is spelled in.
pub(crate) async fn create_or_update<P: RepositoryProvider>(
    faults: ArmedFaults,
    notes: RequestNotes,
    caller: Caller<P::Repository>,
    DatasetPath(dataset): DatasetPath,
    JsonBody(incoming): JsonBody<IncomingShareRequest>,
) -> Response {
    let generation = notes.placement().with_body(incoming.spelled_in);
    let call = (Operation::CreateOrUpdate, &dataset, &*caller.user);
    let mut response = faults::around(&faults, &notes, Some(call), async {
        match caller
            .repository
            .create_or_update(&dataset, &incoming.request)
            .await
        {
            Ok(id) => json_response(
                StatusCode::CREATED,
                &CreateEntityResponse { id: id.object_id() },
            ),
            Err(error) => ServerError::from(error).into_response(),
        }
    })
    .await;
    response.extensions_mut().insert(AnsweredIn(generation));
    response
}

/// `GET /v1/datasets/{datasetId}/collaboration/access`: `200` with the list, in the
/// caller's generation.
pub(crate) async fn list<P: RepositoryProvider>(
    faults: ArmedFaults,
    notes: RequestNotes,
    caller: Caller<P::Repository>,
    DatasetPath(dataset): DatasetPath,
) -> Response {
    let generation = notes.placement().generation;
    let call = (Operation::List, &dataset, &*caller.user);
    faults::around(&faults, &notes, Some(call), async {
        match caller.repository.list(&dataset).await {
            // A config takes 150 to 250 bytes on the wire with a user or two.
            Ok(configs) => json_response_sized(
                StatusCode::OK,
                &generation.on_wire(&*configs),
                2 + 256 * configs.len(),
            ),
            Err(error) => ServerError::from(error).into_response(),
        }
    })
    .await
}

/// `DELETE /v1/datasets/{datasetId}/collaboration/access/{accessConfigId}`: `200`
/// with no body. A request body (Lightly's Python client sends `{}`) is ignored.
pub(crate) async fn delete<P: RepositoryProvider>(
    faults: ArmedFaults,
    notes: RequestNotes,
    caller: Caller<P::Repository>,
    ids: ConfigPath,
    _: IgnoredBody,
) -> Response {
    let call = (Operation::Delete, &ids.dataset, &*caller.user);
    faults::around(&faults, &notes, Some(call), async {
        match caller.repository.delete(&ids.dataset, &ids.config).await {
            Ok(()) => StatusCode::OK.into_response(),
            Err(error) => ServerError::from(error).into_response(),
        }
    })
    .await
}

/// `GET /openapi.json`: the OpenAPI document of today's generation, without
/// authentication.
pub(crate) async fn openapi(faults: ArmedFaults, notes: RequestNotes) -> Response {
    faults::around(&faults, &notes, None, async {
        ([(header::CONTENT_TYPE, APPLICATION_JSON)], OPENAPI_JSON).into_response()
    })
    .await
}

/// `GET /openapi-2022.json`: the OpenAPI document of the 2022 generation, without
/// authentication.
pub(crate) async fn openapi_2022(faults: ArmedFaults, notes: RequestNotes) -> Response {
    faults::around(&faults, &notes, None, async {
        (
            [(header::CONTENT_TYPE, APPLICATION_JSON)],
            OPENAPI_2022_JSON,
        )
            .into_response()
    })
    .await
}

/// The answer for a path no route has: `404` with an error body.
pub(crate) async fn route_not_found(
    faults: ArmedFaults,
    notes: RequestNotes,
    uri: Uri,
) -> Response {
    faults::around(&faults, &notes, None, async {
        ServerError::RouteNotFound {
            path: uri.path().to_owned(),
        }
        .into_response()
    })
    .await
}

/// The answer for a known path with another method: `405` with an error body (the
/// router adds the `Allow` header).
pub(crate) async fn method_not_allowed(
    faults: ArmedFaults,
    notes: RequestNotes,
    method: Method,
    uri: Uri,
) -> Response {
    faults::around(&faults, &notes, None, async {
        ServerError::MethodNotAllowed {
            method: method.to_string(),
            path: uri.path().to_owned(),
        }
        .into_response()
    })
    .await
}
