//! [`RedisConfig`]: where Redis is, how keys are named, and the lease's timings; its
//! [`build`](RedisConfig::build) makes the [`RedisCoordinator`].

use std::fmt;
use std::time::Duration;

use crate::coordinator::RedisCoordinator;
use crate::error::Error;

/// How a [`RedisCoordinator`] reaches Redis and names its keys, and how its locks
/// behave: the coordinator's builder.
///
/// Start from [`RedisConfig::new()`] (the defaults, documented on each field), change
/// what you need with the `with_*` methods, and make the coordinator with
/// [`build`](Self::build), which refuses a value that cannot work, naming the setting
/// (the workspace's one shape: `XBuilder` or `XConfig`, `with_*`, `build() ->
/// Result<X, Error>`).
///
/// ```
/// use std::time::Duration;
/// use collab_redis::RedisConfig;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), collab_redis::Error> {
/// let redis = RedisConfig::new()
///     .with_url("redis://:secret@10.0.0.7:6379")
///     .with_key_prefix("myapp:collab:")
///     .with_lease_time_to_live(Duration::from_secs(5))
///     .build()?; // connects lazily: at the first call
/// assert_eq!(redis.config().url, "redis://:secret@10.0.0.7:6379");
/// assert!(!format!("{:?}", redis.config()).contains("secret"), "Debug hides the password");
///
/// let refused = RedisConfig::new().with_lease_time_to_live(Duration::ZERO).build();
/// assert!(matches!(
///     refused,
///     Err(collab_redis::Error::InvalidConfig { field: "lease_time_to_live", .. })
/// ));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RedisConfig {
    /// The server's URL (`redis://[:PASSWORD@]HOST[:PORT][/DB]`). Default
    /// [`RedisConfig::DEFAULT_URL`]; [`RedisConfig::url_from_env`] reads `REDIS_URL`.
    pub url: String,
    /// Prepended to every key, so that several applications (or tests) can share one
    /// Redis. Default [`RedisConfig::DEFAULT_KEY_PREFIX`]. Every process of a fleet
    /// must use the same prefix.
    pub key_prefix: String,
    /// How long a lock lasts unless its holder renews it (it renews it every third of
    /// that while it holds it). A holder that stalls longer loses it. Default 10 s;
    /// at least [`RedisConfig::MIN_LEASE_TIME_TO_LIVE`].
    pub lease_time_to_live: Duration,
    /// How long taking a lock waits for another holder before failing as busy
    /// (`Duration::ZERO`: one attempt). Default 30 s.
    pub lock_wait: Duration,
    /// How long a dataset's generation is kept without a write; one read after that
    /// makes a new one, which costs each cache one miss. Default one day; at least
    /// 1 ms (Redis counts expiries in milliseconds).
    pub generation_time_to_live: Duration,
    /// The deadline of each Redis command and connection attempt. Default 2 s; not
    /// zero.
    pub command_timeout: Duration,
    /// When Redis is unreachable: `false` (the default) fails the lock and writes
    /// through a coherent cache, so that nothing risks a lost update or a stale cache;
    /// `true` logs a warning and goes on without fleet coordination (the in-process
    /// lock still holds). Reads go uncached either way.
    pub best_effort: bool,
}

impl RedisConfig {
    /// `redis://127.0.0.1:6379`.
    pub const DEFAULT_URL: &str = "redis://127.0.0.1:6379";
    /// `collab:`.
    pub const DEFAULT_KEY_PREFIX: &str = "collab:";
    /// The variable [`url_from_env`](Self::url_from_env) reads.
    pub const URL_VARIABLE: &str = "REDIS_URL";
    /// The shortest [`lease_time_to_live`](Self::lease_time_to_live): 3 ms, so that
    /// the renewal period (a third of it) is a whole millisecond.
    pub const MIN_LEASE_TIME_TO_LIVE: Duration = Duration::from_millis(3);

    /// The defaults (see each field).
    pub fn new() -> Self {
        Self {
            url: Self::DEFAULT_URL.to_owned(),
            key_prefix: Self::DEFAULT_KEY_PREFIX.to_owned(),
            lease_time_to_live: Duration::from_secs(10),
            lock_wait: Duration::from_secs(30),
            generation_time_to_live: Duration::from_secs(24 * 3600),
            command_timeout: Duration::from_secs(2),
            best_effort: false,
        }
    }

    /// Sets [`url`](Self::url).
    #[must_use]
    pub fn with_url(mut self, url: impl Into<String>) -> Self {
        self.url = url.into();
        self
    }

    /// Sets [`url`](Self::url) from `REDIS_URL` when it is set and not empty.
    #[must_use]
    pub fn url_from_env(self) -> Self {
        match std::env::var(Self::URL_VARIABLE) {
            Ok(url) if !url.trim().is_empty() => self.with_url(url.trim()),
            _ => self,
        }
    }

    /// Sets [`key_prefix`](Self::key_prefix).
    #[must_use]
    pub fn with_key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// Sets [`lease_time_to_live`](Self::lease_time_to_live).
    #[must_use]
    pub fn with_lease_time_to_live(mut self, time_to_live: Duration) -> Self {
        self.lease_time_to_live = time_to_live;
        self
    }

