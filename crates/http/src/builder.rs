//! Configuring an [`HttpRepository`]: [`HttpRepositoryBuilder`].

use std::fmt;
use std::time::Duration;

use collab_core::wire::WireGeneration;
use reqwest::header::HeaderValue;
use secrecy::SecretString;

use crate::auth::{Auth, Credentials, Redactor};
use crate::call_limit::CallLimit;
use crate::endpoint::{BaseUrl, describe_unchecked};
use crate::repository::Settings;
use crate::retry_budget::Tokens;
use crate::{BuildError, HttpRepository, RetryBudget, RetryPolicy};

/// Lightly's API, used when no base URL is given.
pub const DEFAULT_BASE_URL: &str = "https://api.lightly.ai";
/// The environment variable holding the API token, as Lightly's clients read it.
pub const TOKEN_ENV: &str = "LIGHTLY_TOKEN";
/// The environment variable overriding the base URL, as Lightly's clients read it.
pub const SERVER_LOCATION_ENV: &str = "LIGHTLY_SERVER_LOCATION";
/// The user agent sent unless [`HttpRepositoryBuilder::with_user_agent`] says otherwise.
pub const DEFAULT_USER_AGENT: &str = concat!("collab/", env!("CARGO_PKG_VERSION"), "/rust");
/// How long connecting may take, unless configured otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one attempt (connect, send, read the whole answer) may take, unless
/// configured otherwise.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds an [`HttpRepository`]; get one from [`HttpRepository::builder`] or
/// [`HttpRepositoryBuilder::new`], set what differs from the documented defaults with
/// the `with_*` methods, and check it all with [`build`](Self::build).
///
/// # The time budget of a call
///
/// One budget bounds a call in time, set in three places. Each attempt may take up to
/// the request timeout ([`with_request_timeout`](Self::with_request_timeout), default
/// 30 s). Retrying may go on until [`RetryPolicy::max_elapsed`] after the call's start
/// (default 90 s): no retry is scheduled past it, and a retry gets only what is left of
/// it. A call timeout ([`with_call_timeout`](Self::with_call_timeout)) or deadline
/// ([`with_deadline`](Self::with_deadline)), when set, is the hard end: it cuts the
/// first attempt too, and ends the retries if it comes before `max_elapsed`. An
/// attempt always gets at least 10 ms, so that it is a real one. So a call ends within
/// the longer of the request timeout and `max_elapsed`, and within the call timeout
/// whatever they say (plus those 10 ms). A call cut short fails with
/// [`Error::Unavailable`](collab_core::Error::Unavailable) ("timed out"), so a write's
/// outcome is reported as unknown.
///
/// Exactly one credential is used: each of [`with_api_token`](Self::with_api_token),
/// [`token_from_env`](Self::token_from_env) and
/// [`with_bearer_token`](Self::with_bearer_token) replaces what an earlier one set.
///
/// ```
/// use std::time::Duration;
/// use collab_http::{HttpRepository, RetryPolicy};
///
/// let repo = HttpRepository::builder()
///     .with_base_url("http://127.0.0.1:8080/")
///     .with_api_token("my-token")
///     .with_request_timeout(Duration::from_secs(5))
///     .with_retry(RetryPolicy::new().with_max_attempts(3))
///     .build()?;
/// assert_eq!(repo.base_url().as_str(), "http://127.0.0.1:8080/");
/// assert!(!format!("{repo:?}").contains("my-token"));
/// # Ok::<(), collab_http::BuildError>(())
/// ```
pub struct HttpRepositoryBuilder {
    base_url: String,
    base_url_origin: &'static str,
    credentials: Option<Credentials>,
    connect_timeout: Duration,
    request_timeout: Duration,
    retry: RetryPolicy,
    retry_budget: RetryBudget,
    user_agent: String,
    wire: WireGeneration,
    client: Option<reqwest::Client>,
    call_limit: CallLimit,
}

impl Default for HttpRepositoryBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for HttpRepositoryBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRepositoryBuilder")
            .field("base_url", &describe_unchecked(&self.base_url))
            .field("credentials", &self.credentials)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("retry", &self.retry)
            .field("retry_budget", &self.retry_budget)
            .field("user_agent", &self.user_agent)
            .field("wire", &self.wire)
            .field("client", &self.client.as_ref().map(|_| "caller-supplied"))
            .field("call_limit", &self.call_limit)
            .finish()
    }
}

