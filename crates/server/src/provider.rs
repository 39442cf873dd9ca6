//! Where the server gets a repository for the caller: [`RepositoryProvider`].

use collab_core::AccessConfigRepository;

/// Gives the server a repository that acts as an authenticated user.
///
/// The server authenticates each request (see [`ServerConfig::with_user`]) and then
/// asks the provider for a repository acting as that user; the repository decides
/// what the user may do (only a dataset's owner manages its sharing). It is called
/// once per authenticated request, so it should be cheap: a handle onto shared state,
/// not a new connection.
///
/// Any `Fn(&str) -> R` closure is a provider:
///
/// ```
/// use collab_server::RepositoryProvider;
///
/// let store = collab_fake::InMemoryStore::new();
/// let provider = move |user: &str| store.session(user);
/// let session = provider.for_user("alice");
/// assert_eq!(session.user(), "alice");
/// ```
///
/// [`ServerConfig::with_user`]: crate::ServerConfig::with_user
pub trait RepositoryProvider: Send + Sync + 'static {
    /// The repository the server calls for one request.
    type Repository: AccessConfigRepository + 'static;

    /// The repository acting as this authenticated user.
    fn for_user(&self, user: &str) -> Self::Repository;
}

impl<F, R> RepositoryProvider for F
where
    F: Fn(&str) -> R + Send + Sync + 'static,
    R: AccessConfigRepository + 'static,
{
    type Repository = R;

    fn for_user(&self, user: &str) -> R {
        self(user)
    }
}
