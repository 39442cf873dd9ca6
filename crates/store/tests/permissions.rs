//! The store's files hold API tokens: owner-only when the store makes them, and a
//! warning when an existing store can be read by others.
#![cfg(unix)]

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use collab_store::DurableStore;
use support::Scratch;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn wal(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// What the store logs on this thread while `body` runs.
fn logged(body: impl FnOnce()) -> String {
    let sink = Logs::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, body);
    String::from_utf8_lossy(&sink.0.lock().unwrap()).into_owned()
}

#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_new_store_and_its_write_ahead_log_are_owner_only() {
    let scratch = Scratch::new("owner-only");
    let path = scratch.file("state.db");
    let logs = logged(|| {
        let store = DurableStore::open(&path).unwrap();
        store.add_user("alice").unwrap();
        assert!(wal(&path).exists(), "the store is in WAL mode");
        assert_eq!(mode(&path), 0o600, "the store file");
        assert_eq!(mode(&wal(&path)), 0o600, "its write-ahead log");
    });
    assert!(!logs.contains("WARN"), "nothing to warn about: {logs}");
}

#[test]
fn an_existing_store_readable_by_others_is_reported_once_and_its_log_made_owner_only() {
    let scratch = Scratch::new("readable");
    let path = scratch.file("state.db");
    drop(DurableStore::open(&path).unwrap());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();

    let logs = logged(|| {
        let store = DurableStore::open(&path).unwrap();
        store.add_user("alice").unwrap();
        assert_eq!(
            mode(&wal(&path)),
            0o600,
            "the write-ahead log is owner-only"
        );
    });
    let warnings: Vec<&str> = logs.lines().filter(|line| line.contains("WARN")).collect();
    assert_eq!(warnings.len(), 1, "one warning per open: {logs}");
    assert!(warnings[0].contains(&path.display().to_string()), "{logs}");
    assert!(
        warnings[0].contains("644") && warnings[0].contains("chmod 600"),
        "{logs}"
    );
    assert_eq!(mode(&path), 0o644, "the owner's own file is left as it is");
}
