//! What the layers and handlers learn of a request as it is answered:
//! [`RequestNotes`], the one request extension they share, and the ids of a request
//! that the API's routes matched ([`AccessIds`]).

use std::sync::{Arc, OnceLock};

use axum::body::Bytes;
use collab_core::wire::WireGeneration;
use collab_core::{AccessConfigId, DatasetId};
use tracing::Span;

use crate::http::generation::{Placement, WireMode};
use crate::request::id::RequestId;

/// The ids of a request that the API's routes matched before the router.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AccessIds {
    pub(crate) dataset: DatasetId,
    /// The `{accessConfigId}` of a delete.
    pub(crate) config: Option<AccessConfigId>,
}

/// What the layers and handlers know of a request for its record: its id and
/// placement, made when it arrives, and what the handlers learn (the authenticated
/// user, the dataset of its path, its body, the fault rule that fired on it), each set
/// at most once. One request extension, so that a request pays for one.
#[derive(Debug, Clone)]
pub(crate) struct RequestNotes(Arc<Notes>);

#[derive(Debug)]
struct Notes {
    id: RequestId,
    placement: Placement,
    /// The request's own copy: a name shared by every request would be a reference
    /// count that the server's threads contend for.
    user: OnceLock<Box<str>>,
    dataset: OnceLock<DatasetId>,
    /// The ids of a request that the API's routes matched before the router.
    route: OnceLock<AccessIds>,
    body: OnceLock<Bytes>,
    fault: OnceLock<u64>,
}

impl RequestNotes {
    /// The notes of a request that arrived with `id`, placed at `placement`.
    pub(crate) fn new(id: RequestId, placement: Placement) -> Self {
        Self(Arc::new(Notes {
            id,
            placement,
            user: OnceLock::new(),
            dataset: OnceLock::new(),
            route: OnceLock::new(),
            body: OnceLock::new(),
            fault: OnceLock::new(),
        }))
    }

    /// The request's id.
    pub(crate) fn id(&self) -> &RequestId {
        &self.0.id
    }

    /// Where the request was placed before its body was read.
    pub(crate) fn placement(&self) -> Placement {
        self.0.placement
    }

    /// Notes `user` as the caller of the request.
    pub(crate) fn note_user(&self, user: &str) {
        let _ = self.0.user.set(user.into());
    }

    /// Notes the ids of a request that the API's routes matched.
    pub(crate) fn note_route(&self, ids: AccessIds) {
        let _ = self.0.route.set(ids);
    }

    /// The ids the API's routes matched, if they did.
    pub(crate) fn route(&self) -> Option<AccessIds> {
        self.0.route.get().copied()
    }

    /// Notes the dataset the request's path names.
    pub(crate) fn note_dataset(&self, dataset: DatasetId) {
        let _ = self.0.dataset.set(dataset);
    }

    /// Notes the request's body as received.
    pub(crate) fn note_body(&self, body: &Bytes) {
        let _ = self.0.body.set(body.clone());
    }

    /// The authenticated user, once noted.
    pub(crate) fn user(&self) -> Option<&str> {
        self.0.user.get().map(|user| &**user)
    }

    /// The dataset of the path, once a handler read it.
    pub(crate) fn dataset(&self) -> Option<DatasetId> {
        self.0.dataset.get().copied()
    }

    /// The request's body as received, once read.
    pub(crate) fn body(&self) -> Option<&Bytes> {
        self.0.body.get()
    }

    /// The fault rule that fired on the request, if one did.
    pub(crate) fn fault(&self) -> Option<u64> {
        self.0.fault.get().copied()
    }

    /// Notes the fault rule that fired on the request.
    pub(crate) fn note_fault(&self, rule: u64) {
        let _ = self.0.fault.set(rule);
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for RequestNotes {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        // Without the record layer (a router used in an unusual way), notes go nowhere
        // and the request is answered in today's generation.
        Ok(notes(&parts.extensions).cloned().unwrap_or_else(|| {
            Self::new(
                RequestId::fresh(),
                Placement::of(WireMode::Pinned(WireGeneration::Current), &parts.headers),
            )
        }))
    }
}

/// The notes of a request, if the record layer runs (a router used without it has none).
pub(crate) fn notes(extensions: &axum::http::Extensions) -> Option<&RequestNotes> {
    extensions.get::<RequestNotes>()
}

/// Notes `user` for the record and in the current `request` span.
pub(crate) fn note_user(extensions: &axum::http::Extensions, user: &str) {
    if let Some(notes) = notes(extensions) {
        notes.note_user(user);
    }
    // The `request` span is a `DEBUG` one: below that, finding it would be wasted.
    if tracing::enabled!(tracing::Level::DEBUG) {
        Span::current().record("user", tracing::field::display(user));
    }
}
