//! The control plane's routes under `/_collab`, each answering JSON.

use axum::Router;
use axum::extract::rejection::{FailedToBufferBody, StringRejection};
use axum::extract::{FromRequest, FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use collab_core::DatasetId;
use collab_core::admin::{StateAdmin, fresh_dataset_id, fresh_token};
use collab_core::fixtures::{Fixtures, UserFixture};
use collab_faults::{FaultId, FaultRule};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::control::error::ControlError;
use crate::control::snapshots::{
    forget_snapshot, list_snapshots, restore_snapshot, save_snapshot, verify_requests,
};
use crate::http::credentials::presented_token;
use crate::http::json::{APPLICATION_JSON, JsonRefusal, json_response, read_one_json};
use crate::journal::Filter;
use crate::provider::RepositoryProvider;
use crate::request::path::CONTROL_PREFIX;
use crate::state::AppState;

/// The OpenAPI document of the control plane (`GET /_collab/openapi.json`).
pub const CONTROL_OPENAPI_JSON: &str = include_str!("../../control-openapi.json");

/// Where a fixture document sent to the control plane is named in errors.
const STATE_BODY: &str = "the state";

/// The routes, to be nested under `/_collab`.
pub(crate) fn routes<P: RepositoryProvider>() -> Router<AppState<P>> {
    Router::new()
        .route("/health", get(health::<P>))
        .route("/state", get(get_state::<P>).put(put_state::<P>))
        .route("/reset", post(reset::<P>))
        .route("/users", post(add_user::<P>))
        .route("/datasets", post(add_dataset::<P>))
        .route(
            "/requests",
            get(read_journal::<P>).delete(clear_journal::<P>),
        )
        .route(
            "/faults",
            get(list_faults::<P>)
                .post(arm_fault::<P>)
                .delete(disarm_all::<P>),
        )
        .route("/faults/{id}", delete(disarm_fault::<P>))
        .route("/requests/verify", post(verify_requests::<P>))
        .route("/snapshots", get(list_snapshots::<P>))
        .route(
            "/snapshots/{name}",
            post(save_snapshot::<P>).delete(forget_snapshot::<P>),
        )
        .route("/snapshots/{name}/restore", post(restore_snapshot::<P>))
        .route("/openapi.json", get(openapi))
        .fallback(not_found)
}

/// A request that presented the admin token.
pub(crate) struct Admin;

impl<P: Send + Sync> FromRequestParts<AppState<P>> for Admin {
    type Rejection = ControlError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState<P>,
    ) -> Result<Self, Self::Rejection> {
        let control = state.control();
        if !control.is_open() {
            return Err(ControlError::Closed);
        }
        let presented = presented_token(parts).map_err(|_| ControlError::Unauthorized)?;
        if control.is_admin_token(&presented) {
            Ok(Self)
        } else {
            Err(ControlError::Unauthorized)
        }
    }
}

/// A JSON body of type `T`; an error names the path of what is wrong.
struct ControlJson<T>(T);

impl<P, T> FromRequest<AppState<P>> for ControlJson<T>
where
    P: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ControlError;

    async fn from_request(request: Request, state: &AppState<P>) -> Result<Self, Self::Rejection> {
        let text = body_text(request, state).await?;
        read_json(&text).map(Self)
    }
}

/// `text` as one JSON value of type `T` ([`read_one_json`]), refused as a `400`.
fn read_json<T: DeserializeOwned>(text: &str) -> Result<T, ControlError> {
    read_one_json(text)
        .map_err(|JsonRefusal { path, message }| ControlError::BadRequest { path, message })
}

/// The largest body the control plane accepts (`PUT /_collab/state` of a large state):
/// 64 MiB.
pub(crate) const CONTROL_BODY_LIMIT: usize = 64 * 1024 * 1024;

/// The body as text: `413` naming [`CONTROL_BODY_LIMIT`] when it runs past it (a body
/// of no declared length is cut there as it is read), `400` when it is not UTF-8.
pub(crate) async fn body_text<P: Send + Sync>(
    request: Request,
    state: &AppState<P>,
) -> Result<String, ControlError> {
    String::from_request(request, state)
        .await
        .map_err(|rejection| match rejection {
            StringRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_)) => {
                ControlError::TooLarge {
                    limit: CONTROL_BODY_LIMIT,
                }
            }
            other => ControlError::BadRequest {
                path: None,
                message: other.body_text(),
            },
        })
}

