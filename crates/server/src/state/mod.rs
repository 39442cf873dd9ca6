//! What every request handler shares: [`AppState`], and what the control plane holds
//! ([`ControlPlane`](control_plane::ControlPlane)), which both the API (its fault
//! gate) and the control plane's routes read.

pub(crate) mod control_plane;

use std::sync::Arc;
use std::time::Duration;

use arc_swap::{ArcSwap, Guard};
use collab_core::fixtures::{Fixtures, UserFixture};
use secrecy::SecretString;

use crate::http::credentials::UserToken;
use crate::http::credentials::Users;
use crate::state::control_plane::ControlPlane;
use crate::{RepositoryProvider, ServerConfig};

/// The router's state: the provider, the users, the body's limits and the control
/// plane, behind one `Arc` so that cloning it per request is one reference count.
pub(crate) struct AppState<P> {
    shared: Arc<Shared<P>>,
}

struct Shared<P> {
    provider: P,
    /// The users of the config, who stay whatever the control plane does.
    configured: Vec<UserToken>,
    /// Those and the users of the state, replaced whole when the state changes. Read
    /// by every request without a lock or a reference count that the server's
    /// threads would contend for.
    users: ArcSwap<Users>,
    body_limit: usize,
    body_read_timeout: Duration,
    control: ControlPlane,
}

impl<P: RepositoryProvider> AppState<P> {
    pub(crate) fn new(config: ServerConfig<P>) -> Self {
        let (body_limit, body_read_timeout) = (config.body_limit(), config.body_read_timeout());
        let (provider, configured, control) = config.into_parts();
        let control = ControlPlane::new(control);
        let users = Users::new(all_users(&configured, control.start_state()));
        Self {
            shared: Arc::new(Shared {
                provider,
                configured,
                users: ArcSwap::from_pointee(users),
                body_limit,
                body_read_timeout,
                control,
            }),
        }
    }

    pub(crate) fn provider(&self) -> &P {
        &self.shared.provider
    }

    pub(crate) fn body_limit(&self) -> usize {
        self.shared.body_limit
    }

    /// How long the body extractors wait for a body to arrive.
    pub(crate) fn body_read_timeout(&self) -> Duration {
        self.shared.body_read_timeout
    }
}

impl<P> AppState<P> {
    /// The users the server authenticates now.
    pub(crate) fn users(&self) -> Guard<Arc<Users>> {
        self.shared.users.load()
    }

    /// Makes the users of `state` (and of the config) the ones the server
    /// authenticates.
    pub(crate) fn authenticate_users_of(&self, state: &Fixtures) {
        let users = Users::new(all_users(&self.shared.configured, Some(state)));
        self.shared.users.store(Arc::new(users));
    }

    /// Adds `user` (if they have a token) to the users the server authenticates, in
    /// place of a user of the same name.
    pub(crate) fn authenticate_user(&self, user: &UserFixture) {
        let Some(token) = user.token() else { return };
        // Made again if the users changed meanwhile: a change is never lost.
        self.shared.users.rcu(|held| {
            held.with(UserToken {
                name: user.name.clone(),
                token: SecretString::from(token.to_owned()),
            })
        });
    }

    /// The control plane.
    pub(crate) fn control(&self) -> &ControlPlane {
        &self.shared.control
    }
}

/// The configured users, then those of `state` that have a token.
fn all_users(configured: &[UserToken], state: Option<&Fixtures>) -> Vec<UserToken> {
    let from_state = state.into_iter().flat_map(|state| &state.users);
    configured
        .iter()
        .cloned()
        .chain(from_state.filter_map(|user| {
            Some(UserToken {
                name: user.name.clone(),
                token: SecretString::from(user.token()?.to_owned()),
            })
        }))
        .collect()
}

// Not derived: the derive would require `P: Clone`.
impl<P> Clone for AppState<P> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}
