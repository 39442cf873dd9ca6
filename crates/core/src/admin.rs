//! The administrative port of a store: [`StateAdmin`], through which a control plane
//! (`collab serve`'s `/_collab` routes) reads and replaces a whole state without
//! knowing which store holds it.
//!
//! The state is a [`Fixtures`] document: the one type, with one JSON shape, that
//! `--seed` reads, `collab store export --json` writes and `GET`/`PUT /_collab/state`
//! exchange. The checks that a document must pass are [`Fixtures::checked`]'s, written
//! once; the checks of a single added user or dataset are [`check_new_user`] and
//! [`check_new_dataset`], also written once, and each store applies them under its own
//! lock so that two additions at once cannot both pass.

use std::hash::{BuildHasher, Hasher, RandomState};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::fixtures::{Fixtures, UserFixture};
use crate::{DatasetId, ObjectId, async_trait};

/// Why an administrative call was refused or failed: what the caller can act on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdminError {
    /// The call contradicts the state (a user name taken with another token, a dataset
    /// id taken): nothing changed.
    #[error("{message}")]
    Conflict {
        /// What clashes, naming the user or dataset (never a token).
        message: String,
    },
    /// The call names something the state does not have (an owner who is no user):
    /// nothing changed.
    #[error("{message}")]
    Invalid {
        /// What is wrong.
        message: String,
    },
    /// The call names a saved state (a snapshot) the store does not have: nothing
    /// changed.
    #[error("{message}")]
    NotFound {
        /// What is missing, by name.
        message: String,
    },
    /// The store could not do it (a disk error, say): nothing changed.
    #[error("the store failed: {message}")]
    Unavailable {
        /// What failed.
        message: String,
    },
}

/// A store's administrative side: the whole state out and in, and the users and
/// datasets that tests add one at a time.
///
/// Implemented by `collab-fake`'s `InMemoryStore` and `collab-store`'s `DurableStore`.
/// Every method changes all or nothing. [`replace`](Self::replace) takes a document that
/// passed [`Fixtures::checked`]; a store may assume it.
///
/// ```
/// use collab_core::admin::StateAdmin;
/// use collab_core::fixtures::{Fixtures, UserFixture};
///
/// async fn start_over(store: &dyn StateAdmin) -> Result<Fixtures, collab_core::admin::AdminError> {
///     let before = store.export().await?;
///     store.replace(&Fixtures::default()).await?;
///     store.add_user(&UserFixture::new("alice", "alice-token")).await?;
///     Ok(before)
/// }
/// ```
#[async_trait]
pub trait StateAdmin: Send + Sync {
    /// Everything the store holds: users with their tokens, datasets with their owners,
    /// configs with their ids and times.
    async fn export(&self) -> Result<Fixtures, AdminError>;

    /// Replaces users, datasets and configs with `state`, keeping its ids and times.
    async fn replace(&self, state: &Fixtures) -> Result<(), AdminError>;

    /// Adds a user, or does nothing if the same user (same token) exists; refused when
    /// the name is taken with another token or the token by another user
    /// ([`check_new_user`]).
    async fn add_user(&self, user: &UserFixture) -> Result<(), AdminError>;

    /// Adds a dataset without configs; refused when its owner is no user or its id is
    /// taken ([`check_new_dataset`]).
    async fn add_dataset(&self, dataset: DatasetId, owner: &str) -> Result<(), AdminError>;

    /// Saves the whole state, as [`export`](Self::export) reads it, under `name`
    /// (replacing a snapshot of that name). A durable store keeps its snapshots beside
    /// the state, in the same file, so that they survive a restart.
    async fn save_snapshot(&self, name: &SnapshotName) -> Result<SnapshotInfo, AdminError>;

    /// The saved snapshots, by name.
    async fn snapshots(&self) -> Result<Vec<SnapshotInfo>, AdminError>;