/// The store's administrative side; `501` when the server was built without one.
pub(crate) fn state_admin<P>(state: &AppState<P>) -> Result<&dyn StateAdmin, ControlError> {
    state.control().admin().ok_or(ControlError::NoState)
}

/// `GET /_collab/health`: no credential; `200` once the server serves.
async fn health<P: RepositoryProvider>(State(state): State<AppState<P>>) -> Response {
    let control = state.control();
    let journal = control.journal();
    json_response(
        StatusCode::OK,
        &json!({
            "status": "ok",
            "version": env!("CARGO_PKG_VERSION"),
            "controlPlane": if control.is_open() { "open" } else { "closed" },
            "state": control.admin().is_some(),
            "journal": { "size": journal.size(), "entries": journal.len() },
        }),
    )
}

/// `GET /_collab/state`: the whole state as a fixture document.
async fn get_state<P: RepositoryProvider>(
    _: Admin,
    State(state): State<AppState<P>>,
) -> Result<Response, ControlError> {
    let admin = state_admin(&state)?;
    let fixtures = admin.export().await?;
    Ok(json_response(StatusCode::OK, &fixtures))
}

/// How much a state holds, as the answer of a change.
#[derive(Serialize)]
struct Sizes {
    users: usize,
    datasets: usize,
    configs: usize,
}

impl Sizes {
    fn of(state: &Fixtures) -> Self {
        Self {
            users: state.users.len(),
            datasets: state.datasets.len(),
            configs: state.config_count(),
        }
    }
}

/// `PUT /_collab/state`: replaces the state with the document in the body, checked
/// whole first.
async fn put_state<P: RepositoryProvider>(
    _: Admin,
    State(state): State<AppState<P>>,
    request: Request,
) -> Result<Response, ControlError> {
    let admin = state_admin(&state)?;
    let text = body_text(request, &state).await?;
    let fixtures = Fixtures::from_json(&text, STATE_BODY)?.checked(STATE_BODY)?;
    for (i, user) in fixtures.users.iter().enumerate() {
        refuse_admin_token(&state, user, &format!("users[{i}].token"))?;
    }
    let _changing = state.control().lock_changes().await;
    admin.replace(&fixtures).await?;
    state.authenticate_users_of(&fixtures);
    Ok(json_response(StatusCode::OK, &Sizes::of(&fixtures)))
}

/// `POST /_collab/reset`: back to the state the server started with; the journal is
/// emptied.
async fn reset<P: RepositoryProvider>(
    _: Admin,
    State(state): State<AppState<P>>,
) -> Result<Response, ControlError> {
    let control = state.control();
    let (admin, start) = control
        .admin()
        .zip(control.start_state())
        .ok_or(ControlError::NoState)?;
    let _changing = control.lock_changes().await;
    admin.replace(start).await?;
    state.authenticate_users_of(start);
    control.journal().clear();
    control.reset_faults();
    Ok(json_response(StatusCode::OK, &Sizes::of(start)))
}

/// The body of `POST /_collab/users`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    name: String,
    token: Option<String>,
}

/// `POST /_collab/users`: `201` with the user's name and token (made when not given).
async fn add_user<P: RepositoryProvider>(
    _: Admin,
    State(state): State<AppState<P>>,
    ControlJson(new): ControlJson<NewUser>,
) -> Result<Response, ControlError> {
    let admin = state_admin(&state)?;
    let token = new.token.unwrap_or_else(fresh_token);
    let user = UserFixture::new(new.name, token.clone());
    refuse_admin_token(&state, &user, "token")?;
    let _changing = state.control().lock_changes().await;
    admin.add_user(&user).await?;
    state.authenticate_user(&user);
    Ok(json_response(
        StatusCode::CREATED,
        &json!({ "name": user.name, "token": token }),
    ))
}

/// The body of `POST /_collab/datasets`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewDataset {
    owner: String,
    id: Option<DatasetId>,
}

/// `POST /_collab/datasets`: `201` with the dataset's id (fresh when not given) and owner.
async fn add_dataset<P: RepositoryProvider>(
    _: Admin,
    State(state): State<AppState<P>>,
    ControlJson(new): ControlJson<NewDataset>,
) -> Result<Response, ControlError> {
    let admin = state_admin(&state)?;
    let id = new.id.unwrap_or_else(fresh_dataset_id);
    admin.add_dataset(id, &new.owner).await?;
    Ok(json_response(
        StatusCode::CREATED,
        &json!({ "id": id, "owner": new.owner }),
    ))
}

