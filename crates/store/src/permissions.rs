//! Who may read the store's files: the owner only, since the store holds every user's
//! API token.
//!
//! SQLite gives a `-wal` and `-shm` file the permissions of the main file, so making
//! the main file owner-only before SQLite opens it covers all three; they are checked
//! once more after opening, in case an older build made them. A store that already
//! exists is not changed behind its owner's back: it is reported once, when opened.

use std::path::{Path, PathBuf};

/// The files SQLite keeps beside the store in WAL mode.
const SIDECAR_SUFFIXES: [&str; 2] = ["-wal", "-shm"];

/// Before SQLite opens `path`: makes the store file, if it does not exist yet,
/// readable and writable by its owner only; warns once when one that exists can be
/// read by others. A file it cannot make is left to SQLite, whose error names it.
pub(crate) fn prepare(path: &Path) {
    imp::prepare(path);
}

/// Makes the `-wal` and `-shm` files beside `path` owner-only if they are not.
pub(crate) fn restrict_sidecars(path: &Path) {
    for sidecar in sidecars(path) {
        if let Err(error) = imp::restrict(&sidecar) {
            tracing::warn!(path = %sidecar.display(), %error, "cannot make the store's file owner-only");
        }
    }
}

fn sidecars(path: &Path) -> impl Iterator<Item = PathBuf> + '_ {
    SIDECAR_SUFFIXES.iter().map(move |suffix| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    })
}

#[cfg(unix)]
mod imp {
    use std::fs::{OpenOptions, Permissions};
    use std::io::ErrorKind;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    use std::path::Path;

    /// Read and write for the owner, nothing for group and others.
    const OWNER_ONLY: u32 = 0o600;
    /// The bits that let group or others in.
    const OTHERS: u32 = 0o077;

    pub(super) fn prepare(path: &Path) {
        let created = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(OWNER_ONLY)
            .open(path);
        match created {
            // An empty file is an empty SQLite database: SQLite fills it in.
            Ok(_) => {}
            Err(error) if error.kind() == ErrorKind::AlreadyExists => {
                let Ok(metadata) = std::fs::metadata(path) else {
                    return;
                };
                let mode = metadata.permissions().mode();
                if mode & OTHERS != 0 {
                    tracing::warn!(
                        path = %path.display(),
                        mode = format_args!("{:o}", mode & 0o777),
                        "the store holds API tokens and can be read by other users of \
                         this machine; make it owner-only with `chmod 600`"
                    );
                }
            }
            Err(_) => {}
        }
    }

    pub(super) fn restrict(path: &Path) -> std::io::Result<()> {
        match std::fs::metadata(path) {
            Ok(metadata) if metadata.permissions().mode() & OTHERS != 0 => {
                std::fs::set_permissions(path, Permissions::from_mode(OWNER_ONLY))
            }
            Ok(_) => Ok(()),
            Err(error) if error.kind() == ErrorKind::NotFound => Ok(()),
            Err(error) => Err(error),
        }
    }
}

#[cfg(not(unix))]
mod imp {
    //! Elsewhere, the folder's access control decides (on Windows, a file inherits
    //! its folder's ACL).
    use std::path::Path;

    pub(super) fn prepare(_path: &Path) {}

    pub(super) fn restrict(_path: &Path) -> std::io::Result<()> {
        Ok(())
    }
}
