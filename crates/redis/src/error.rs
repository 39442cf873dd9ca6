//! [`Error`]: why a [`RedisCoordinator`](crate::RedisCoordinator) could not be built.
//! (Failures of its calls are the port's
//! [`CoordinationError`](collab_core::coordination::CoordinationError).)

/// Why a [`RedisCoordinator`](crate::RedisCoordinator) could not be built.
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
