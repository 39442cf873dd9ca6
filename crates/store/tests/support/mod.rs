//! A scratch folder per test, removed when the test ends, and the standard fixture
//! over a fresh store in it.

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use collab_store::{DurableSession, DurableStore};
use collab_testkit::{Fixture, OWNER, STRANGER, dataset_ids};

static NEXT: AtomicU64 = AtomicU64::new(0);

/// A folder of its own under the system's temporary folder; removed on drop.
pub struct Scratch {
    path: PathBuf,
}

impl Scratch {
    pub fn new(test: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "collab-store-{test}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).expect("a scratch folder");
        Self { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A file name in the folder.
    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// A fresh file name in the folder, for one of many stores.
    pub fn fresh_file(&self) -> PathBuf {
        self.file(&format!("{}.db", NEXT.fetch_add(1, Ordering::Relaxed)))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// A store where [`OWNER`] owns the fixture's two datasets and [`STRANGER`] is known.
pub fn populated_store(path: &Path) -> DurableStore {
    let (dataset, other_dataset, _) = dataset_ids();
    let store = DurableStore::open(path).expect("the store opens");
    store.add_dataset(dataset, OWNER).unwrap();
    store.add_dataset(other_dataset, OWNER).unwrap();
    store.add_user(STRANGER).unwrap();
    store
}

/// The standard fixture over a fresh store at `path`.
pub fn durable_fixture(path: &Path) -> Fixture<DurableSession> {
    let store = populated_store(path);
    Fixture::standard(
        store.session(OWNER),
        store.session(STRANGER),
        store.session("mallory"),
    )
}
