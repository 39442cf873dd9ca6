//! What every request handler shares.

use std::sync::Arc;
use std::time::Duration;

use crate::auth::Users;
use crate::{RepositoryProvider, ServerConfig};

/// The router's state: the provider, the users and the body's limits, behind one `Arc`
/// so that cloning it per request is one reference count.
pub(crate) struct AppState<P> {
    shared: Arc<Shared<P>>,
}

struct Shared<P> {
    provider: P,
    users: Users,
    body_limit: usize,
    body_read_timeout: Duration,
}

impl<P: RepositoryProvider> AppState<P> {
    pub(crate) fn new(config: ServerConfig<P>) -> Self {
        let (body_limit, body_read_timeout) = (config.body_limit(), config.body_read_timeout());
        let (provider, users) = config.into_parts();
        Self {
            shared: Arc::new(Shared {
                provider,
                users: Users::new(users),
                body_limit,
                body_read_timeout,
            }),
        }
    }

    pub(crate) fn provider(&self) -> &P {
        &self.shared.provider
    }

    pub(crate) fn users(&self) -> &Users {
        &self.shared.users
    }

    pub(crate) fn body_limit(&self) -> usize {
        self.shared.body_limit
    }

    /// How long the body extractors wait for a body to arrive.
    pub(crate) fn body_read_timeout(&self) -> Duration {
        self.shared.body_read_timeout
    }
}

// Not derived: the derive would require `P: Clone`.
impl<P> Clone for AppState<P> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}
