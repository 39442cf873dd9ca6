//! Who is calling: the repository acting as a request's authenticated user.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use collab_core::Error;

use crate::http::credentials::presented_token;
use crate::http::error::ServerError;
use crate::provider::RepositoryProvider;
use crate::request::notes::note_user;
use crate::state::AppState;

/// The repository acting as the authenticated caller of a request, and the caller's
/// name.
///
/// Rejects the request with `401` when it carries no token or one no user has.
/// Records the user's name (never the token) in the request's log span.
pub(crate) struct Caller<R> {
    pub(crate) repository: R,
    /// The caller's own copy of the name (see [`RequestNotes`](crate::request::notes::RequestNotes)).
    pub(crate) user: Box<str>,
}

impl<P: RepositoryProvider> FromRequestParts<AppState<P>> for Caller<P::Repository> {
    type Rejection = ServerError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState<P>,
    ) -> Result<Self, Self::Rejection> {
        let token = presented_token(parts)?;
        let users = state.users();
        let user = users.find(&token).ok_or_else(|| Error::Unauthorized {
            message: "the token is not known".into(),
        })?;
        note_user(&parts.extensions, user);
        Ok(Self {
            repository: state.provider().for_user(user),
            user: user.into(),
        })
    }
}
