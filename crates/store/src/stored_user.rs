//! [`StoredUser`]: a user as the store holds it, with a token that never prints.

use std::fmt;

use secrecy::SecretString;

/// A registered user: the id that owns datasets, and the API token that
/// authenticates them, if they have one (a user without one owns datasets all the
/// same, but no server can authenticate them).
///
/// `Debug` shows whether there is a token, never the token.
///
/// ```
/// # let folder = std::env::temp_dir().join(format!("collab-store-user-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&folder)?;
/// use secrecy::ExposeSecret;
/// let store = collab_store::DurableStore::open(folder.join("state.db"))?;
/// store.add_user("alice")?;
/// let users = store.users()?;
/// assert_eq!(users[0].name, "alice");
/// assert!(users[0].token.is_none());
/// # drop(store);
/// # std::fs::remove_dir_all(&folder)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct StoredUser {
    /// The user's id.
    pub name: String,
    /// The user's API token, if they have one.
    pub token: Option<SecretString>,
}

impl StoredUser {
    pub(crate) fn new(name: String, token: Option<String>) -> Self {
        Self {
            name,
            token: token.map(SecretString::from),
        }
    }
}

impl fmt::Debug for StoredUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredUser")
            .field("name", &self.name)
            .field("token", &self.token.as_ref().map(|_| "[REDACTED]"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn debug_never_shows_the_token() {
        let user = StoredUser::new("alice".to_owned(), Some("alice-s3cret-token".to_owned()));
        let shown = format!("{user:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(
            shown.contains("alice") && shown.contains("[REDACTED]"),
            "{shown}"
        );
        assert_eq!(
            user.token.as_ref().map(|t| t.expose_secret()),
            Some("alice-s3cret-token")
        );
    }
}