    /// Sets [`lock_wait`](Self::lock_wait).
    #[must_use]
    pub fn with_lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = wait;
        self
    }

    /// Sets [`generation_time_to_live`](Self::generation_time_to_live).
    #[must_use]
    pub fn with_generation_time_to_live(mut self, time_to_live: Duration) -> Self {
        self.generation_time_to_live = time_to_live;
        self
    }

    /// Sets [`command_timeout`](Self::command_timeout).
    #[must_use]
    pub fn with_command_timeout(mut self, timeout: Duration) -> Self {
        self.command_timeout = timeout;
        self
    }

    /// Sets [`best_effort`](Self::best_effort).
    #[must_use]
    pub fn with_best_effort(mut self, best_effort: bool) -> Self {
        self.best_effort = best_effort;
        self
    }

    /// Checks every value and makes the coordinator. It connects lazily: the first
    /// call connects, and a Redis that is down makes calls fail (and reconnect later),
    /// not this. Must be called within a tokio runtime.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`]: a URL that is not a Redis URL (shown without its
    /// password). [`Error::InvalidConfig`], naming the field: a
    /// [`lease_time_to_live`](Self::lease_time_to_live) under
    /// [`MIN_LEASE_TIME_TO_LIVE`](Self::MIN_LEASE_TIME_TO_LIVE), a
    /// [`generation_time_to_live`](Self::generation_time_to_live) under 1 ms, a zero
    /// [`command_timeout`](Self::command_timeout). [`Error::Setup`]: the connection
    /// manager could not be set up.
    pub fn build(self) -> Result<RedisCoordinator, Error> {
        RedisCoordinator::new(self.checked()?)
    }

    /// The configuration when every value can work.
    fn checked(self) -> Result<Self, Error> {
        if let Err(source) = redis::Client::open(self.url.as_str()) {
            return Err(Error::InvalidUrl {
                url: self.redacted_url(),
                source,
            });
        }
        let at_least = |field, value: Duration, least: Duration| {
            if value < least {
                Err(Error::InvalidConfig {
                    field,
                    reason: format!("is {value:?}, under the least it can be ({least:?})"),
                })
            } else {
                Ok(())
            }
        };
        at_least(
            "lease_time_to_live",
            self.lease_time_to_live,
            Self::MIN_LEASE_TIME_TO_LIVE,
        )?;
        at_least(
            "generation_time_to_live",
            self.generation_time_to_live,
            Duration::from_millis(1),
        )?;
        at_least(
            "command_timeout",
            self.command_timeout,
            Duration::from_nanos(1),
        )?;
        Ok(self)
    }

    /// The URL without its password, fit for messages and logs.
    pub fn redacted_url(&self) -> String {
        redact_url(&self.url)
    }
}

impl Default for RedisConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConfig")
            .field("url", &self.redacted_url())
            .field("key_prefix", &self.key_prefix)
            .field("lease_time_to_live", &self.lease_time_to_live)
            .field("lock_wait", &self.lock_wait)
            .field("generation_time_to_live", &self.generation_time_to_live)
            .field("command_timeout", &self.command_timeout)
            .field("best_effort", &self.best_effort)
            .finish()
    }
}

/// `url` with its user info (where a password goes) replaced by `***`.
///
/// ```
/// assert_eq!(collab_redis::redact_url("redis://:pw@h:6379/1"), "redis://***@h:6379/1");
/// assert_eq!(collab_redis::redact_url("redis://h:6379"), "redis://h:6379");
/// ```
pub fn redact_url(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let separator = if scheme.is_empty() { "" } else { "://" };
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}{separator}***{}", &rest[at..]),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_local_redis_and_the_collab_prefix() {
        let config = RedisConfig::default();
        assert_eq!(config.url, "redis://127.0.0.1:6379");
        assert_eq!(config.key_prefix, "collab:");
        assert!(!config.best_effort);
    }

    #[test]
    fn the_defaults_pass_the_check() {
        assert_eq!(RedisConfig::new().checked().unwrap(), RedisConfig::new());
    }

    #[test]
    fn values_that_cannot_work_are_refused_naming_the_field() {
        let cases = [
            (
                RedisConfig::new().with_lease_time_to_live(Duration::from_millis(2)),
                "lease_time_to_live",
            ),
            (
                RedisConfig::new().with_generation_time_to_live(Duration::from_micros(999)),
                "generation_time_to_live",
            ),
            (
                RedisConfig::new().with_command_timeout(Duration::ZERO),
                "command_timeout",
            ),
        ];
        for (config, expected) in cases {
            match config.checked() {
                Err(Error::InvalidConfig { field, reason }) => {
                    assert_eq!(field, expected);
                    assert!(reason.contains("under the least"), "{reason}");
                }
                other => panic!("{expected}: {other:?}"),
            }
        }
        assert!(
            RedisConfig::new()
                .with_lease_time_to_live(RedisConfig::MIN_LEASE_TIME_TO_LIVE)
                .with_lock_wait(Duration::ZERO)
                .checked()
                .is_ok(),
            "the least lease and no wait work"
        );
    }

    #[test]
    fn a_url_that_is_not_redis_is_refused_without_its_password() {
        let refused = RedisConfig::new()
            .with_url("http://:hunter2@host:6379")
            .checked()
            .expect_err("not a Redis URL");
        assert!(matches!(refused, Error::InvalidUrl { .. }), "{refused:?}");
        let shown = format!("{refused} {refused:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn passwords_never_show() {
        for url in [
            "redis://user:hunter2@host:6379",
            "redis://:hunter2@host",
            "rediss://:hunter2@host/0",
        ] {
            let redacted = redact_url(url);
            assert!(!redacted.contains("hunter2"), "{redacted}");
            assert!(redacted.contains("***@host"), "{redacted}");
        }
    }
}
