//! Fault rules on the API's routes: [`around`], which asks the armed rules
//! (`collab-faults`, the same matching as the in-process decorator) about a request
//! once it is read, and answers as the rule says.
//!
//! Every route but the control plane's passes it: the three operations (matched by
//! `operation` and `path`, with their dataset and user), the version routes, the
//! OpenAPI documents and unknown routes (matched by `path` alone). What a fault does
//! to the answer is made here: the rule's exact status, headers and body
//! ([`ExactAnswer`], or the API's error body in the caller's generation), its delay.
//! What only the connection can do is marked on the answer for the connection layer
//! (`serve/`): closing without an answer ([`NoAnswer`] and its [`Closing`]), cutting
//! the body or dribbling it ([`Delivery`]). A hang is never answering, ended by the
//! client or the request timeout.

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use collab_core::DatasetId;
use collab_faults::{AnswerBody, DropMode, FaultAnswer, Faults, Fired, Operation, RequestInfo};

use crate::http::cause::{Closing, Delivery, ExactAnswer, NoAnswer};
use crate::http::error::ServerError;
use crate::provider::RepositoryProvider;
use crate::request::notes::RequestNotes;
use crate::request::path::is_control_path;
use crate::state::AppState;

/// The fault rules a request is checked against, with its URI: none for the control
/// plane's paths, and none when no rule is armed as it arrives, as in most runs, which then costs one atomic load and
/// nothing the server's threads contend for.
pub(crate) struct ArmedFaults(Option<(Faults, Uri)>);

impl<P: RepositoryProvider> FromRequestParts<AppState<P>> for ArmedFaults {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState<P>,
    ) -> Result<Self, Self::Rejection> {
        let faults = state.control().faults();
        // The control plane is never faulted: a test must be able to disarm a rule
        // that matches every path.
        let armed = faults.any_armed() && !is_control_path(parts.uri.path());
        Ok(Self(armed.then(|| (faults.clone(), parts.uri.clone()))))
    }
}

/// What a request is, for the rules: one of the three operations on a dataset as a
/// user, or (`None`) any other route, matched by its path alone.
pub(crate) type Scope<'a> = Option<(Operation, &'a DatasetId, &'a str)>;

/// The answer to a request of `scope`, once it was read: what the armed rules say
/// (after a rule's delay: its exact answer, a connection closed or cut, a dribbled
/// body, or no answer ever), around what `run` answers when they let it run. With
/// `applied`, `run` runs first and the rule's answer replaces its own if it
/// succeeded; with `drop: "truncate"`, `run`'s answer is the one cut.
///
/// The rules are asked at once. When none fires, as in most requests, the answer is
/// `run` itself; only a fired rule's answer is boxed, so that what a rule can do
/// (a delay's timer, the rule's answer) does not grow every request's future: the
/// router boxes each handler's future, and one over 1 KiB leaves the allocator's
/// per-thread cache for its slower path (measured in `docs/decisions.md`).
pub(crate) fn around<'a, F>(
    ArmedFaults(armed): &ArmedFaults,
    notes: &RequestNotes,
    scope: Scope<'_>,
    run: F,
) -> Around<'a, F>
where
    F: Future<Output = Response> + Send + 'a,
{
    let fired = armed.as_ref().and_then(|(faults, uri)| {
        let request = RequestInfo::new(uri.path());
        let request = match scope {
            Some((operation, dataset, user)) => request
                .with_operation(operation)
                .on_dataset(dataset)
                .as_user(user),
            None => request,
        };
        faults.check_request(&request)
    });
    match fired {
        None => Around::Running { run },
        Some(fired) => {
            notes.note_fault(fired.rule.get());
            Around::Faulted {
                answer: Box::pin(answer_fired(fired, run)),
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`around`]: `run` as it is, or a fired rule's answer.
    #[project = AroundProjection]
    pub(crate) enum Around<'a, F> {
        Running { #[pin] run: F },
        Faulted { answer: Pin<Box<dyn Future<Output = Response> + Send + 'a>> },
    }
}

impl<F: Future<Output = Response>> Future for Around<'_, F> {
    type Output = Response;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        match self.project() {
            AroundProjection::Running { run } => run.poll(cx),
            AroundProjection::Faulted { answer } => answer.as_mut().poll(cx),
        }
    }
}

/// The answer of a request a rule fired on (see [`around`]).
async fn answer_fired(fired: Fired, run: impl Future<Output = Response>) -> Response {
    if let Some(delay) = fired.delay {
        tokio::time::sleep(delay).await;
    }
    let Fired {
        action, garbage, ..
    } = fired;
    let closing = match action.drop {
        Some(DropMode::Hang) => std::future::pending().await,
        Some(DropMode::Truncate) => return delivered(run.await, Some(Delivery::Truncated)),
        Some(DropMode::Reset) => Some(Closing::Reset),
        Some(DropMode::Empty) => Some(Closing::Clean),
        Some(DropMode::Garbage) => Some(Closing::Garbage(garbage.unwrap_or_default().into())),
        // A drop mode of a later version: closing is the least surprising.
        Some(_) => Some(Closing::Reset),
        None => None,
    };
    if let Some(closing) = closing {
        return no_answer(closing);
    }
    let dribble = action.dribble.map(|dribble| Delivery::Dribbled {
        chunks: dribble.chunks,
        over: dribble.over,
    });
    let Some(answer) = action.answer() else {
        return delivered(run.await, dribble);
    };
    let answer = if action.applied {
        let own = run.await;
        if !own.status().is_success() {
            return delivered(own, dribble);
        }
        exact(answer)
    } else {
        exact(answer)
    };
    delivered(answer, dribble)
}

/// `response`, marked to be sent as `delivery` says.
fn delivered(mut response: Response, delivery: Option<Delivery>) -> Response {
    if let Some(delivery) = delivery {
        response.extensions_mut().insert(delivery);
    }
    response
}

/// The rule's answer as it says: its status, its headers and its body; the API's
/// error body is written in the caller's generation by the finishing layer, any
/// other body is sent as it is ([`ExactAnswer`]).
fn exact(answer: FaultAnswer) -> Response {
    let FaultAnswer {
        status,
        headers,
        body,
    } = answer;
    // A parsed rule's status is 200..=599, which `from_u16` takes.
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = match body {
        AnswerBody::Error(body) => ServerError::Injected {
            status,
            body,
            // The answer's own headers carry it, when the rule sets one.
            retry_after: None,
        }
        .into_response(),
        AnswerBody::Bytes(bytes) => {
            let mut response = (status, bytes).into_response();
            // Only the rule's own content type, if any (axum set one for bytes).
            response.headers_mut().remove(header::CONTENT_TYPE);
            response.extensions_mut().insert(ExactAnswer);
            response
        }
        // A body of a later version: the status alone.
        _ => {
            let mut response = status.into_response();
            response.extensions_mut().insert(ExactAnswer);
            response
        }
    };
    for (name, value) in headers {
        // A parsed rule's headers are valid; a hand-built one's that are not are
        // left out rather than failing the answer.
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            (Ok(name), Ok(value)) => {
                response.headers_mut().append(name, value);
            }
            _ => {
                tracing::debug!(header = %name, "a fault rule's header is not valid HTTP: left out")
            }
        }
    }
    response
}

/// A response that stands for no answer at all, closed as `closing` says (see
/// [`NoAnswer`]).
fn no_answer(closing: Closing) -> Response {
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
    response.extensions_mut().insert(NoAnswer(closing));
    response
}
