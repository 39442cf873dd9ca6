//! The service's rules for one dataset, written once for every store that enforces
//! them (the in-memory fake and the durable store).
//!
//! A store loads what it holds about a dataset, asks these functions what a call
//! means, and writes the answer back. The functions are pure: no clock, no id source
//! and no storage of their own, so that both stores give the same answers and a test of
//! the rules needs no store at all.
//!
//! ```
//! use collab_core::rules::{self, ConfigWrite, DatasetState};
//! use collab_core::{AccessConfigId, DatasetId, ObjectId, ShareRequest, Timestamp};
//!
//! let dataset: DatasetId = "0123456789abcdef01234567".parse()?;
//! let state = DatasetState { dataset, owner: "alice", configs: &[] };
//! rules::authorize(&state, "alice")?;
//!
//! let request = ShareRequest::write(["ann@example.com"], ["acme"])?;
//! let now = Timestamp::from_millis(1_000);
//! let write = rules::create_or_update(&state, &request, now, || rules::config_id(now, 1));
//! assert!(matches!(write, ConfigWrite::Created(ref config) if config.created_at == now));
//! # Ok::<(), collab_core::Error>(())
//! ```

use crate::{
    AccessConfig, AccessConfigId, DatasetId, Error, ObjectId, Result, ShareRequest, Timestamp,
};

/// What a store holds about one existing dataset, as the rules see it.
#[derive(Debug, Clone, Copy)]
pub struct DatasetState<'a> {
    /// The dataset's id.
    pub dataset: DatasetId,
    /// The id of the user who owns it.
    pub owner: &'a str,
    /// Its configs, at most one per access type.
    pub configs: &'a [AccessConfig],
}

/// The error for a caller whose user the store does not know.
pub fn unknown_user() -> Error {
    Error::Unauthorized {
        message: "unknown user or token".to_owned(),
    }
}

/// The error for a dataset the store does not hold.
pub fn unknown_dataset(dataset: DatasetId) -> Error {
    Error::DatasetNotFound {
        dataset,
        request_id: None,
    }
}

/// Only the owner manages a dataset's sharing: [`Error::Forbidden`] for anyone else.
///
/// A store checks, in this order: an unknown user is [`unknown_user`], an unknown
/// dataset is [`unknown_dataset`], then this.
pub fn authorize(state: &DatasetState<'_>, user: &str) -> Result<()> {
    if state.owner == user {
        Ok(())
    } else {
        Err(Error::Forbidden {
            message: format!(
                "only the owner of dataset {} manages its sharing",
                state.dataset
            ),
        })
    }
}

/// What a create-or-update does: the config to store, new or in place of the one of
/// the same access type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigWrite {
    /// A new config, the first of its access type on the dataset.
    Created(AccessConfig),
    /// The dataset's config of that access type, replaced: same id and `createdAt`.
    Replaced(AccessConfig),
}

impl ConfigWrite {
    /// The config as it is to be stored.
    pub fn config(&self) -> &AccessConfig {
        match self {
            Self::Created(config) | Self::Replaced(config) => config,
        }
    }

    /// Applies the write to a dataset's list of configs: replaces the config with the
    /// same id, or appends the new one.
    pub fn apply_to(self, configs: &mut Vec<AccessConfig>) {
        match self {
            Self::Created(config) => configs.push(config),
            Self::Replaced(config) => {
                if let Some(slot) = configs.iter_mut().find(|c| c.id == config.id) {
                    *slot = config;
                }
            }
        }
    }
}

/// The write a create-or-update makes, at time `now`: one config per dataset and
/// access type, so a config of the request's type is replaced (keeping its id and
/// `createdAt`, moving `lastModifiedAt` to `now` but never backwards); otherwise a new
/// config gets the id `fresh_id` gives. The owner of a config is the dataset's owner.
///
/// Call it after [`authorize`].
pub fn create_or_update(
    state: &DatasetState<'_>,
    request: &ShareRequest,
    now: Timestamp,
    fresh_id: impl FnOnce() -> AccessConfigId,
) -> ConfigWrite {
    match state
        .configs
        .iter()
        .find(|c| c.access_type == request.access_type())
    {
        Some(existing) => ConfigWrite::Replaced(AccessConfig {
            users: request.users().to_vec(),
            teams: request.teams().to_vec(),
            last_modified_at: now.max(existing.last_modified_at),
            ..existing.clone()
        }),
        None => ConfigWrite::Created(AccessConfig {
            id: fresh_id(),
            owner: state.owner.to_owned(),
            access_type: request.access_type(),
            users: request.users().to_vec(),
            teams: request.teams().to_vec(),
            created_at: now,
            last_modified_at: now,
        }),
    }
}

