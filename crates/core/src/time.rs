//! Timestamps as the API writes them: unix time in milliseconds.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// A point in time as the API writes it: milliseconds since the unix epoch, `>= 0`.
///
/// ```
/// use std::time::{Duration, SystemTime, UNIX_EPOCH};
/// use collab_core::Timestamp;
/// let t = Timestamp::from_millis(1_700_000_000_000);
/// let time = SystemTime::try_from(t)?;
/// assert_eq!(time, UNIX_EPOCH + Duration::from_millis(1_700_000_000_000));
/// assert_eq!(Timestamp::try_from(time), Ok(t));
/// # Ok::<(), collab_core::time::OutOfRange>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(u64);

/// A [`SystemTime`] before the unix epoch, which a [`Timestamp`] cannot hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("time is before the unix epoch")]
pub struct BeforeEpoch;

impl Timestamp {
    /// The unix epoch.
    pub const EPOCH: Self = Self(0);

    /// A timestamp `millis` milliseconds after the epoch.
    pub const fn from_millis(millis: u64) -> Self {
        Self(millis)
    }

    /// Milliseconds since the epoch.
    pub const fn as_millis(&self) -> u64 {
        self.0
    }

    /// The current time of the system clock (the epoch if the clock is set before it).
    pub fn now() -> Self {
        Self::try_from(SystemTime::now()).unwrap_or(Self::EPOCH)
    }
}

/// A [`Timestamp`] too far in the future for this platform's [`SystemTime`] (any
/// `u64` of milliseconds is valid on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("timestamp {0} ms is out of this platform's range")]
pub struct OutOfRange(pub u64);

impl TryFrom<Timestamp> for SystemTime {
    type Error = OutOfRange;
    fn try_from(timestamp: Timestamp) -> Result<Self, Self::Error> {
        UNIX_EPOCH
            .checked_add(Duration::from_millis(timestamp.0))
            .ok_or(OutOfRange(timestamp.0))
    }
}

impl TryFrom<SystemTime> for Timestamp {
    type Error = BeforeEpoch;
    fn try_from(time: SystemTime) -> Result<Self, Self::Error> {
        let since = time.duration_since(UNIX_EPOCH).map_err(|_| BeforeEpoch)?;
        Ok(Self(u64::try_from(since.as_millis()).unwrap_or(u64::MAX)))
    }
}