    /// Makes the snapshot `name` the state (its ids and times as saved), all or
    /// nothing, and returns it; [`AdminError::NotFound`] when there is none of that name.
    async fn restore_snapshot(&self, name: &SnapshotName) -> Result<Fixtures, AdminError>;

    /// Forgets the snapshot `name`; [`AdminError::NotFound`] when there is none.
    async fn forget_snapshot(&self, name: &SnapshotName) -> Result<(), AdminError>;
}

/// The name of a saved state: 1 to 64 letters, digits, `.`, `_` or `-` (so that it is
/// a path segment as it stands), checked when it is made.
///
/// ```
/// use collab_core::admin::SnapshotName;
///
/// let name: SnapshotName = "before-migration".parse()?;
/// assert_eq!(name.as_str(), "before-migration");
/// assert!("two words".parse::<SnapshotName>().is_err());
/// # Ok::<(), collab_core::admin::AdminError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SnapshotName(String);

/// The most characters a [`SnapshotName`] has.
pub const SNAPSHOT_NAME_MAX: usize = 64;

impl SnapshotName {
    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for SnapshotName {
    type Err = AdminError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
        if name.is_empty() || name.len() > SNAPSHOT_NAME_MAX || !name.chars().all(allowed) {
            return Err(AdminError::Invalid {
                message: format!(
                    "snapshot name {name:?}: expected 1 to {SNAPSHOT_NAME_MAX} letters, digits, '.', '_' or '-'"
                ),
            });
        }
        Ok(Self(name.to_owned()))
    }
}

impl std::fmt::Display for SnapshotName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A saved snapshot as a listing shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotInfo {
    /// Its name.
    pub name: String,
    /// When it was saved, in milliseconds since the Unix epoch.
    pub saved_at: u64,
    /// The size of its document (the state's JSON), in bytes.
    pub size: usize,
}

impl SnapshotInfo {
    /// The listing of a snapshot of `state` named `name`, saved at `saved_at`: its
    /// size is that of the state's JSON document.
    pub fn of(name: &SnapshotName, saved_at: u64, state: &Fixtures) -> Self {
        Self {
            name: name.0.clone(),
            saved_at,
            size: serde_json::to_vec(state).map_or(0, |document| document.len()),
        }
    }
}

/// The refusal for a snapshot a store does not have, worded once for every store.
pub fn no_snapshot(name: &SnapshotName) -> AdminError {
    AdminError::NotFound {
        message: format!("no snapshot named {:?}", name.as_str()),
    }
}

/// Milliseconds since the Unix epoch, now: when a snapshot is saved.
pub fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
}

/// What adding a user means to a store that has `existing` (the user of that name and
/// their token, if any) and `holder` (the user who holds the new token, if any).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserAddition {
    /// A new user: store it.
    Insert,
    /// The user exists without a token: give them this one.
    SetToken,
    /// The same user with the same token exists: nothing to do.
    Unchanged,
}

/// The rule for adding a user, for every store: a name with another token, or a token
/// another user holds, is a conflict.
///
/// `existing` is `None` when no user has the name, `Some(token)` otherwise; `holder` is
/// the name of the user who has the new token, if any.
pub fn check_new_user(
    user: &UserFixture,
    existing: Option<Option<&str>>,
    holder: Option<&str>,
) -> Result<UserAddition, AdminError> {
    let single = Fixtures {
        users: vec![user.clone()],
        datasets: Vec::new(),
    };
    single
        .checked("the user")
        .map_err(|error| AdminError::Invalid {
            message: error.to_string(),
        })?;
    if let Some(holder) = holder
        && holder != user.name
    {
        return Err(AdminError::Conflict {
            message: format!(
                "the token of user {:?} is already the token of another user",
                user.name
            ),
        });
    }
    match (existing, user.token()) {
        (None, _) => Ok(UserAddition::Insert),
        (Some(None), Some(_)) => Ok(UserAddition::SetToken),
        (Some(Some(stored)), Some(token)) if stored != token => Err(AdminError::Conflict {
            message: format!("user {:?} exists with another token", user.name),
        }),
        (Some(_), _) => Ok(UserAddition::Unchanged),
    }
}

