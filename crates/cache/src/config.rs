//! [`CacheConfig`]: how long and how many datasets' lists the cache keeps.

use std::time::Duration;

/// How long and how many datasets' lists a [`CachedRepository`](crate::CachedRepository)
/// keeps.
///
/// Start from [`CacheConfig::new()`] (the defaults, documented on each field; the same
/// as [`CacheConfig::default()`]) and change what you need with the `with_*` methods or
/// by setting the public fields. Every value is valid, so there is no `build` step: a
/// zero [`time_to_live`](Self::time_to_live) or [`max_datasets`](Self::max_datasets)
/// turns caching off, and a time to live past 1000 years is taken as 1000 years.
///
/// ```
/// use std::time::Duration;
/// use collab_cache::CacheConfig;
///
/// let config = CacheConfig::new()
///     .with_time_to_live(Duration::from_secs(5))
///     .with_max_datasets(1_000);
/// assert_eq!(config.time_to_live, Duration::from_secs(5));
/// assert_eq!(config.max_datasets, 1_000);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheConfig {
    /// How long a dataset's list is answered from memory, counted from the moment the
    /// call to the inner repository that fetched it began. Default
    /// [`CacheConfig::DEFAULT_TIME_TO_LIVE`] (30 s).
    ///
    /// This bounds how stale an answer can be with respect to changes made *elsewhere*
    /// (another process, Lightly's web app); changes made through the cache itself are
    /// seen at once, whatever this is. `Duration::ZERO` turns caching off: every call
    /// goes to the inner repository.
    pub time_to_live: Duration,
    /// The most datasets whose lists are kept at once; past it the least valuable
    /// entries are evicted (moka's TinyLFU policy); `0` keeps none. Default
    /// [`CacheConfig::DEFAULT_MAX_DATASETS`] (10 000). Each entry is one dataset's list,
    /// which holds at most one config per access type (the API knows one type today).
    pub max_datasets: u64,
}

impl CacheConfig {
    /// The default [`time_to_live`](Self::time_to_live): 30 seconds.
    pub const DEFAULT_TIME_TO_LIVE: Duration = Duration::from_secs(30);
    /// The default [`max_datasets`](Self::max_datasets): 10 000.
    pub const DEFAULT_MAX_DATASETS: u64 = 10_000;

    /// The default configuration (30 s, 10 000 datasets).
    pub fn new() -> Self {
        Self {
            time_to_live: Self::DEFAULT_TIME_TO_LIVE,
            max_datasets: Self::DEFAULT_MAX_DATASETS,
        }
    }

    /// Sets [`time_to_live`](Self::time_to_live).
    #[must_use]
    pub fn with_time_to_live(mut self, time_to_live: Duration) -> Self {
        self.time_to_live = time_to_live;
        self
    }

    /// Sets [`max_datasets`](Self::max_datasets).
    #[must_use]
    pub fn with_max_datasets(mut self, max_datasets: u64) -> Self {
        self.max_datasets = max_datasets;
        self
    }
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_thirty_seconds_and_ten_thousand_datasets() {
        let config = CacheConfig::default();
        assert_eq!(config, CacheConfig::new());
        assert_eq!(config.time_to_live, Duration::from_secs(30));
        assert_eq!(config.max_datasets, 10_000);
    }
}
