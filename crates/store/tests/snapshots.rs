//! The durable store's named snapshots: the contract every store keeps, and kept in
//! the store's file across a restart.

mod support;

use collab_core::admin::{SnapshotName, StateAdmin};
use collab_core::fixtures::UserFixture;
use collab_store::DurableStore;
use support::Scratch;

#[tokio::test]
async fn the_durable_store_keeps_the_snapshot_contract() {
    let scratch = Scratch::new("snapshot-contract");
    let store = DurableStore::open(scratch.file("state.db")).expect("opens");
    collab_testkit::check_snapshots(&store).await;
}

#[tokio::test]
async fn snapshots_survive_a_restart() {
    let scratch = Scratch::new("snapshot-restart");
    let path = scratch.file("state.db");
    let name: SnapshotName = "kept".parse().unwrap();
    let saved = {
        let store = DurableStore::open(&path).expect("opens");
        StateAdmin::add_user(&store, &UserFixture::new("alice", "alice-token"))
            .await
            .unwrap();
        StateAdmin::save_snapshot(&store, &name).await.unwrap();
        StateAdmin::export(&store).await.unwrap()
    };
    let store = DurableStore::open(&path).expect("opens again");
    StateAdmin::add_user(&store, &UserFixture::new("bob", "bob-token"))
        .await
        .unwrap();
    let listed = StateAdmin::snapshots(&store).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name, "kept");
    assert_eq!(
        StateAdmin::restore_snapshot(&store, &name).await.unwrap(),
        saved
    );
    assert_eq!(
        StateAdmin::export(&store).await.unwrap(),
        saved,
        "bob, added after, is gone"
    );
}
