//! How a server is set up: [`ServerConfig`].

use std::fmt;
use std::time::Duration;

use std::sync::Arc;

use collab_core::admin::StateAdmin;
use collab_core::fixtures::Fixtures;
use collab_faults::FaultRule;
use secrecy::SecretString;

use crate::http::credentials::UserToken;
use crate::http::generation::WireMode;
use crate::journal::DEFAULT_JOURNAL_SIZE;
use crate::request::access_log::AccessLog;

/// The largest request body accepted by default: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// How long a request may take by default before the server answers `503`.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a request body may take to arrive by default before the server answers
/// `400`: a client that announces more than it sends is at fault, and must not be
/// told to retry.
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a client has, by default, to send a request's head (request line and
/// headers) in full: counted from the connection's acceptance for its first request,
/// and from the head's first byte for a later one. See
/// [`ServerConfig::with_header_read_timeout`].
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a keep-alive connection may stay silent after an answer, by default,
/// before the server closes it. See [`ServerConfig::with_idle_timeout`].
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a write of an answer may make no progress, by default, before the server
/// drops the connection and the answer with it. See [`ServerConfig::with_write_timeout`].
pub const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// The most connections served at once by default. See
/// [`ServerConfig::with_max_connections`].
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

/// How long a shutdown waits by default for the requests in flight before it closes
/// the connections left. See [`ServerConfig::with_shutdown_grace`].
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// How long, by default, a closing connection keeps reading (and discarding) what
/// the client still sends, so that the client reads the answer before the close.
/// See [`ServerConfig::with_lingering_close`].
pub const DEFAULT_LINGER_TIMEOUT: Duration = Duration::from_secs(5);

/// How many bytes, by default, a closing connection reads and discards at most. See
/// [`ServerConfig::with_lingering_close`].
pub const DEFAULT_LINGER_BYTES: u64 = 64 * 1024 * 1024;

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
    connections: ConnectionLimits,
    wire_mode: WireMode,
    control: ControlSettings,
    access_log: Option<Arc<dyn AccessLog>>,
}

/// The deadlines and limits of connections, which [`bind`](crate::bind) applies
/// (the [`router`](crate::router) alone knows nothing of connections).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ConnectionLimits {
    pub(crate) header_read_timeout: Duration,
    pub(crate) idle_timeout: Duration,
    pub(crate) write_timeout: Duration,
    pub(crate) max_connections: usize,
    pub(crate) shutdown_grace: Duration,
    pub(crate) linger_timeout: Duration,
    pub(crate) linger_bytes: u64,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            write_timeout: DEFAULT_WRITE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            linger_timeout: DEFAULT_LINGER_TIMEOUT,
            linger_bytes: DEFAULT_LINGER_BYTES,
        }
    }
}

/// What the control plane is given: its credential, the store's administrative side
/// and the state to reset to, the journal's size.
pub(crate) struct ControlSettings {
    pub(crate) admin_token: Option<SecretString>,
    pub(crate) state: Option<StateSettings>,
    pub(crate) journal_size: usize,
    pub(crate) faults: Vec<FaultRule>,
}

impl Default for ControlSettings {
    fn default() -> Self {
        Self {
            admin_token: None,
            state: None,
            journal_size: DEFAULT_JOURNAL_SIZE,
            faults: Vec::new(),
        }
    }
}

/// The store's administrative side and the state the server started with.
pub(crate) struct StateSettings {
    pub(crate) admin: Arc<dyn StateAdmin>,
    pub(crate) start: Fixtures,
}