impl HttpRepositoryBuilder {
    /// A builder with the defaults: [`DEFAULT_BASE_URL`], no credential yet,
    /// [`DEFAULT_CONNECT_TIMEOUT`], [`DEFAULT_REQUEST_TIMEOUT`],
    /// [`RetryPolicy::default`], [`RetryBudget::new`] and [`DEFAULT_USER_AGENT`].
    pub fn new() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            base_url_origin: "the default",
            credentials: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            retry: RetryPolicy::default(),
            retry_budget: RetryBudget::new(),
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            wire: WireGeneration::Current,
            client: None,
            call_limit: CallLimit::default(),
        }
    }

    /// The API's base URL (default [`DEFAULT_BASE_URL`]), e.g. `http://127.0.0.1:8080`
    /// for `collab serve`. A path
    /// prefix (`https://proxy.example/lightly/`) is kept; a trailing slash does not
    /// matter. Checked by [`build`](Self::build): `http`/`https`, no user info, query
    /// or fragment.
    pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self.base_url_origin = "with_base_url";
        self
    }

    /// Takes the base URL from [`SERVER_LOCATION_ENV`] (`LIGHTLY_SERVER_LOCATION`) when
    /// it is set and not empty; otherwise keeps the current one.
    pub fn base_url_from_env(self) -> Self {
        self.base_url_from(std::env::var_os(SERVER_LOCATION_ENV))
    }

    fn base_url_from(mut self, value: Option<std::ffi::OsString>) -> Self {
        let Some(value) = value.filter(|value| !value.is_empty()) else {
            return self;
        };
        // A value that is not UTF-8 cannot be a URL; keeping a lossy copy makes build()
        // report it as invalid rather than silently using another server.
        self.base_url = value.to_string_lossy().into_owned();
        self.base_url_origin = SERVER_LOCATION_ENV;
        self
    }

    /// Authenticates with an API token, sent as the query parameter `token` (Lightly's
    /// `ApiKeyAuth`). Accepts a [`SecretString`], a `String` or a `&str`.
    pub fn with_api_token(mut self, token: impl Into<SecretString>) -> Self {
        self.credentials = Some(Credentials::ApiToken(token.into()));
        self
    }

    /// Authenticates with the API token in [`TOKEN_ENV`] (`LIGHTLY_TOKEN`), surrounding
    /// white space trimmed, like [`with_api_token`](Self::with_api_token).
    ///
    /// # Errors
    ///
    /// [`BuildError::MissingToken`] when the variable is unset or empty,
    /// [`BuildError::InvalidToken`] when it is not UTF-8.
    pub fn token_from_env(self) -> Result<Self, BuildError> {
        self.token_from(std::env::var_os(TOKEN_ENV))
    }

    fn token_from(self, value: Option<std::ffi::OsString>) -> Result<Self, BuildError> {
        let value = value.ok_or(BuildError::MissingToken {
            reason: "the environment variable LIGHTLY_TOKEN is not set",
        })?;
        // Never format the value: `VarError::NotUnicode` would print the token.
        let token = value.into_string().map_err(|_| BuildError::InvalidToken {
            reason: "the environment variable LIGHTLY_TOKEN is not valid UTF-8",
        })?;
        let token = token.trim();
        if token.is_empty() {
            return Err(BuildError::MissingToken {
                reason: "the environment variable LIGHTLY_TOKEN is empty",
            });
        }
        Ok(self.with_api_token(token))
    }

    /// Authenticates with a JWT, sent as `Authorization: Bearer <jwt>` (Lightly's
    /// `auth0Bearer`). Accepts a [`SecretString`], a `String` or a `&str`.
    pub fn with_bearer_token(mut self, jwt: impl Into<SecretString>) -> Self {
        self.credentials = Some(Credentials::Bearer(jwt.into()));
        self
    }

    /// How long opening a connection may take (default [`DEFAULT_CONNECT_TIMEOUT`]). Ignored with
    /// [`with_client`](Self::with_client): that client's own setting applies.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one attempt may take, from sending the request to reading the whole
    /// answer (default [`DEFAULT_REQUEST_TIMEOUT`]); see
    /// [the time budget of a call](Self#the-time-budget-of-a-call).
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// How failed calls are retried (default [`RetryPolicy::new`], Lightly's schedule:
    /// a failing call can take about 90 s before its error is returned); see
    /// [`RetryPolicy`] and [the time budget of a call](Self#the-time-budget-of-a-call).
    /// [`RetryPolicy::none`] turns retries off.
    pub fn with_retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// How many retries the repository and its clones may make together (default
    /// [`RetryBudget::new`]: 100 retries when every call fails, refilled by
    /// successes); [`RetryBudget::unlimited`] lets every call retry as its policy says.
    /// When the budget is spent, a failed attempt is returned at once, its error saying
    /// so.
    pub fn with_retry_budget(mut self, budget: RetryBudget) -> Self {
        self.retry_budget = budget;
        self
    }

    /// The overall deadline of one call, retries and waits included (default: none):
    /// no attempt runs, and no retry is scheduled, past `timeout` after the call began;
    /// see [the time budget of a call](Self#the-time-budget-of-a-call).
    ///
    /// ```
    /// use std::time::Duration;
    /// use collab_http::HttpRepository;
    ///
    /// // Whatever the retry policy, a call gives up within 5 s.
    /// let repo = HttpRepository::builder()
    ///     .with_api_token("t")
    ///     .with_call_timeout(Duration::from_secs(5))
    ///     .build()?;
    /// # drop(repo);
    /// # Ok::<(), collab_http::BuildError>(())
    /// ```
    pub fn with_call_timeout(mut self, timeout: Duration) -> Self {
        self.call_limit.timeout = Some(timeout);
        self
    }

    /// A deadline shared by every call through the repository (and its clones): a
    /// command-line tool that makes several calls for one command gives them one
    /// deadline this way. Combined with
    /// [`with_call_timeout`](Self::with_call_timeout), the earlier of the two ends a
    /// call.
    pub fn with_deadline(mut self, deadline: std::time::Instant) -> Self {
        self.call_limit.deadline = Some(deadline);
        self
    }

    /// The `User-Agent` sent with every request (default [`DEFAULT_USER_AGENT`]).
    pub fn with_user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The generation of the wire the requests are written in (default
    /// [`WireGeneration::Current`], what Lightly's API speaks today). Pin
    /// [`WireGeneration::V2022`] for a server that still speaks the 2022 generation
    /// (`organizations`, no `creator`). Answers are read in either generation whatever
    /// this says.
    ///
    /// ```
    /// use collab_core::wire::WireGeneration;
    /// use collab_http::HttpRepository;
    /// let repo = HttpRepository::builder()
    ///     .with_api_token("t")
    ///     .with_wire_generation(WireGeneration::V2022)
    ///     .build()?;
    /// assert_eq!(repo.wire_generation(), WireGeneration::V2022);
    /// # Ok::<(), collab_http::BuildError>(())
    /// ```
    pub fn with_wire_generation(mut self, generation: WireGeneration) -> Self {
        self.wire = generation;
        self
    }

    /// Sends requests through a client the caller built (to share its connection pool,
    /// proxy or TLS settings). Its connect timeout and redirect policy apply; the
    /// repository's request timeout, user agent and credential are set on each request.
    /// A client that does not follow redirects
    /// (`reqwest::redirect::Policy::none()`) is advised: a redirect would carry the
    /// `token` query parameter to wherever it points.
    pub fn with_client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }

    /// Checks the configuration and builds the repository.
    ///
    /// # Errors
    ///
    /// [`BuildError::InvalidUrl`] for a base URL that is not `http`/`https` or holds user
    /// info, a query or a fragment; [`BuildError::MissingToken`] when no credential was
    /// given; [`BuildError::InvalidToken`] for an empty token or a JWT that cannot be a
    /// header; [`BuildError::InvalidTimeout`] for a timeout of zero;
    /// [`BuildError::InvalidUserAgent`]; [`BuildError::Client`] when reqwest cannot
    /// build its client.
    pub fn build(self) -> Result<HttpRepository, BuildError> {
        let base_url = BaseUrl::parse(&self.base_url, self.base_url_origin)?;
        for (setting, timeout) in [
            ("with_connect_timeout", Some(self.connect_timeout)),
            ("with_request_timeout", Some(self.request_timeout)),
            ("with_call_timeout", self.call_limit.timeout),
        ] {
            if timeout.is_some_and(|timeout| timeout.is_zero()) {
                return Err(BuildError::InvalidTimeout { setting });
            }
        }
        let credentials = self.credentials.ok_or(BuildError::MissingToken {
            reason: "no credential given: call with_api_token, token_from_env or with_bearer_token",
        })?;
        let auth = Auth::new(credentials)?;
        let user_agent =
            HeaderValue::try_from(self.user_agent).map_err(|_| BuildError::InvalidUserAgent)?;
        let client = match self.client {
            Some(client) => client,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                // A redirect would carry the `token` query parameter along; the API
                // does not redirect, so one is reported as an unexpected response.
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|source| BuildError::Client { source })?,
        };
        Ok(HttpRepository::from_settings(Settings {
            client,
            base_url,
            redactor: Redactor::new(auth.secret()),
            auth,
            user_agent,
            wire: self.wire,
            request_timeout: self.request_timeout,
            retry: self.retry,
            retry_tokens: Tokens::new(self.retry_budget),
            call_limit: self.call_limit,
        }))
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use super::*;

    #[test]
    fn defaults_are_lightlys() {
        let repo = HttpRepositoryBuilder::new()
            .with_api_token("t")
            .build()
            .unwrap();
        assert_eq!(repo.base_url().as_str(), "https://api.lightly.ai/");
        assert!(DEFAULT_USER_AGENT.starts_with("collab/0."));
        assert!(DEFAULT_USER_AGENT.ends_with("/rust"));
    }

    #[test]
    fn no_credential_is_a_clear_error() {
        let error = HttpRepositoryBuilder::new().build().unwrap_err();
        assert!(
            matches!(error, BuildError::MissingToken { reason } if reason.contains("with_api_token"))
        );
    }

    #[test]
    fn token_from_an_unset_or_empty_variable_is_a_clear_error() {
        for value in [None, Some(OsString::from("")), Some(OsString::from("  \n"))] {
            let error = HttpRepositoryBuilder::new().token_from(value).unwrap_err();
            assert!(
                matches!(error, BuildError::MissingToken { reason } if reason.contains("LIGHTLY_TOKEN")),
                "{error}"
            );
        }
    }

    #[test]
    fn token_from_the_environment_is_trimmed_and_used_as_api_token() {
        let builder = HttpRepositoryBuilder::new()
            .token_from(Some(OsString::from(" s3cret\n")))
            .unwrap();
        let Some(Credentials::ApiToken(token)) = &builder.credentials else {
            panic!("expected an API token");
        };
        assert_eq!(secrecy::ExposeSecret::expose_secret(token), "s3cret");
    }

    #[cfg(unix)]
    #[test]
    fn a_non_utf8_token_is_refused_without_printing_it() {
        use std::os::unix::ffi::OsStringExt;
        let value = OsString::from_vec(b"s3cret\xff".to_vec());
        let error = HttpRepositoryBuilder::new()
            .token_from(Some(value))
            .unwrap_err();
        let shown = format!("{error} {error:?}");
        assert!(matches!(error, BuildError::InvalidToken { .. }), "{shown}");
        assert!(!shown.contains("s3cret"), "{shown}");
    }

    #[test]
    fn server_location_overrides_only_when_set() {
        let unset = HttpRepositoryBuilder::new().base_url_from(None);
        assert_eq!(unset.base_url, DEFAULT_BASE_URL);
        let empty = HttpRepositoryBuilder::new().base_url_from(Some(OsString::new()));
        assert_eq!(empty.base_url, DEFAULT_BASE_URL);
        let set = HttpRepositoryBuilder::new()
            .base_url_from(Some(OsString::from("http://127.0.0.1:9/x")));
        assert_eq!(set.base_url, "http://127.0.0.1:9/x");
    }

    #[test]
    fn a_bad_server_location_names_the_variable() {
        let error = HttpRepositoryBuilder::new()
            .base_url_from(Some(OsString::from("localhost:8080")))
            .with_api_token("t")
            .build()
            .unwrap_err();
        assert!(
            matches!(
                error,
                BuildError::InvalidUrl {
                    origin: SERVER_LOCATION_ENV,
                    ..
                }
            ),
            "{error}"
        );
        assert!(error.to_string().contains("LIGHTLY_SERVER_LOCATION"));
    }

    #[test]
    fn a_user_agent_that_cannot_be_a_header_is_refused() {
        let error = HttpRepositoryBuilder::new()
            .with_api_token("t")
            .with_user_agent("bad\nagent")
            .build()
            .unwrap_err();
        assert!(matches!(error, BuildError::InvalidUserAgent));
    }

    #[test]
    fn a_timeout_of_zero_is_refused_naming_the_setting() {
        let base = || HttpRepositoryBuilder::new().with_api_token("t");
        let cases = [
            (
                base().with_connect_timeout(Duration::ZERO),
                "with_connect_timeout",
            ),
            (
                base().with_request_timeout(Duration::ZERO),
                "with_request_timeout",
            ),
            (
                base().with_call_timeout(Duration::ZERO),
                "with_call_timeout",
            ),
        ];
        for (builder, expected) in cases {
            let error = builder.build().unwrap_err();
            assert!(
                matches!(error, BuildError::InvalidTimeout { setting } if setting == expected),
                "{error}"
            );
            assert!(error.to_string().contains(expected), "{error}");
        }
    }

    #[test]
    fn the_last_credential_wins() {
        let builder = HttpRepositoryBuilder::new()
            .with_api_token("a")
            .with_bearer_token("b");
        assert!(matches!(builder.credentials, Some(Credentials::Bearer(_))));
    }

    #[test]
    fn debug_of_the_builder_shows_no_secret() {
        let builders = [
            HttpRepositoryBuilder::new().with_api_token("s3cret-token"),
            HttpRepositoryBuilder::new().with_bearer_token("s3cret-token"),
            HttpRepositoryBuilder::new()
                .with_base_url("https://u:s3cret-token@h.io/p?token=s3cret-token")
                .with_client(reqwest::Client::new()),
        ];
        for builder in builders {
            let shown = format!("{builder:?} {builder:#?}");
            assert!(!shown.contains("s3cret"), "{shown}");
            assert!(shown.contains("HttpRepositoryBuilder"), "{shown}");
        }
    }
}
