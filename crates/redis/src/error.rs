//! [`Error`]: why a [`RedisConfig`](crate::RedisConfig) or a
//! [`RedisCoordinator`](crate::RedisCoordinator) could not be built.
//! (Failures of its calls are the port's
//! [`CoordinationError`](collab_core::coordination::CoordinationError).)

/// Why a [`RedisConfig`](crate::RedisConfig) or a
/// [`RedisCoordinator`](crate::RedisCoordinator) could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The URL is not a Redis URL. The URL shown has its password removed.
    #[error("not a Redis URL ({url}): {source}")]
    InvalidUrl {
        /// The URL, without its password.
        url: String,
        /// What is wrong with it.
        #[source]
        source: redis::RedisError,
    },
    /// A value of the configuration cannot work (see [`RedisConfig::build`](crate::RedisConfig::build)).
    #[error("invalid Redis configuration: {field} {reason}")]
    InvalidConfig {
        /// The field, as [`RedisConfig`](crate::RedisConfig) names it.
        field: &'static str,
        /// What is wrong with its value.
        reason: String,
    },
    /// The connection manager could not be set up.
    #[error("cannot set up the connection to Redis at {url}: {source}")]
    Setup {
        /// The URL, without its password.
        url: String,
        /// What failed.
        #[source]
        source: redis::RedisError,
    },
}
