//! A user's handle on the store: the port, with the service's rules.

use std::sync::Arc;

use async_trait::async_trait;
use collab_core::{
    AccessConfigId, AccessConfigList, AccessConfigRepository, DatasetId, Result, ShareRequest,
    rules,
};

use crate::ids::fresh_config_id;
use crate::store::{Dataset, InMemoryStore, lock, read};

/// Acts as one user of an [`InMemoryStore`]; implements the port.
///
/// The rules are [`collab_core::rules`], checked in this order: an unregistered user
/// is [`Error::Unauthorized`]; an unknown dataset is [`Error::DatasetNotFound`]; a
/// user who does not own the dataset is [`Error::Forbidden`]; deleting an unknown
/// config is [`Error::AccessConfigNotFound`].
///
/// [`Error::Unauthorized`]: collab_core::Error::Unauthorized
/// [`Error::DatasetNotFound`]: collab_core::Error::DatasetNotFound
/// [`Error::Forbidden`]: collab_core::Error::Forbidden
/// [`Error::AccessConfigNotFound`]: collab_core::Error::AccessConfigNotFound
#[derive(Debug, Clone)]
pub struct Session {
    store: InMemoryStore,
    user: String,
}

impl Session {
    pub(crate) fn new(store: InMemoryStore, user: String) -> Self {
        Self { store, user }
    }

    /// The user this session acts as.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The store this session acts on.
    pub fn store(&self) -> &InMemoryStore {
        &self.store
    }

    /// Runs `act` on the dataset once the caller is known to be its owner (the rules'
    /// order: unknown user, unknown dataset, not the owner), with the dataset locked
    /// from the check to the end of `act`. The entry is borrowed from the store's map,
    /// not counted: every call of every thread would count on the same entry.
    fn on_owned_dataset<T>(
        &self,
        dataset: &DatasetId,
        act: impl FnOnce(&mut Dataset) -> Result<T>,
    ) -> Result<T> {
        if !self.store.has_user(&self.user) {
            return Err(rules::unknown_user());
        }
        let datasets = read(self.store.datasets());
        let entry = datasets
            .get(dataset)
            .ok_or_else(|| rules::unknown_dataset(*dataset))?;
        let mut entry = lock(entry);
        rules::authorize(&entry.state(*dataset), &self.user)?;
        act(&mut entry)
    }
}

#[async_trait]
impl AccessConfigRepository for Session {
    async fn create_or_update(
        &self,
        dataset: &DatasetId,
        request: &ShareRequest,
    ) -> Result<AccessConfigId> {
        self.on_owned_dataset(dataset, |entry| {
            let now = self.store.now();
            let write = rules::create_or_update(&entry.state(*dataset), request, now, || {
                fresh_config_id(now)
            });
            let id = write.config().id;
            let mut configs = entry.configs.to_vec();
            write.apply_to(&mut configs);
            entry.configs = configs.into();
            Ok(id)
        })
    }

    async fn delete(&self, dataset: &DatasetId, config: &AccessConfigId) -> Result<()> {
        self.on_owned_dataset(dataset, |entry| {
            let position = rules::delete(&entry.state(*dataset), config)?;
            let mut configs = entry.configs.to_vec();
            configs.remove(position);
            entry.configs = configs.into();
            Ok(())
        })
    }

    async fn list(&self, dataset: &DatasetId) -> Result<AccessConfigList> {
        self.on_owned_dataset(dataset, |entry| Ok(Arc::clone(&entry.configs)))
    }
}
