//! The shared in-memory state and its administrative side (users, datasets).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

use collab_core::admin::{SnapshotInfo, SnapshotName};
use collab_core::fixtures::{Fixtures, UserFixture};
use collab_core::{AccessConfig, AccessConfigList, DatasetId, Timestamp, rules};

use crate::clock::{Clock, SystemClock};
use crate::ids::fresh_config_id;
use crate::session::Session;

/// An in-memory, multi-user stand-in for Lightly's Collaboration service.
///
/// The store holds users and datasets; [`InMemoryStore::session`] gives a handle that
/// acts as one user and implements [`AccessConfigRepository`](collab_core::AccessConfigRepository)
/// with the service's rules. Clones share state, so a test can keep the store and hand
/// sessions to the code under test.
///
/// Each dataset has its own lock and lives in a hash map, so the cost of an operation
/// does not grow with the number of datasets, and writes to one dataset are serialised
/// (concurrent create-or-update calls leave exactly one config).
///
/// ```
/// use collab_core::{AccessConfigRepository, DatasetId, Error, ShareRequest};
/// use collab_fake::InMemoryStore;
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let dataset: DatasetId = "0123456789abcdef01234567".parse()?;
/// let store = InMemoryStore::new();
/// store.add_dataset(dataset, "alice");
/// store.add_user("bob");
///
/// let alice = store.session("alice");
/// let id = alice.create_or_update(&dataset, &ShareRequest::write(["bob@example.com"], ["acme"])?).await?;
/// assert_eq!(alice.list(&dataset).await?[0].id, id);
///
/// // Only the owner manages sharing.
/// let bob = store.session("bob");
/// assert!(matches!(bob.list(&dataset).await, Err(Error::Forbidden { .. })));
/// # Ok::<(), Error>(()) }).unwrap();
/// ```
#[derive(Clone, Default)]
pub struct InMemoryStore {
    state: Arc<State>,
}

/// The store's maps: every call looks a user and a dataset up, and foldhash (seeded
/// per process, as hashbrown's default) hashes a key in a fraction of SipHash's time.
pub(crate) type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

struct State {
    clock: Arc<dyn Clock>,
    /// Users by name, with their tokens (which only a control plane reads).
    users: RwLock<Map<String, UserFixture>>,
    datasets: RwLock<Map<DatasetId, Arc<Mutex<Dataset>>>>,
    /// Saved states by name (the control plane's snapshots), with their listings.
    snapshots: Mutex<BTreeMap<SnapshotName, (SnapshotInfo, Fixtures)>>,
}

impl Default for State {
    fn default() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            users: RwLock::default(),
            datasets: RwLock::default(),
            snapshots: Mutex::default(),
        }
    }
}

/// One dataset: its owner and its configs, at most one per access type.
#[derive(Debug)]
pub(crate) struct Dataset {
    pub(crate) owner: String,
    /// Shared with readers; rebuilt on each write, which is rare next to reads.
    pub(crate) configs: AccessConfigList,
}

impl Dataset {
    /// The dataset as the service's rules see it.
    pub(crate) fn state(&self, dataset: DatasetId) -> rules::DatasetState<'_> {
        rules::DatasetState {
            dataset,
            owner: &self.owner,
            configs: &self.configs,
        }
    }
}

impl fmt::Debug for InMemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InMemoryStore")
            .field("users", &read(&self.state.users).len())
            .field("datasets", &read(&self.state.datasets).len())
            .field("clock", &self.state.clock)
            .finish()
    }
}

impl InMemoryStore {
    /// An empty store on the system clock.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store whose timestamps come from `clock`, e.g. a
    /// [`ManualClock`](crate::ManualClock) for deterministic tests.
    pub fn with_clock(clock: impl Clock) -> Self {
        Self {
            state: Arc::new(State {
                clock: Arc::new(clock),
                ..State::default()
            }),
        }
    }

    /// Registers a user id. Sessions of unregistered users are unauthorized.
    pub fn add_user(&self, user: impl Into<String>) {
        let name = user.into();
        write(&self.state.users)
            .entry(name.clone())
            .or_insert_with(|| UserFixture::without_token(name));
    }

    /// Whether the user is registered.
    pub fn has_user(&self, user: &str) -> bool {
        read(&self.state.users).contains_key(user)
    }

    /// Adds a dataset without configs, owned by `owner` (registering the owner).
    /// Adding a dataset that exists replaces its owner and clears its configs.
    pub fn add_dataset(&self, dataset: DatasetId, owner: impl Into<String>) {
        let owner = owner.into();
        self.add_user(owner.clone());
        let entry = Dataset {
            owner,
            configs: Vec::new().into(),
        };
        write(&self.state.datasets).insert(dataset, Arc::new(Mutex::new(entry)));
    }

    /// Removes a dataset and its configs; returns whether it existed.
    pub fn remove_dataset(&self, dataset: &DatasetId) -> bool {
        write(&self.state.datasets).remove(dataset).is_some()
    }

    /// The owner of a dataset, if it exists.
    pub fn owner_of(&self, dataset: &DatasetId) -> Option<String> {
        self.dataset(dataset).map(|d| lock(&d).owner.clone())
    }

    /// A dataset's configs as stored, bypassing authorization: for test assertions.
    pub fn configs(&self, dataset: &DatasetId) -> Option<Vec<AccessConfig>> {
        self.dataset(dataset).map(|d| lock(&d).configs.to_vec())
    }

    /// Stores a config as given (id and times included), in place of the dataset's
    /// config of the same access type: for fixtures that restore a captured state.
    /// Returns false, storing nothing, when the dataset is unknown.
    pub fn put_config(&self, dataset: &DatasetId, config: AccessConfig) -> bool {
        let Some(entry) = self.dataset(dataset) else {
            return false;
        };
        let mut entry = lock(&entry);
        let mut configs: Vec<AccessConfig> = entry
            .configs
            .iter()
            .filter(|c| c.access_type != config.access_type)
            .cloned()
            .collect();
        configs.push(config);
        entry.configs = configs.into();
        true
    }

    /// A config id no config of any store in this process has had: for fixtures
    /// that do not fix one.
    pub fn fresh_config_id(&self) -> collab_core::AccessConfigId {
        fresh_config_id(self.now())
    }

    /// The number of datasets held.
    pub fn dataset_count(&self) -> usize {
        read(&self.state.datasets).len()
    }

    /// A handle acting as `user`: it implements the port with that user's rights.
    pub fn session(&self, user: impl Into<String>) -> Session {
        Session::new(self.clone(), user.into())
    }

    pub(crate) fn dataset(&self, dataset: &DatasetId) -> Option<Arc<Mutex<Dataset>>> {
        read(&self.state.datasets).get(dataset).cloned()
    }

    pub(crate) fn users(&self) -> &RwLock<Map<String, UserFixture>> {
        &self.state.users
    }

    pub(crate) fn saved_snapshots(
        &self,
    ) -> &Mutex<BTreeMap<SnapshotName, (SnapshotInfo, Fixtures)>> {
        &self.state.snapshots
    }

    pub(crate) fn datasets(&self) -> &RwLock<Map<DatasetId, Arc<Mutex<Dataset>>>> {
        &self.state.datasets
    }

    pub(crate) fn now(&self) -> Timestamp {
        self.state.clock.now()
    }
}

// A panic while holding a lock cannot leave the maps half-written (every write is a
// single insert or remove), so a poisoned lock is still safe to use.
pub(crate) fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