/// `GET /_collab/requests`: the journal, oldest first, filtered.
async fn read_journal<P: RepositoryProvider>(
    _: Admin,
    State(state): State<AppState<P>>,
    filter: Result<Query<Filter>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ControlError> {
    let Query(filter) = filter.map_err(|rejection| ControlError::BadRequest {
        path: Some("query".to_owned()),
        message: rejection.body_text(),
    })?;
    let entries = state.control().journal().read(&filter);
    Ok(json_response(StatusCode::OK, &entries))
}

/// `DELETE /_collab/requests`: empties the journal.
async fn clear_journal<P: RepositoryProvider>(
    _: Admin,
    State(state): State<AppState<P>>,
) -> Response {
    let journal = state.control().journal();
    let cleared = journal.len();
    journal.clear();
    json_response(StatusCode::OK, &json!({ "cleared": cleared }))
}

/// `GET /_collab/faults`: the armed rules, in arming order, with `matched` and `fired`.
async fn list_faults<P: RepositoryProvider>(
    _: Admin,
    State(state): State<AppState<P>>,
) -> Response {
    json_response(StatusCode::OK, &state.control().faults().rules())
}

/// `POST /_collab/faults`: arms the rule in the body; `201 {"id"}`. A bad rule is
/// refused naming the field, and nothing is armed.
async fn arm_fault<P: RepositoryProvider>(
    _: Admin,
    State(state): State<AppState<P>>,
    request: Request,
) -> Result<Response, ControlError> {
    let text = body_text(request, &state).await?;
    let rule = FaultRule::from_json(&text).map_err(|error| ControlError::BadRequest {
        path: Some(error.field().to_owned()).filter(|field| !field.is_empty()),
        message: error.to_string(),
    })?;
    let id = state.control().faults().arm(rule);
    Ok(json_response(
        StatusCode::CREATED,
        &json!({ "id": id.get() }),
    ))
}

/// `DELETE /_collab/faults/{id}`: disarms one rule.
async fn disarm_fault<P: RepositoryProvider>(
    _: Admin,
    State(state): State<AppState<P>>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Response, ControlError> {
    let id: FaultId = id
        .parse()
        .map_err(|_| ControlError::bad("id", format!("not a fault rule id: {id:?}")))?;
    if state.control().faults().disarm(id) {
        Ok(json_response(
            StatusCode::OK,
            &json!({ "removed": [id.get()] }),
        ))
    } else {
        Err(ControlError::NotFound(format!(
            "no fault rule {id} is armed"
        )))
    }
}

/// `DELETE /_collab/faults`: disarms every rule.
async fn disarm_all<P: RepositoryProvider>(_: Admin, State(state): State<AppState<P>>) -> Response {
    let faults = state.control().faults();
    let removed: Vec<u64> = faults.rules().iter().map(|armed| armed.id.get()).collect();
    faults.clear();
    json_response(StatusCode::OK, &json!({ "removed": removed }))
}

/// `GET /_collab/openapi.json`: the control plane's OpenAPI document, without a
/// credential.
async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, APPLICATION_JSON)],
        CONTROL_OPENAPI_JSON,
    )
}

/// Any other path under `/_collab` (the nested router sees the path without it).
async fn not_found(uri: axum::http::Uri) -> ControlError {
    ControlError::NotFound(format!("no control route {CONTROL_PREFIX}{}", uri.path()))
}

/// The admin token is no user's: a user given it is refused.
fn refuse_admin_token<P>(
    state: &AppState<P>,
    user: &UserFixture,
    path: &str,
) -> Result<(), ControlError> {
    match user.token() {
        Some(token) if state.control().is_admin_token(token) => Err(ControlError::bad(
            path,
            format!(
                "user {:?} cannot have the admin token: the admin token is no API user's",
                user.name
            ),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_one_json_value_and_nothing_after_it() {
        let read: serde_json::Value = read_json(r#" {"name": "ann"} "#).expect("one value");
        assert_eq!(read, serde_json::json!({"name": "ann"}));
        // Found by the fuzz target control_bodies: read up to the first value before.
        match read_json::<serde_json::Value>(r#"{"name": "ann"}/v1/*"#) {
            Err(ControlError::BadRequest { path, message }) => {
                assert_eq!(path, None);
                assert!(message.starts_with("trailing characters"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
}
