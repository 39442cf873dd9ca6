//! The router: routes, fallbacks and the middleware stack around them.

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::routing::{delete, get};
use tower::ServiceBuilder;
use tower::util::BoxCloneSyncService;
use tower_http::catch_panic::{CatchPanic, CatchPanicLayer};
use tower_http::limit::RequestBodyLimitLayer;

use axum::http::StatusCode;
use axum::response::Response;

use crate::api::access_routes::{ACCESS_CONFIG_PATH, ACCESS_PATH, AccessRoutes};
use crate::api::{handlers, versions};
use crate::control;
use crate::control::routes::CONTROL_BODY_LIMIT;
use crate::http::cause::Cause;
use crate::http::generation::ErrorBody;
use crate::middleware::answers::{FinishAnswers, FinishAnswersLayer};
use crate::middleware::declared_length::{DeclaredLength, DeclaredLengthLayer};
use crate::middleware::panic::answer_panic;
use crate::middleware::record::{Record, RecordLayer};
use crate::middleware::timeout::{RequestTimeout, RequestTimeoutLayer};
use crate::request::path::CONTROL_PREFIX;
use crate::state::AppState;
use crate::{RepositoryProvider, Server, ServerConfig};

/// The axum [`Router`] serving Lightly's Collaboration API over `config`'s provider.
///
/// Routes:
///
/// - `POST /v1/datasets/{datasetId}/collaboration/access` → `201 {"id": ...}`
/// - `GET /v1/datasets/{datasetId}/collaboration/access` → `200 [SharedAccessConfigData]`
/// - `DELETE /v1/datasets/{datasetId}/collaboration/access/{accessConfigId}` → `200`,
///   no body (a request body such as `{}` is accepted and ignored)
/// - `GET /openapi.json` → the [`OPENAPI_JSON`](crate::OPENAPI_JSON) document (today's
///   generation), `GET /openapi-2022.json` → [`OPENAPI_2022_JSON`](crate::OPENAPI_2022_JSON);
///   no authentication
/// - `GET /v1/versions/pip/minimum` and `GET /v1/versions/pip/latest` → a JSON string
///   ([`MINIMUM_CLIENT_VERSION`](crate::MINIMUM_CLIENT_VERSION),
///   [`LATEST_CLIENT_VERSION`](crate::LATEST_CLIENT_VERSION)), no authentication: Lightly's
///   clients call them when they start
///
/// # Generations of the wire
///
/// Requests are read in either generation's spelling (`teams` or `organizations`, an
/// optional `creator`). Answers (the list and every error body) are written in one
/// generation, chosen by [`ServerConfig::with_wire_mode`]: pinned, or with
/// [`WireMode::Auto`](crate::WireMode::Auto) (the default) the caller's, placed by its
/// `User-Agent` when it is one of Lightly's official clients
/// ([`WireGeneration::from_user_agent`](collab_core::wire::WireGeneration::from_user_agent)),
/// else by the spelling of its body, else today's. An answer never holds a field the
/// caller's generation rejects.
///
/// Every API route needs a token of a user added with
/// [`ServerConfig::with_user`]: in the `token` query parameter (Lightly's
/// `ApiKeyAuth`) or an `Authorization: Bearer` header (`auth0Bearer`); when both are
/// sent, the query parameter is used. The request then acts through
/// [`RepositoryProvider::for_user`] as that user.
///
/// Every failure of a request that reaches the router answers a `4xx` (or, for a
/// failing backend, `5xx`) with an `ApiErrorResponse` body, `{"code": ..., "error":
/// ...}` today and `{"code": ..., "message": ...}` for a 2022 caller: errors of the port are mapped by
/// [`collab_core::wire::error_to_response`]; a malformed id or body is `400`, and so
/// is a body not complete within [`ServerConfig::body_read_timeout`]; missing
/// credentials `401`, a body not declared as JSON `415`, a body over the limit `413`,
/// an unknown path `404`, a known path with another method `405`, a request over the
/// timeout `503`, and a panic in the backend `500`. The server's own `503`s (timeout,
/// connection limit, an unavailable backend) carry `Retry-After: 1`; a fault rule's
/// answer carries it only when the rule sets `retryAfter`.
///
/// Only requests that hyper can parse reach the router. Those it rejects at the
/// protocol level (a malformed request line or header, a URI or header section over
/// hyper's limits) get hyper's own `400`, `414` or `431`, without a body; no router
/// can change that.
///
/// Each answered request is logged with one `tracing` event at `INFO` (`DEBUG` under
/// `/_collab`), target [`ACCESS_LOG_TARGET`](crate::ACCESS_LOG_TARGET), with `method`,
/// `path` without the query string, `user` (once authenticated), `status`,
/// `latency_ms`, `request_id` and, when a fault rule fired, `fault`; at `DEBUG`, a
/// `request` span with the same `method`, `path` and `user` surrounds what is logged
/// while a request is answered.
///
/// Use it to mount the API inside a larger axum application, or [`bind`](crate::bind)
/// to serve it on its own. Mounted with `nest_service("/prefix", router(config))`,
/// it answers under the prefix with everything above (tested in `tests/behaviour/mount.rs`);
/// the connection settings of [`ServerConfig`] (header, idle and write deadlines,
/// the connection limit, the lingering close, the shutdown grace) are
/// [`bind`](crate::bind)'s, and the host's server applies its own instead.
pub fn router<P: RepositoryProvider>(config: ServerConfig<P>) -> Router {
    Router::new().fallback_service(layered_router_and_record(config).0)
}

