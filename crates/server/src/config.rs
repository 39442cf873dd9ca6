//! How a server is set up: [`ServerConfig`].

use std::fmt;
use std::time::Duration;

use secrecy::SecretString;

use crate::WireMode;

/// The largest request body accepted by default: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// How long a request may take by default before the server answers `503`.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a request body may take to arrive by default before the server answers
/// `400`: a client that announces more than it sends is at fault, and must not be
/// told to retry.
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Everything [`router`](crate::router) and [`bind`](crate::bind) need: the provider of
/// repositories, the users and their API tokens, and the limits.
///
/// Tokens are held as [`SecretString`]; `Debug` shows user names, never tokens.
///
/// ```
/// use std::time::Duration;
/// use collab_server::ServerConfig;
///
/// let store = collab_fake::InMemoryStore::new();
/// let config = ServerConfig::new(move |user: &str| store.session(user))
///     .with_user("alice", "alice-token")
///     .with_request_timeout(Duration::from_secs(5))
///     .with_body_read_timeout(Duration::from_secs(2))
///     .with_body_limit(64 * 1024);
/// assert!(!format!("{config:?}").contains("alice-token"));
/// ```
pub struct ServerConfig<P> {
    provider: P,
    users: Vec<UserToken>,
    request_timeout: Duration,
    body_read_timeout: Duration,
    body_limit: usize,
    wire_mode: WireMode,
}

/// One user the server knows, with the token that authenticates them.
pub(crate) struct UserToken {
    pub(crate) name: String,
    pub(crate) token: SecretString,
}

impl<P> ServerConfig<P> {
    /// A server over `provider` with no users yet (every API request answers `401`),
    /// [`DEFAULT_REQUEST_TIMEOUT`], [`DEFAULT_BODY_READ_TIMEOUT`] and
    /// [`DEFAULT_BODY_LIMIT`].
    pub fn new(provider: P) -> Self {
        Self {
            provider,
            users: Vec::new(),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
            body_limit: DEFAULT_BODY_LIMIT,
            wire_mode: WireMode::Auto,
        }
    }

    /// Adds a user: a request carrying `token` (as `?token=` or `Authorization: Bearer`)
    /// acts as the user `name`, which is the id the provider is asked for.
    ///
    /// Adding a name again replaces its token. An empty token never authenticates
    /// anyone. If two users share a token, the one added first wins.
    pub fn with_user(mut self, name: impl Into<String>, token: impl Into<SecretString>) -> Self {
        let (name, token) = (name.into(), token.into());
        match self.users.iter_mut().find(|user| user.name == name) {
            Some(user) => user.token = token,
            None => self.users.push(UserToken { name, token }),
        }
        self
    }

    /// How long one request may take; after that the server answers `503` with an
    /// error body and drops the work.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// How long a request body may take to arrive, counted from when the route starts
    /// reading it; a body still incomplete then (a `Content-Length` larger than what
    /// is sent, a stalled upload) answers `400` with an error body.
    ///
    /// It is kept at most half the request timeout (see
    /// [`body_read_timeout`](Self::body_read_timeout)), so that the client's fault is
    /// answered before the request timeout's retryable `503` could be.
    pub fn with_body_read_timeout(mut self, timeout: Duration) -> Self {
        self.body_read_timeout = timeout;
        self
    }

    /// The largest request body accepted, in bytes; a larger one answers `413`.
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// The generation of the wire the server answers in (default [`WireMode::Auto`]:
    /// each caller in the one it speaks). Requests are read in either generation.
    pub fn with_wire_mode(mut self, mode: WireMode) -> Self {
        self.wire_mode = mode;
        self
    }

    /// The generation of the wire the server answers in.
    pub fn wire_mode(&self) -> WireMode {
        self.wire_mode
    }

    /// The provider of repositories.
    pub fn provider(&self) -> &P {
        &self.provider
    }

    /// The names of the users the server knows, in the order they were added.
    pub fn user_names(&self) -> impl Iterator<Item = &str> {
        self.users.iter().map(|user| user.name.as_str())
    }

    /// How long one request may take.
    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// How long a request body may take to arrive: the one set with
    /// [`with_body_read_timeout`](Self::with_body_read_timeout), but at most half the
    /// [`request_timeout`](Self::request_timeout).
    pub fn body_read_timeout(&self) -> Duration {
        self.body_read_timeout.min(self.request_timeout / 2)
    }

    /// The largest request body accepted, in bytes.
    pub fn body_limit(&self) -> usize {
        self.body_limit
    }

    pub(crate) fn into_parts(self) -> (P, Vec<UserToken>) {
        (self.provider, self.users)
    }
}

impl<P> fmt::Debug for ServerConfig<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Tokens are left out on purpose; the provider may not be Debug.
        f.debug_struct("ServerConfig")
            .field("users", &self.user_names().collect::<Vec<_>>())
            .field("request_timeout", &self.request_timeout)
            .field("body_read_timeout", &self.body_read_timeout())
            .field("body_limit", &self.body_limit)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_names_users_but_never_shows_tokens() {
        let config = ServerConfig::new(())
            .with_user("alice", "tok-alice-123")
            .with_user("bob", String::from("tok-bob-456"));
        let debug = format!("{config:?}");
        assert!(
            debug.contains("\"alice\"") && debug.contains("\"bob\""),
            "{debug}"
        );
        assert!(!debug.contains("tok-alice-123"), "{debug}");
        assert!(!debug.contains("tok-bob-456"), "{debug}");
    }

    #[test]
    fn adding_a_user_again_replaces_the_token_not_the_user() {
        let config = ServerConfig::new(())
            .with_user("alice", "old")
            .with_user("alice", "new");
        assert_eq!(config.user_names().collect::<Vec<_>>(), ["alice"]);
        let (_, users) = config.into_parts();
        use secrecy::ExposeSecret;
        assert_eq!(users[0].token.expose_secret(), "new");
    }

    #[test]
    fn defaults_are_one_mebibyte_thirty_seconds_and_ten_for_the_body() {
        let config = ServerConfig::new(());
        assert_eq!(config.body_limit(), 1_048_576);
        assert_eq!(config.request_timeout(), Duration::from_secs(30));
        assert_eq!(config.body_read_timeout(), Duration::from_secs(10));
    }

    #[test]
    fn the_body_read_timeout_is_at_most_half_the_request_timeout() {
        let short = ServerConfig::new(()).with_request_timeout(Duration::from_secs(4));
        assert_eq!(short.body_read_timeout(), Duration::from_secs(2));
        // In either order of the setters.
        let long_body = ServerConfig::new(())
            .with_body_read_timeout(Duration::from_secs(60))
            .with_request_timeout(Duration::from_secs(8));
        assert_eq!(long_body.body_read_timeout(), Duration::from_secs(4));
        let within = ServerConfig::new(()).with_body_read_timeout(Duration::from_millis(100));
        assert_eq!(within.body_read_timeout(), Duration::from_millis(100));
    }
}
