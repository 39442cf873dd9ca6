//! Fault rules on the API's routes: [`around`], which asks the armed rules
//! (`collab-faults`, the same matching as the in-process decorator) about a call once
//! its request is read, and answers as the rule says.
//!
//! Only what only a connection can do is the server's own: dropping it without an
//! answer ([`NoAnswer`]) and never answering (a hang, ended by the client or the
//! request timeout).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use collab_core::DatasetId;
use collab_faults::{Call, DropMode, FaultAction, Faults, Operation};

use crate::http::cause::NoAnswer;
use crate::http::error::ServerError;
use crate::provider::RepositoryProvider;
use crate::request::notes::RequestNotes;
use crate::state::AppState;

/// The fault rules an API request is checked against: none when no rule is armed as
/// it arrives, as in most runs, which then costs one atomic load and nothing the
/// server's threads contend for.
pub(crate) struct ArmedFaults(Option<Faults>);

impl<P: RepositoryProvider> FromRequestParts<AppState<P>> for ArmedFaults {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        _parts: &mut Parts,
        state: &AppState<P>,
    ) -> Result<Self, Self::Rejection> {
        let faults = state.control().faults();
        Ok(Self(faults.any_armed().then(|| faults.clone())))
    }
}

/// The answer to `operation` on `dataset` as `user`, once its request was read: what
/// the armed rules say (after a rule's delay: its status, a dropped connection, or no
/// answer ever), around what `run` answers when they let it run. With `applied`, `run`
/// runs first and the rule's status replaces its answer if it succeeded.
pub(crate) async fn around(
    ArmedFaults(faults): &ArmedFaults,
    notes: &RequestNotes,
    (operation, dataset, user): (Operation, &DatasetId, &str),
    run: impl Future<Output = Response>,
) -> Response {
    let call = Call {
        operation,
        dataset: Some(dataset),
        user: Some(user),
    };
    let Some(fired) = faults.as_ref().and_then(|faults| faults.check(&call)) else {
        return run.await;
    };
    notes.note_fault(fired.rule.get());
    let action = fired.action;
    if let Some(delay) = action.delay {
        tokio::time::sleep(delay).await;
    }
    match action.drop {
        Some(DropMode::Reset) => return no_answer(),
        Some(DropMode::Hang) => std::future::pending::<()>().await,
        _ => {}
    }
    let Some(refusal) = injected(&action) else {
        return run.await;
    };
    if !action.applied {
        return refusal;
    }
    let answer = run.await;
    if answer.status().is_success() {
        refusal
    } else {
        answer
    }
}

/// The answer of an action's status, if it sets one.
fn injected(action: &FaultAction) -> Option<Response> {
    let (status, body) = action.error_response()?;
    let status = StatusCode::from_u16(status).ok()?;
    Some(
        ServerError::Injected {
            status,
            body,
            retry_after: action.retry_after,
        }
        .into_response(),
    )
}

/// A response that stands for no answer at all (see [`NoAnswer`]).
fn no_answer() -> Response {
    let mut response = ServerError::Injected {
        status: StatusCode::SERVICE_UNAVAILABLE,
        body: collab_core::ApiErrorResponse::new(
            collab_core::ApiErrorCode::Unknown("CONNECTION_DROPPED".into()),
            "injected fault: the connection is dropped",
        ),
        retry_after: None,
    }
    .into_response();
    response.headers_mut().insert(
        header::CONNECTION,
        axum::http::HeaderValue::from_static("close"),
    );
    response.extensions_mut().insert(NoAnswer);
    response
}
