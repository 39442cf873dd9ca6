//! A user's handle on the store: the port, with the service's rules.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use collab_core::{
    AccessConfigId, AccessConfigList, AccessConfigRepository, DatasetId, Result, ShareRequest,
    rules,
};

use crate::ids::fresh_config_id;
use crate::store::{Dataset, InMemoryStore, lock};

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

    /// The dataset, once the caller is known to be its owner (the rules' order:
    /// unknown user, unknown dataset, not the owner).
    fn owned_dataset(&self, dataset: &DatasetId) -> Result<Arc<Mutex<Dataset>>> {
        if !self.store.has_user(&self.user) {
            return Err(rules::unknown_user());
        }
        let entry = self
            .store
            .dataset(dataset)
            .ok_or_else(|| rules::unknown_dataset(*dataset))?;
        rules::authorize(&lock(&entry).state(*dataset), &self.user)?;
        Ok(entry)
    }
}

#[async_trait]
impl AccessConfigRepository for Session {
    async fn create_or_update(
        &self,
        dataset: &DatasetId,
        request: &ShareRequest,
    ) -> Result<AccessConfigId> {
        let entry = self.owned_dataset(dataset)?;
        let mut entry = lock(&entry);
        let now = self.store.now();
        let write = rules::create_or_update(&entry.state(*dataset), request, now, || {
            fresh_config_id(now)
        });
        let id = write.config().id;
        let mut configs = entry.configs.to_vec();
        write.apply_to(&mut configs);
        entry.configs = configs.into();
        Ok(id)
    }

    async fn delete(&self, dataset: &DatasetId, config: &AccessConfigId) -> Result<()> {
        let entry = self.owned_dataset(dataset)?;
        let mut entry = lock(&entry);
        let position = rules::delete(&entry.state(*dataset), config)?;
        let mut configs = entry.configs.to_vec();
        configs.remove(position);
        entry.configs = configs.into();
        Ok(())
    }

    async fn list(&self, dataset: &DatasetId) -> Result<AccessConfigList> {
        let entry = self.owned_dataset(dataset)?;
        let configs = Arc::clone(&lock(&entry).configs);
        Ok(configs)
    }
}