/// Where the config to delete is in the dataset's list, or
/// [`Error::AccessConfigNotFound`] when the dataset has no such config.
///
/// Call it after [`authorize`].
pub fn delete(state: &DatasetState<'_>, config: &AccessConfigId) -> Result<usize> {
    state
        .configs
        .iter()
        .position(|c| c.id == *config)
        .ok_or(Error::AccessConfigNotFound {
            dataset: state.dataset,
            config: *config,
            request_id: None,
        })
}

/// A config id shaped like MongoDB's: 4 bytes of seconds since the epoch, then 8 bytes
/// of `serial`. Ids are unique as long as the caller never repeats a serial.
pub fn config_id(now: Timestamp, serial: u64) -> AccessConfigId {
    let seconds = u32::try_from(now.as_millis() / 1000).unwrap_or(u32::MAX);
    let mut bytes = [0u8; 12];
    bytes[..4].copy_from_slice(&seconds.to_be_bytes());
    bytes[4..].copy_from_slice(&serial.to_be_bytes());
    ObjectId::from_bytes(bytes).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dataset() -> DatasetId {
        "0123456789abcdef01234567".parse().unwrap()
    }

    /// The test dataset, owned by alice, with these configs.
    fn alices(configs: &[AccessConfig]) -> DatasetState<'_> {
        DatasetState {
            dataset: dataset(),
            owner: "alice",
            configs,
        }
    }

    fn request(users: &[&str]) -> ShareRequest {
        ShareRequest::write(users, ["acme"]).unwrap()
    }

    fn created(now: u64) -> AccessConfig {
        let state = alices(&[]);
        let now = Timestamp::from_millis(now);
        match create_or_update(&state, &request(&["ann@example.com"]), now, || {
            config_id(now, 7)
        }) {
            ConfigWrite::Created(config) => config,
            other => panic!("expected a new config, got {other:?}"),
        }
    }

    #[test]
    fn only_the_owner_is_authorized_and_the_error_names_the_dataset() {
        let state = alices(&[]);
        assert!(authorize(&state, "alice").is_ok());
        match authorize(&state, "bob") {
            Err(Error::Forbidden { message }) => {
                assert!(message.contains(&dataset().to_string()), "{message}")
            }
            other => panic!("expected Forbidden, got {other:?}"),
        }
    }

    #[test]
    fn a_first_write_creates_a_config_owned_by_the_dataset_owner() {
        let config = created(5_000);
        assert_eq!(config.owner, "alice");
        assert_eq!(config.users, ["ann@example.com"]);
        assert_eq!(config.created_at, Timestamp::from_millis(5_000));
        assert_eq!(config.last_modified_at, config.created_at);
        assert_eq!(config.id, config_id(Timestamp::from_millis(5_000), 7));
    }

    #[test]
    fn a_second_write_replaces_keeping_id_and_created_at_and_time_never_goes_back() {
        let first = created(5_000);
        let configs = [first.clone()];
        let state = alices(&configs);
        let later = Timestamp::from_millis(9_000);
        let write = create_or_update(&state, &request(&["bob@example.com"]), later, || {
            panic!("a replace needs no new id")
        });
        let ConfigWrite::Replaced(replaced) = write.clone() else {
            panic!("expected a replace, got {write:?}");
        };
        assert_eq!(
            (replaced.id, replaced.created_at),
            (first.id, first.created_at)
        );
        assert_eq!(replaced.users, ["bob@example.com"]);
        assert_eq!(replaced.last_modified_at, later);

        let earlier = Timestamp::from_millis(1_000);
        let back = create_or_update(&state, &request(&[]), earlier, || unreachable!());
        assert_eq!(back.config().last_modified_at, first.last_modified_at);

        let mut list = configs.to_vec();
        write.apply_to(&mut list);
        assert_eq!(list, [replaced]);
    }

    #[test]
    fn deleting_an_unknown_config_names_dataset_and_config() {
        let first = created(5_000);
        let configs = [first.clone()];
        let state = alices(&configs);
        assert_eq!(delete(&state, &first.id).unwrap(), 0);
        let unknown = config_id(Timestamp::EPOCH, 99);
        match delete(&state, &unknown) {
            Err(Error::AccessConfigNotFound {
                dataset: d, config, ..
            }) => {
                assert_eq!((d, config), (dataset(), unknown))
            }
            other => panic!("expected AccessConfigNotFound, got {other:?}"),
        }
    }

    #[test]
    fn config_ids_differ_by_serial_and_start_with_seconds() {
        let now = Timestamp::from_millis(1_700_000_000_123);
        let (a, b) = (config_id(now, 1), config_id(now, 2));
        assert_ne!(a, b);
        assert!(
            a.to_string()
                .starts_with(&format!("{:08x}", 1_700_000_000u32))
        );
    }
}
