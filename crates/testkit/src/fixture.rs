//! What a backend under test provides to the suite.

use std::fmt;
use std::sync::Arc;

use collab_core::{AccessConfigRepository, DatasetId};

/// The repositories and datasets a backend under test provides.
///
/// `dataset` and `other_dataset` must exist and be owned by the user behind `owner`;
/// the suite deletes their configs before each check, so they may hold anything at
/// the start. `unknown_dataset` must not exist.
///
/// `elsewhere` (set with [`with_elsewhere`](Self::with_elsewhere)) is the owner acting
/// by another path than `owner`: another process, Lightly's web app, a direct call on
/// the backend under a decorator. It must reach the same state as `owner` but none of
/// `owner`'s caches. With it, the suite and the model test check that no change made
/// elsewhere is lost by a read-modify-write through `owner` (a cache must read fresh
/// to decide what to write); without it, those checks are not run.
#[derive(Clone)]
pub struct Fixture<R> {
    /// Acts as the owner of `dataset` and `other_dataset`.
    pub owner: R,
    /// A known user who owns neither dataset.
    pub stranger: R,
    /// Bad or unknown credentials.
    pub unauthenticated: R,
    /// The owner's user id, as [`AccessConfig::owner`](collab_core::AccessConfig::owner) shows it.
    pub owner_name: String,
    /// A known dataset, owned by `owner`.
    pub dataset: DatasetId,
    /// Another known dataset owned by `owner`, to check that datasets are isolated.
    pub other_dataset: DatasetId,
    /// A dataset the backend does not know.
    pub unknown_dataset: DatasetId,
    /// The owner by another path, bypassing whatever `owner` caches (see above).
    pub elsewhere: Option<Arc<dyn AccessConfigRepository>>,
}

impl<R: fmt::Debug> fmt::Debug for Fixture<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fixture")
            .field("owner", &self.owner)
            .field("stranger", &self.stranger)
            .field("unauthenticated", &self.unauthenticated)
            .field("owner_name", &self.owner_name)
            .field("dataset", &self.dataset)
            .field("other_dataset", &self.other_dataset)
            .field("unknown_dataset", &self.unknown_dataset)
            .field("elsewhere", &self.elsewhere.is_some())
            .finish()
    }
}

/// The user id that owns the standard fixture's datasets.
pub const OWNER: &str = "alice";
/// A known user of the standard fixture who owns no dataset.
pub const STRANGER: &str = "bob";

impl<R> Fixture<R> {
    /// The standard fixture: [`OWNER`] owns the first two of [`dataset_ids`], the third
    /// is unknown. The backend behind the three repositories must be set up that way
    /// (for the fake: `collab_testkit::fake::populated_store`, feature `fake`).
    pub fn standard(owner: R, stranger: R, unauthenticated: R) -> Self {
        let (dataset, other_dataset, unknown_dataset) = dataset_ids();
        Self {
            owner,
            stranger,
            unauthenticated,
            owner_name: OWNER.to_owned(),
            dataset,
            other_dataset,
            unknown_dataset,
            elsewhere: None,
        }
    }

    /// The same fixture with the owner reachable by another path too (see the
    /// struct's docs): e.g. the backend's session of the owner, under `owner`'s cache.
    #[must_use]
    pub fn with_elsewhere(mut self, elsewhere: impl AccessConfigRepository + 'static) -> Self {
        self.elsewhere = Some(Arc::new(elsewhere));
        self
    }
}

impl<R: AccessConfigRepository> Fixture<R> {
    /// The same fixture with each repository wrapped, e.g. in `Box` or `Arc<dyn ...>`,
    /// or in a decorator under test.
    pub fn map<T>(self, mut wrap: impl FnMut(R) -> T) -> Fixture<T> {
        Fixture {
            owner: wrap(self.owner),
            stranger: wrap(self.stranger),
            unauthenticated: wrap(self.unauthenticated),
            owner_name: self.owner_name,
            dataset: self.dataset,
            other_dataset: self.other_dataset,
            unknown_dataset: self.unknown_dataset,
            elsewhere: self.elsewhere,
        }
    }
}

/// Three fixed, distinct dataset ids for fixtures: `(dataset, other_dataset, unknown_dataset)`.
pub fn dataset_ids() -> (DatasetId, DatasetId, DatasetId) {
    let id = |last: u8| {
        DatasetId::new(collab_core::ObjectId::from_bytes([
            0x5f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, last,
        ]))
    };
    (id(1), id(2), id(3))
}

/// An access config id no backend under test holds: fixtures never create it.
pub fn unknown_config_id() -> collab_core::AccessConfigId {
    collab_core::AccessConfigId::new(collab_core::ObjectId::from_bytes([0xee; 12]))
}
