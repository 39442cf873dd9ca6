//! The fake's named snapshots keep the contract every store keeps.

use collab_fake::InMemoryStore;

#[tokio::test]
async fn the_fake_keeps_the_snapshot_contract() {
    collab_testkit::check_snapshots(&InMemoryStore::new()).await;
}
