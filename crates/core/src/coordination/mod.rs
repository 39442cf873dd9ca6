//! Coordination between the callers that change one dataset: a per-dataset **lock**
//! (a lease held by one owner at a time) and a per-dataset **generation** (a value that
//! every write replaces, so that a cache can tell whether what it holds is current).
//!
//! These are ports, like [`AccessConfigRepository`](crate::AccessConfigRepository):
//!
//! - [`DatasetLocks`] hands out a [`Lease`] on one dataset. [`SharingService`] always
//!   takes the process-wide [`InProcessLocks`] around its read-modify-write, so that
//!   concurrent calls in one process never lose a change; give it a fleet-wide
//!   implementation (`collab-redis`) with
//!   [`SharingService::with_fleet_locks`] to extend that to every process that uses the
//!   same one.
//! - [`DatasetGenerations`] reads and replaces a dataset's [`Generation`]. A cache that
//!   keys its entries by the generation it read before loading, and every writer that
//!   replaces the generation before and after each write, never answer a read that
//!   starts after a write returned with the state from before it (`collab-cache`'s
//!   `CachedRepository::with_coherence`). [`InProcessGenerations`] serves one process;
//!   `collab-redis` serves a fleet.
//!
//! # What a lease guarantees, and what it does not
//!
//! A lease is held until its holder releases it **or until it expires**. An
//! implementation shared between processes gives every lease a time to live, renews it
//! while it is held and lets it expire when its holder dies, so that a crashed holder
//! cannot block a dataset forever. The price is that a holder that stalls longer than
//! the time to live (a paused process, a long GC-like stall, a machine suspended) loses
//! the lease without knowing it at once, and another caller may take it.
//! [`Lease::ensure_held`] is called right before the write to detect that, so a
//! stalled holder gives up instead of writing; but a stall *between* that check and the
//! moment the request reaches the service cannot be detected by the holder. Lightly's
//! API takes no fencing token, so the service cannot refuse such a late write either.
//! Lease locks therefore make lost updates impossible among callers that do not stall
//! past the time to live, and rare (a stall of exactly that window) otherwise; they are
//! not a consensus protocol.
//!
//! [`SharingService`]: crate::SharingService
//! [`SharingService::with_fleet_locks`]: crate::SharingService::with_fleet_locks

mod in_process;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::{DatasetId, ErrorSource};

pub use in_process::{InProcessGenerations, InProcessLease, InProcessLocks};

/// Why a coordination call failed. Nothing was written because of it: the callers in
/// this workspace check coordination before they write.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum CoordinationError {
    /// The coordination service (e.g. Redis) could not be reached or failed; trying
    /// again later may help.
    #[error("the coordination service is unreachable: {message}")]
    Unreachable {
        /// What happened (never holds a credential).
        message: String,
        /// The underlying error, if any.
        #[source]
        source: Option<ErrorSource>,
    },
    /// Another owner held the dataset's lock for as long as the caller was willing to
    /// wait.
    #[error("the lock on dataset {dataset} stayed held by another owner for {waited:?}")]
    Busy {
        /// The dataset.
        dataset: DatasetId,
        /// How long the caller waited.
        waited: Duration,
    },
    /// The lease expired, or was taken by another owner, while it was held: the holder
    /// stalled past its time to live, or could not renew it.
    #[error(
        "the lease on dataset {dataset} expired while it was held (stalled past its time to live?)"
    )]
    LeaseLost {
        /// The dataset.
        dataset: DatasetId,
    },
}

impl CoordinationError {
    /// An [`CoordinationError::Unreachable`] with a message and a source.
    pub fn unreachable(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Unreachable {
            message: message.into(),
            source: Some(Arc::new(source)),
        }
    }

    /// This failure as the port's [`Error`](crate::Error), for a caller that was about
    /// to change `dataset`: always [`Error::Unavailable`](crate::Error::Unavailable)
    /// (trying again can help), saying that nothing was written, with `self` as its
    /// source so that a caller can tell coordination failures from the API's by
    /// downcasting the source to `CoordinationError`.
    pub fn into_write_error(self, dataset: &DatasetId) -> crate::Error {
        crate::Error::Unavailable {
            message: format!(
                "cannot coordinate the change of dataset {dataset}, nothing was written"
            ),
            source: Some(Arc::new(self)),
        }
    }
}

/// A lock on one dataset, held by one owner at a time: given by
/// [`DatasetLocks::lock`], given back by [`Lease::release`] (or by dropping it, which
/// releases it as soon as it can).
#[async_trait]
pub trait Lease: Send + Sync {
    /// Confirms that the lease is still held, right before the write it protects.
    /// Fails with [`CoordinationError::LeaseLost`] if it expired or was taken meanwhile;
    /// an implementation with a time to live also extends it here, so the write that
    /// follows has the whole time to live.
    async fn ensure_held(&self) -> Result<(), CoordinationError>;

    /// Gives the lock back, if this owner still holds it (never another owner's).
    async fn release(self: Box<Self>) -> Result<(), CoordinationError>;
}

/// Per-dataset locks: the port a fleet-wide lock (Redis) and the in-process one
/// implement.
#[async_trait]
pub trait DatasetLocks: Send + Sync + std::fmt::Debug {
    /// Takes the dataset's lock, waiting while another owner holds it, for as long as
    /// the implementation is configured to wait
    /// ([`CoordinationError::Busy`] after that).
    async fn lock(&self, dataset: &DatasetId) -> Result<Box<dyn Lease>, CoordinationError>;
}

/// A dataset's generation: an opaque value that every write replaces. Two reads that
/// give the same generation saw no write in between (a value is never given twice,
/// up to the odds of a 64-bit random collision).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Generation(pub u64);

/// Per-dataset generations: the port a fleet-wide store (Redis) and the in-process one
/// implement.
///
/// A writer calls [`advance`](Self::advance) before and after each write; a cache reads
/// [`current`](Self::current) before each lookup and serves only entries loaded under
/// that generation.
#[async_trait]
pub trait DatasetGenerations: Send + Sync + std::fmt::Debug {
    /// The dataset's generation now (one is made up, and kept, if it has none).
    async fn current(&self, dataset: &DatasetId) -> Result<Generation, CoordinationError>;

    /// Replaces the dataset's generation with a new one.
    async fn advance(&self, dataset: &DatasetId) -> Result<(), CoordinationError>;
}

#[async_trait]
impl<T: DatasetLocks + ?Sized> DatasetLocks for Arc<T> {
    async fn lock(&self, dataset: &DatasetId) -> Result<Box<dyn Lease>, CoordinationError> {
        (**self).lock(dataset).await
    }
}

#[async_trait]
impl<T: DatasetGenerations + ?Sized> DatasetGenerations for Arc<T> {
    async fn current(&self, dataset: &DatasetId) -> Result<Generation, CoordinationError> {
        (**self).current(dataset).await
    }

    async fn advance(&self, dataset: &DatasetId) -> Result<(), CoordinationError> {
        (**self).advance(dataset).await
    }
}
