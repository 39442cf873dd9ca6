//! The fake's administrative port: [`StateAdmin`] for [`InMemoryStore`], so that
//! `collab serve`'s control plane exports, replaces and adds to the in-memory state.

use std::sync::{Arc, Mutex};

use collab_core::admin::{
    AdminError, SnapshotInfo, SnapshotName, StateAdmin, UserAddition, check_new_dataset,
    check_new_user, no_snapshot, now_millis,
};
use collab_core::fixtures::{ConfigFixture, DatasetFixture, Fixtures, UserFixture};
use collab_core::{AccessConfig, DatasetId, async_trait};

use crate::store::{Dataset, InMemoryStore, Map, lock, read, write};

#[async_trait]
impl StateAdmin for InMemoryStore {
    async fn export(&self) -> Result<Fixtures, AdminError> {
        self.snapshot().map_err(|error| AdminError::Unavailable {
            message: format!("a stored config cannot be exported: {error}"),
        })
    }

    async fn replace(&self, state: &Fixtures) -> Result<(), AdminError> {
        self.restore(state);
        Ok(())
    }

    async fn add_user(&self, user: &UserFixture) -> Result<(), AdminError> {
        let mut users = write(self.users());
        let existing = users.get(&user.name).map(UserFixture::token);
        let holder = user.token().and_then(|token| {
            users
                .values()
                .find(|other| other.token() == Some(token))
                .map(|other| other.name.as_str())
        });
        match check_new_user(user, existing, holder)? {
            UserAddition::Insert | UserAddition::SetToken => {
                users.insert(user.name.clone(), user.clone());
            }
            UserAddition::Unchanged => {}
        }
        Ok(())
    }

    async fn add_dataset(&self, dataset: DatasetId, owner: &str) -> Result<(), AdminError> {
        // Users before datasets, as `restore` takes them: no lock-order inversion.
        let users = read(self.users());
        let mut datasets = write(self.datasets());
        check_new_dataset(
            dataset,
            owner,
            users.contains_key(owner),
            datasets.contains_key(&dataset),
        )?;
        datasets.insert(dataset, new_dataset(owner, Vec::new()));
        Ok(())
    }

    async fn save_snapshot(&self, name: &SnapshotName) -> Result<SnapshotInfo, AdminError> {
        let state = self.export().await?;
        let info = SnapshotInfo::of(name, now_millis(), &state);
        lock(self.saved_snapshots()).insert(name.clone(), (info.clone(), state));
        Ok(info)
    }

    async fn snapshots(&self) -> Result<Vec<SnapshotInfo>, AdminError> {
        let saved = lock(self.saved_snapshots());
        Ok(saved.values().map(|(info, _)| info.clone()).collect())
    }

    async fn restore_snapshot(&self, name: &SnapshotName) -> Result<Fixtures, AdminError> {
        let state = lock(self.saved_snapshots())
            .get(name)
            .map(|(_, state)| state.clone())
            .ok_or_else(|| no_snapshot(name))?;
        self.restore(&state);
        Ok(state)
    }

    async fn forget_snapshot(&self, name: &SnapshotName) -> Result<(), AdminError> {
        lock(self.saved_snapshots())
            .remove(name)
            .map(drop)
            .ok_or_else(|| no_snapshot(name))
    }
}

impl InMemoryStore {
    /// Everything the store holds, as a fixture document: users by name (with their
    /// tokens), datasets by id, configs with their ids and times. Fails only if a
    /// stored config's lists no longer pass a request's checks, which the store's own
    /// writes never leave.
    pub fn snapshot(&self) -> Result<Fixtures, collab_core::Error> {
        let mut users: Vec<UserFixture> = read(self.users()).values().cloned().collect();
        users.sort_by(|a, b| a.name.cmp(&b.name));
        let entries: Vec<(DatasetId, Arc<Mutex<Dataset>>)> = read(self.datasets())
            .iter()
            .map(|(id, entry)| (*id, Arc::clone(entry)))
            .collect();
        let mut datasets = entries
            .into_iter()
            .map(|(id, entry)| {
                let entry = lock(&entry);
                Ok(DatasetFixture {
                    id,
                    owner: entry.owner.clone(),
                    configs: entry
                        .configs
                        .iter()
                        .map(ConfigFixture::from_config)
                        .collect::<Result<_, _>>()?,
                })
            })
            .collect::<Result<Vec<_>, collab_core::Error>>()?;
        datasets.sort_by_key(|dataset| dataset.id);
        Ok(Fixtures { users, datasets })
    }

    /// Replaces everything the store holds with `state`, keeping the ids and times it
    /// fixes (configs without them get fresh ones, as a seed does). `state` should
    /// have passed [`Fixtures::checked`].
    pub fn restore(&self, state: &Fixtures) {
        let now = self.now();
        let mut users: Map<String, UserFixture> = state
            .users
            .iter()
            .map(|user| (user.name.clone(), user.clone()))
            .collect();
        let datasets = state
            .datasets
            .iter()
            .map(|dataset| {
                users
                    .entry(dataset.owner.clone())
                    .or_insert_with(|| UserFixture::without_token(dataset.owner.clone()));
                let configs = dataset
                    .configs
                    .iter()
                    .map(|config| config.to_config(&dataset.owner, now, || self.fresh_config_id()))
                    .collect();
                (dataset.id, new_dataset(&dataset.owner, configs))
            })
            .collect();
        let mut held_users = write(self.users());
        let mut held_datasets = write(self.datasets());
        *held_users = users;
        *held_datasets = datasets;
    }
}

fn new_dataset(owner: &str, configs: Vec<AccessConfig>) -> Arc<Mutex<Dataset>> {
    Arc::new(Mutex::new(Dataset {
        owner: owner.to_owned(),
        configs: configs.into(),
    }))
}