impl<P: RepositoryProvider> Server<P> {
    /// Its API as an axum [`Router`], as [`router`] makes it: to mount in a host
    /// application, whose own server then applies its connection settings.
    pub fn router(self) -> Router {
        router(self.into_config())
    }
}

/// The [`router`] as the server serves it: the routes inside the layers every request
/// passes, and its record layer (the request journal and the access log), which the
/// connections' own refusals (the busy `503`s) are recorded by too.
pub(crate) fn layered_router_and_record<P: RepositoryProvider>(
    config: ServerConfig<P>,
) -> (LayeredRouter, RecordLayer) {
    let (timeout, limit) = (config.request_timeout(), config.body_limit());
    let wire_mode = config.wire_mode();
    let access_log = config.access_log();
    let state = AppState::new(config);
    let record = RecordLayer::new(
        Some(Arc::clone(state.control().journal())),
        wire_mode,
        access_log,
    );
    let access = get(handlers::list::<P>).post(handlers::create_or_update::<P>);
    let config = delete(handlers::delete::<P>);
    let api = Router::new()
        .route(ACCESS_PATH, access)
        .route(ACCESS_CONFIG_PATH, config)
        .route("/openapi.json", get(handlers::openapi))
        .route("/openapi-2022.json", get(handlers::openapi_2022))
        .route("/v1/versions/pip/minimum", get(versions::minimum))
        .route("/v1/versions/pip/latest", get(versions::latest));
    // A state document of many configs is larger than any API request: the control
    // plane has a limit of its own.
    // tower-http's limit answers a bare `413`; the layer around it says which limit
    // applied, for the finishing layer to name.
    let control = control::routes::routes::<P>().layer(
        ServiceBuilder::new()
            .layer(axum::middleware::map_response(mark_control_limit))
            .layer(RequestBodyLimitLayer::new(CONTROL_BODY_LIMIT))
            .layer(DefaultBodyLimit::max(CONTROL_BODY_LIMIT)),
    );
    let routes = api
        .merge(control::dashboard::routes())
        .nest(CONTROL_PREFIX, control)
        .fallback(handlers::route_not_found)
        .method_not_allowed_fallback(handlers::method_not_allowed)
        .with_state(state.clone());
    // The three operations, matched before the router (which has them too).
    let routes = AccessRoutes::new(
        BoxCloneSyncService::new(handlers::list::<P>.with_state(state.clone())),
        BoxCloneSyncService::new(handlers::create_or_update::<P>.with_state(state.clone())),
        BoxCloneSyncService::new(handlers::delete::<P>.with_state(state)),
        routes,
    );
    // Outermost first, around the whole router rather than each route (which
    // `Router::layer` would box once more per request). The record sees the final
    // answer; the finishing layer places the caller, gives the bare answers of the
    // layers below it an error body and writes error bodies in the caller's
    // generation. The API's body extractors read within `limit` themselves.
    let layered = ServiceBuilder::new()
        .layer(record.clone())
        .layer(FinishAnswersLayer::new(wire_mode, timeout))
        .layer(CatchPanicLayer::custom(answer_panic as PanicAnswer))
        .layer(RequestTimeoutLayer::new(timeout))
        .layer(DeclaredLengthLayer::new(limit))
        .service(routes);
    (layered, record)
}

/// The router inside the layers every request passes, as
/// [`layered_router_and_record`] makes it.
pub(crate) type LayeredRouter =
    Record<FinishAnswers<CatchPanic<RequestTimeout<DeclaredLength<AccessRoutes>>, PanicAnswer>>>;

/// The answer to a panic, as tower-http's `CatchPanic` takes it.
type PanicAnswer = fn(Box<dyn std::any::Any + Send + 'static>) -> Response;

/// Marks the bare `413` of the control plane's body limit with the limit that applied.
async fn mark_control_limit<B>(mut response: Response<B>) -> Response<B> {
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE
        && response.extensions().get::<ErrorBody>().is_none()
    {
        response.extensions_mut().insert(Cause::TooLarge {
            limit: CONTROL_BODY_LIMIT,
        });
    }
    response
}
