//! A user's handle on the store: the port, with the service's rules.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use collab_core::{
    AccessConfig, AccessConfigId, AccessConfigList, AccessConfigRepository, DatasetId, Error,
    Result, ShareRequest,
};

use crate::store::{Dataset, InMemoryStore, lock};

/// Acts as one user of an [`InMemoryStore`]; implements the port.
///
/// The rules, checked in this order: an unregistered user is
/// [`Error::Unauthorized`]; an unknown dataset is [`Error::DatasetNotFound`]; a user
/// who does not own the dataset is [`Error::Forbidden`]; deleting an unknown config
/// is [`Error::AccessConfigNotFound`].
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

    /// The dataset, once the caller is known to be its owner.
    fn owned_dataset(&self, dataset: &DatasetId) -> Result<Arc<Mutex<Dataset>>> {
        if !self.store.has_user(&self.user) {
            return Err(Error::Unauthorized {
                message: "unknown user or token".to_owned(),
            });
        }
        let entry = self
            .store
            .dataset(dataset)
            .ok_or(Error::DatasetNotFound { dataset: *dataset })?;
        if lock(&entry).owner != self.user {
            return Err(Error::Forbidden {
                message: format!("only the owner of dataset {dataset} manages its sharing"),
            });
        }
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
        let mut configs = entry.configs.to_vec();
        let id = match configs
            .iter_mut()
            .find(|c| c.access_type == request.access_type())
        {
            Some(config) => {
                config.users = request.users().to_vec();
                config.teams = request.teams().to_vec();
                config.last_modified_at = now.max(config.last_modified_at);
                config.id
            }
            None => {
                let id = self.store.fresh_id();
                configs.push(AccessConfig {
                    id,
                    owner: entry.owner.clone(),
                    access_type: request.access_type(),
                    users: request.users().to_vec(),
                    teams: request.teams().to_vec(),
                    created_at: now,
                    last_modified_at: now,
                });
                id
            }
        };
        entry.configs = configs.into();
        Ok(id)
    }

    async fn delete(&self, dataset: &DatasetId, config: &AccessConfigId) -> Result<()> {
        let entry = self.owned_dataset(dataset)?;
        let mut entry = lock(&entry);
        if !entry.configs.iter().any(|c| c.id == *config) {
            return Err(Error::AccessConfigNotFound {
                dataset: *dataset,
                config: *config,
            });
        }
        entry.configs = entry
            .configs
            .iter()
            .filter(|c| c.id != *config)
            .cloned()
            .collect();
        Ok(())
    }

    async fn list(&self, dataset: &DatasetId) -> Result<AccessConfigList> {
        let entry = self.owned_dataset(dataset)?;
        let configs = Arc::clone(&lock(&entry).configs);
        Ok(configs)
    }
}
