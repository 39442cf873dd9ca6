//! The read path never blocks an async worker on a held connection: a `list` that
//! finds the connection held by a read, with a write queued behind that read, waits
//! on the blocking pool, and its runtime thread stays free.

use std::future::Future;
use std::sync::mpsc;
use std::task::Poll;
use std::time::Duration;

use collab_core::{AccessConfigRepository, DatasetId, ShareRequest};

use crate::DurableStore;

/// Bounds the failure path only: how long the holder keeps the connection when the
/// test cannot tell it to let go (because the read under test blocked the test's
/// only runtime thread).
const PATIENCE: Duration = Duration::from_secs(10);

fn dataset() -> DatasetId {
    "0123456789abcdef01234567".parse().unwrap()
}

/// A folder of its own, removed on drop.
struct Scratch(std::path::PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test] // one runtime thread: if the read blocks it, nothing else runs
async fn a_read_behind_a_held_connection_and_a_queued_write_leaves_its_worker_free() {
    let folder = Scratch(
        std::env::temp_dir().join(format!("collab-store-read-path-{}", std::process::id())),
    );
    std::fs::create_dir_all(&folder.0).unwrap();
    let store = DurableStore::open(folder.0.join("state.db")).unwrap();
    store.add_dataset(dataset(), "alice").unwrap();
    let session = store.session("alice");
    let request = ShareRequest::write(["ann@example.com"], ["acme"]).unwrap();
    let id = session
        .create_or_update(&dataset(), &request)
        .await
        .unwrap();

    // A read in progress: another thread holds the connection until told to let go.
    let (held_tx, held) = mpsc::channel();
    let (release, release_rx) = mpsc::channel::<()>();
    let holder = std::thread::spawn({
        let store = store.clone();
        move || {
            let _connection = store.lock();
            held_tx.send(()).unwrap();
            let _ = release_rx.recv_timeout(PATIENCE);
        }
    });
    held.recv().unwrap();

    // A write queued behind it: it takes the connection as soon as the holder lets go,
    // possibly before the read under test, and then holds it for a whole commit.
    let (queued_tx, queued) = mpsc::channel();
    let writer = std::thread::spawn({
        let store = store.clone();
        move || {
            queued_tx.send(()).unwrap();
            store.add_user("bob")
        }
    });
    queued.recv().unwrap();

    // The read arrives: its first poll must come back at once, handing the wait to the
    // blocking pool, rather than wait for the connection on this runtime thread.
    let dataset = dataset();
    let mut list = Box::pin(session.list(&dataset));
    let first_poll = std::future::poll_fn(|cx| Poll::Ready(list.as_mut().poll(cx))).await;
    let blocked_the_worker = first_poll.is_ready();
    release.send(()).unwrap();
    assert!(
        !blocked_the_worker,
        "the read waited for a held connection on its async worker"
    );

    let listed = list.await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, id);
    holder.join().unwrap();
    writer.join().unwrap().unwrap();
    assert_eq!(
        store.counts().unwrap().users,
        2,
        "the queued write went through"
    );
}