/// The rule for adding a dataset, for every store: its owner must be a user and its
/// id free.
pub fn check_new_dataset(
    dataset: DatasetId,
    owner: &str,
    owner_exists: bool,
    id_taken: bool,
) -> Result<(), AdminError> {
    if id_taken {
        return Err(AdminError::Conflict {
            message: format!("dataset {dataset} exists"),
        });
    }
    if !owner_exists {
        return Err(AdminError::Invalid {
            message: format!(
                "dataset {dataset} cannot be owned by unknown user {owner:?}: add the user first"
            ),
        });
    }
    Ok(())
}

/// 64 random bits: each `RandomState` is keyed from the operating system's
/// randomness (per thread, then moved on per instance).
fn random_u64() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos()),
    );
    hasher.finish()
}

/// A new token, for a user or a control plane a test does not give one: `tok-` and 32
/// hexadecimal digits from the standard library's randomly keyed hasher (unguessable
/// enough for a test double, not a cryptographic generator).
pub fn fresh_token() -> String {
    format!("tok-{:016x}{:016x}", random_u64(), random_u64())
}

/// A new dataset id shaped like MongoDB's: the seconds of now, then 8 random bytes.
pub fn fresh_dataset_id() -> DatasetId {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let mut bytes = [0u8; 12];
    bytes[..4].copy_from_slice(&u32::try_from(seconds).unwrap_or(u32::MAX).to_be_bytes());
    bytes[4..].copy_from_slice(&random_u64().to_be_bytes());
    ObjectId::from_bytes(bytes).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_is_added_once_and_never_with_another_token() {
        let alice = UserFixture::new("alice", "a-token");
        assert_eq!(
            check_new_user(&alice, None, None).unwrap(),
            UserAddition::Insert
        );
        assert_eq!(
            check_new_user(&alice, Some(Some("a-token")), Some("alice")).unwrap(),
            UserAddition::Unchanged
        );
        assert_eq!(
            check_new_user(&alice, Some(None), None).unwrap(),
            UserAddition::SetToken
        );
        match check_new_user(&alice, Some(Some("stored-tok-9")), None) {
            Err(AdminError::Conflict { message }) => {
                assert!(message.contains("another token"), "{message}");
                assert!(!message.contains("a-token") && !message.contains("stored-tok-9"));
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
        match check_new_user(&alice, None, Some("bob")) {
            Err(AdminError::Conflict { message }) => {
                assert!(message.contains("another user"), "{message}");
                assert!(!message.contains("a-token"), "{message}");
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
    }

    #[test]
    fn a_blank_name_or_empty_token_is_invalid() {
        for user in [
            UserFixture::new(" alice", "t"),
            UserFixture::new("alice", " "),
        ] {
            assert!(
                matches!(
                    check_new_user(&user, None, None),
                    Err(AdminError::Invalid { .. })
                ),
                "{user:?}"
            );
        }
    }

    #[test]
    fn fresh_tokens_and_ids_differ() {
        assert_ne!(fresh_token(), fresh_token());
        assert_ne!(fresh_dataset_id(), fresh_dataset_id());
        assert_eq!(fresh_token().len(), 36);
    }

    #[test]
    fn a_dataset_needs_a_known_owner_and_a_free_id() {
        let id: DatasetId = "0123456789abcdef01234567".parse().unwrap();
        assert!(check_new_dataset(id, "alice", true, false).is_ok());
        match check_new_dataset(id, "zed", false, false) {
            Err(AdminError::Invalid { message }) => assert!(message.contains("\"zed\"")),
            other => panic!("expected invalid, got {other:?}"),
        }
        match check_new_dataset(id, "alice", true, true) {
            Err(AdminError::Conflict { message }) => assert!(message.contains("exists")),
            other => panic!("expected a conflict, got {other:?}"),
        }
    }
}
