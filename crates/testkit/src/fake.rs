//! The standard fixture over `collab-fake` (feature `fake`), for every test that runs
//! the suite over the fake, directly or behind other adapters.

use collab_fake::{InMemoryStore, Session};

use crate::fixture::{Fixture, OWNER, STRANGER, dataset_ids};

/// A user id the populated store does not know: its sessions are unauthorized.
pub const UNKNOWN_USER: &str = "mallory";

/// A store set up for [`Fixture::standard`]: [`OWNER`] owns the fixture's two known
/// datasets and [`STRANGER`] is a registered user.
pub fn populated_store() -> InMemoryStore {
    let (dataset, other_dataset, _) = dataset_ids();
    let store = InMemoryStore::new();
    store.add_dataset(dataset, OWNER);
    store.add_dataset(other_dataset, OWNER);
    store.add_user(STRANGER);
    store
}

/// The standard fixture over a fresh [`populated_store`], with another session of the
/// owner as [`Fixture::elsewhere`]: wrap the three in a decorator with
/// [`Fixture::map`], and the suite checks that no change made beneath the decorator is
/// lost.
pub fn fake_fixture() -> Fixture<Session> {
    let store = populated_store();
    Fixture::standard(
        store.session(OWNER),
        store.session(STRANGER),
        store.session(UNKNOWN_USER),
    )
    .with_elsewhere(store.session(OWNER))
}
