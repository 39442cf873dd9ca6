//! Named snapshots of the whole state (`/_collab/snapshots`), and the journal's
//! verification (`POST /_collab/requests/verify`): what a test suite asserts with and
//! goes back to.

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use collab_core::admin::SnapshotName;

use crate::control::error::ControlError;
use crate::control::routes::{Admin, body_text, state_admin};
use crate::control::verify::Verification;
use crate::http::json::json_response;
use crate::journal::Filter;
use crate::provider::RepositoryProvider;
use crate::state::AppState;

/// The name of the path, checked: a 400 naming `name` when it is not one.
fn snapshot_name(name: &str) -> Result<SnapshotName, ControlError> {
    name.parse()
        .map_err(|error: collab_core::admin::AdminError| {
            ControlError::bad("name", error.to_string())
        })
}

/// `POST /_collab/snapshots/{name}`: saves the whole state under `name` (the same name
/// replaces); `201` with its listing.
pub(crate) async fn save_snapshot<P: RepositoryProvider>(
    _: Admin,
    State(state): State<AppState<P>>,
    Path(name): Path<String>,
) -> Result<Response, ControlError> {
    let name = snapshot_name(&name)?;
    let admin = state_admin(&state)?;
    let _changing = state.control().lock_changes().await;
    let info = admin.save_snapshot(&name).await?;
    Ok(json_response(StatusCode::CREATED, &info))
}

/// `GET /_collab/snapshots`: the saved snapshots with their times and sizes, by name.
pub(crate) async fn list_snapshots<P: RepositoryProvider>(
    _: Admin,
    State(state): State<AppState<P>>,
) -> Result<Response, ControlError> {
    let admin = state_admin(&state)?;
    let snapshots = admin.snapshots().await?;
    Ok(json_response(
        StatusCode::OK,
        &serde_json::json!({ "snapshots": snapshots }),
    ))
}

/// `POST /_collab/snapshots/{name}/restore`: makes the snapshot the state (ids and
/// times as saved); the users it holds authenticate from then on.
pub(crate) async fn restore_snapshot<P: RepositoryProvider>(
    _: Admin,
    State(state): State<AppState<P>>,
    Path(name): Path<String>,
) -> Result<Response, ControlError> {
    let name = snapshot_name(&name)?;
    let admin = state_admin(&state)?;
    let _changing = state.control().lock_changes().await;
    let restored = admin.restore_snapshot(&name).await?;
    state.authenticate_users_of(&restored);
    Ok(json_response(
        StatusCode::OK,
        &serde_json::json!({
            "restored": name.as_str(),
            "users": restored.users.len(),
            "datasets": restored.datasets.len(),
            "configs": restored.config_count(),
        }),
    ))
}

/// `DELETE /_collab/snapshots/{name}`: forgets the snapshot.
pub(crate) async fn forget_snapshot<P: RepositoryProvider>(
    _: Admin,
    State(state): State<AppState<P>>,
    Path(name): Path<String>,
) -> Result<Response, ControlError> {
    let name = snapshot_name(&name)?;
    let admin = state_admin(&state)?;
    let _changing = state.control().lock_changes().await;
    admin.forget_snapshot(&name).await?;
    Ok(json_response(
        StatusCode::OK,
        &serde_json::json!({ "forgotten": name.as_str() }),
    ))
}

/// `POST /_collab/requests/verify`: a pattern and a count checked against the journal;
/// `200` with `{"held", "count", "nearest"}`, or `400` naming the pattern's bad field.
pub(crate) async fn verify_requests<P: RepositoryProvider>(
    _: Admin,
    State(state): State<AppState<P>>,
    request: Request,
) -> Result<Response, ControlError> {
    let text = body_text(request, &state).await?;
    let verification = Verification::parse(&text)
        .map_err(|error| ControlError::bad(error.field, error.message))?;
    let entries: Vec<serde_json::Value> = state
        .control()
        .journal()
        .read(&Filter::default())
        .iter()
        .map(|entry| serde_json::to_value(entry).unwrap_or_default())
        .collect();
    Ok(json_response(StatusCode::OK, &verification.check(&entries)))
}