impl<P> ServerConfig<P> {
    /// A server over `provider` with no users yet (every API request answers `401`),
    /// [`DEFAULT_REQUEST_TIMEOUT`], [`DEFAULT_BODY_READ_TIMEOUT`],
    /// [`DEFAULT_BODY_LIMIT`] and the connection defaults
    /// ([`DEFAULT_HEADER_READ_TIMEOUT`], [`DEFAULT_IDLE_TIMEOUT`],
    /// [`DEFAULT_WRITE_TIMEOUT`], [`DEFAULT_MAX_CONNECTIONS`],
    /// [`DEFAULT_SHUTDOWN_GRACE`], [`DEFAULT_LINGER_TIMEOUT`], [`DEFAULT_LINGER_BYTES`]).
    pub fn new(provider: P) -> Self {
        Self {
            provider,
            users: Vec::new(),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
            body_limit: DEFAULT_BODY_LIMIT,
            connections: ConnectionLimits::default(),
            wire_mode: WireMode::Auto,
            control: ControlSettings::default(),
            access_log: None,
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

    /// How long a client has to send a request's head (request line and headers) in
    /// full, or the connection is closed without an answer: from the connection's
    /// acceptance for its first request (a client that connects and sends nothing is
    /// closed then), from the head's first byte for a later one. Default
    /// [`DEFAULT_HEADER_READ_TIMEOUT`].
    pub fn with_header_read_timeout(mut self, timeout: Duration) -> Self {
        self.connections.header_read_timeout = timeout;
        self
    }

    /// How long a keep-alive connection may stay silent after its last answer before
    /// the server closes it. Default [`DEFAULT_IDLE_TIMEOUT`].
    pub fn with_idle_timeout(mut self, timeout: Duration) -> Self {
        self.connections.idle_timeout = timeout;
        self
    }

    /// How long writing an answer may make no progress (a client that does not read
    /// what it asked for, so that the socket's buffers are full) before the server
    /// drops the connection, and the memory the answer holds with it. A slow reader
    /// that keeps reading is not cut off. Default [`DEFAULT_WRITE_TIMEOUT`].
    pub fn with_write_timeout(mut self, timeout: Duration) -> Self {
        self.connections.write_timeout = timeout;
        self
    }

    /// The most connections served at once (at least 1: [`build`](Self::build)
    /// refuses 0), which bounds the file
    /// descriptors and memory connections hold. Past it, up to 64 more connections
    /// are each answered one `503` with `Retry-After` and closed (with a 1 s
    /// deadline for their request head); any beyond those are closed at once.
    /// Default [`DEFAULT_MAX_CONNECTIONS`]: keep it under the process's limit of open
    /// files (`ulimit -n`) less 64 for those answers and a few for the process.
    pub fn with_max_connections(mut self, connections: usize) -> Self {
        self.connections.max_connections = connections;
        self
    }

    /// How long a shutdown waits: it stops accepting at once, answers the requests
    /// in flight (with `Connection: close`) and closes idle connections; whatever is
    /// still open when the grace period ends is closed. Default
    /// [`DEFAULT_SHUTDOWN_GRACE`].
    pub fn with_shutdown_grace(mut self, grace: Duration) -> Self {
        self.connections.shutdown_grace = grace;
        self
    }

    /// The lingering close: when the server closes a connection after its answer
    /// (for example a `413` sent before an oversized body was read), it stops
    /// writing, then reads and discards what the client still sends for at most
    /// `timeout` and `bytes`, so that a client still sending its body reads the
    /// answer instead of a reset. Defaults [`DEFAULT_LINGER_TIMEOUT`] and
    /// [`DEFAULT_LINGER_BYTES`].
    pub fn with_lingering_close(mut self, timeout: Duration, bytes: u64) -> Self {
        self.connections.linger_timeout = timeout;
        self.connections.linger_bytes = bytes;
        self
    }

    /// How long a client has to send a request's head.
    pub fn header_read_timeout(&self) -> Duration {
        self.connections.header_read_timeout
    }

    /// How long a keep-alive connection may stay silent between requests.
    pub fn idle_timeout(&self) -> Duration {
        self.connections.idle_timeout
    }

    /// How long writing an answer may make no progress.
    pub fn write_timeout(&self) -> Duration {
        self.connections.write_timeout
    }

    /// The most connections served at once.
    pub fn max_connections(&self) -> usize {
        self.connections.max_connections
    }

    /// How long a shutdown waits for the requests in flight.
    pub fn shutdown_grace(&self) -> Duration {
        self.connections.shutdown_grace
    }

    pub(crate) fn connection_limits(&self) -> ConnectionLimits {
        self.connections
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

    /// Opens the control plane under `/_collab` to requests that carry `token` (as
    /// `Authorization: Bearer` or `?token=`). Without it, every control route but
    /// `GET /_collab/health` answers `403`, saying how to open it. The admin token is
    /// no API user's: it never authenticates an API call, and no user may have it.
    pub fn with_admin_token(mut self, token: impl Into<SecretString>) -> Self {
        self.control.admin_token = Some(token.into());
        self
    }

    /// Gives the control plane the store's administrative side, so that it can
    /// export, replace and add to the state (`/_collab/state`, `/reset`, `/users`,
    /// `/datasets`). `start` is the state a reset goes back to (what the store held
    /// when the server started), and its users (those with a token) are the users the
    /// server authenticates, besides those of [`with_user`](Self::with_user); the
    /// control plane keeps them in step with the state.
    pub fn with_state_admin(mut self, admin: impl StateAdmin + 'static, start: Fixtures) -> Self {
        self.control.state = Some(StateSettings {
            admin: Arc::new(admin),
            start,
        });
        self
    }

    /// Arms these fault rules from the start (`collab serve --faults FILE`); a reset
    /// arms them again, with their counters at zero. More can be armed and disarmed on
    /// the control plane (`/_collab/faults`).
    pub fn with_faults(mut self, rules: impl IntoIterator<Item = FaultRule>) -> Self {
        self.control.faults.extend(rules);
        self
    }

    /// Hands each request's access line to `log` instead of emitting it as a
    /// `tracing` event (the default): [`AccessLine`](crate::AccessLine) says what a line
    /// holds.
    ///
    /// A line is handed over only when its event (target
    /// [`ACCESS_LOG_TARGET`](crate::ACCESS_LOG_TARGET)) would be enabled
    /// ([`AccessLine::is_enabled`](crate::AccessLine::is_enabled)), so an `EnvFilter`
    /// selects the lines as it would select the events. `collab serve` uses it to write
    /// its access log without the cost of an event.
    pub fn with_access_log(mut self, log: impl AccessLog) -> Self {
        self.access_log = Some(Arc::new(log));
        self
    }

    /// Where access lines go instead of events, if anywhere.
    pub(crate) fn access_log(&self) -> Option<Arc<dyn AccessLog>> {
        self.access_log.clone()
    }

    /// How many requests the journal (`GET /_collab/requests`) keeps: the last `size`,
    /// default [`DEFAULT_JOURNAL_SIZE`]; `0` turns it off.
    pub fn with_journal_size(mut self, size: usize) -> Self {
        self.control.journal_size = size;
        self
    }

    /// The server these settings make, once they are checked together: every timeout
    /// but the shutdown grace must be longer than zero, at least one connection and
    /// one byte of body must be allowed. The error names the setter whose value
    /// cannot work. Serve the [`Server`] with [`Server::bind`], or mount its
    /// [`Server::router`] in a host application. ([`bind`](crate::bind) and
    /// [`BoundServer::from_listener`](crate::BoundServer::from_listener) build the
    /// config themselves, and refuse an invalid one with an
    /// [`InvalidInput`](std::io::ErrorKind::InvalidInput) error with the
    /// [`ConfigError`] inside.)
    ///
    /// ```
    /// use std::time::Duration;
    /// use collab_server::ServerConfig;
    ///
    /// let zero = ServerConfig::new(()).with_request_timeout(Duration::ZERO);
    /// let error = zero.build().unwrap_err();
    /// assert_eq!(error.setting(), "with_request_timeout");
    /// assert!(ServerConfig::new(()).build().is_ok());
    /// ```
    pub fn build(self) -> Result<Server<P>, ConfigError> {
        self.check()?;
        Ok(Server { config: self })
    }

    fn check(&self) -> Result<(), ConfigError> {
        let zero_is_wrong = [
            ("with_request_timeout", self.request_timeout),
            ("with_body_read_timeout", self.body_read_timeout),
            (
                "with_header_read_timeout",
                self.connections.header_read_timeout,
            ),
            ("with_idle_timeout", self.connections.idle_timeout),
            ("with_write_timeout", self.connections.write_timeout),
        ];
        if let Some((setting, _)) = zero_is_wrong.iter().find(|(_, value)| value.is_zero()) {
            return Err(ConfigError {
                setting,
                reason: "must be longer than zero",
            });
        }
        if self.connections.max_connections == 0 {
            return Err(ConfigError {
                setting: "with_max_connections",
                reason: "must allow at least one connection",
            });
        }
        if self.body_limit == 0 {
            return Err(ConfigError {
                setting: "with_body_limit",
                reason: "must allow at least one byte",
            });
        }
        Ok(())
    }

    pub(crate) fn into_parts(self) -> (P, Vec<UserToken>, ControlSettings) {
        (self.provider, self.users, self.control)
    }
}

/// A server whose settings were checked together: what [`ServerConfig::build`]
/// makes. [`Server::bind`] serves it on a socket of its own; [`Server::router`] is
/// its API as an axum `Router`, to mount in a host application.
pub struct Server<P> {
    config: ServerConfig<P>,
}

impl<P> Server<P> {
    /// Its settings.
    pub fn config(&self) -> &ServerConfig<P> {
        &self.config
    }

    pub(crate) fn into_config(self) -> ServerConfig<P> {
        self.config
    }
}

impl<P> fmt::Debug for Server<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("config", &self.config)
            .finish()
    }
}

/// A [`ServerConfig`] setting that cannot work: which setter, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the server's {setting} {reason}")]
pub struct ConfigError {
    setting: &'static str,
    reason: &'static str,
}

impl ConfigError {
    /// The setter whose value was refused, such as `with_request_timeout`.
    pub fn setting(&self) -> &'static str {
        self.setting
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
            .field("connections", &self.connections)
            .field("control_plane_open", &self.control.admin_token.is_some())
            .field("state_admin", &self.control.state.is_some())
            .field("journal_size", &self.control.journal_size)
            .field("faults", &self.control.faults.len())
            .field("access_log", &self.access_log.is_some())
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
        let (_, users, _) = config.into_parts();
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
    fn connection_defaults_are_the_documented_ones() {
        let config = ServerConfig::new(());
        assert_eq!(config.header_read_timeout(), Duration::from_secs(10));
        assert_eq!(config.idle_timeout(), Duration::from_secs(30));
        assert_eq!(config.write_timeout(), Duration::from_secs(10));
        assert_eq!(config.max_connections(), 512);
        assert_eq!(config.shutdown_grace(), Duration::from_secs(10));
        let limits = config.connection_limits();
        assert_eq!(limits.linger_timeout, Duration::from_secs(5));
        assert_eq!(limits.linger_bytes, 64 * 1024 * 1024);
        assert!(ServerConfig::new(()).build().is_ok());
    }

    #[test]
    fn a_setting_that_cannot_work_is_refused_naming_its_setter() {
        let cases = [
            (
                ServerConfig::new(()).with_max_connections(0),
                "with_max_connections",
            ),
            (
                ServerConfig::new(()).with_request_timeout(Duration::ZERO),
                "with_request_timeout",
            ),
            (
                ServerConfig::new(()).with_idle_timeout(Duration::ZERO),
                "with_idle_timeout",
            ),
            (ServerConfig::new(()).with_body_limit(0), "with_body_limit"),
        ];
        for (config, setting) in cases {
            let error = config.build().unwrap_err();
            assert_eq!(error.setting(), setting);
            assert!(error.to_string().contains(setting), "{error}");
        }
        // A zero grace period is a shutdown that does not wait: valid.
        let at_once = ServerConfig::new(()).with_shutdown_grace(Duration::ZERO);
        assert!(at_once.build().is_ok());
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
