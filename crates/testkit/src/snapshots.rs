//! The snapshot contract of [`StateAdmin`], written once for every store that
//! implements it: [`check_snapshots`].

use collab_core::admin::{AdminError, SnapshotName, StateAdmin};
use collab_core::fixtures::{ConfigFixture, DatasetFixture, Fixtures, UserFixture};
use collab_core::{AccessConfigId, ShareRequest, Timestamp};

use crate::fixture::dataset_ids;

/// Checks a store's named snapshots, leaving the store with the state it saved first:
/// a snapshot restores the state as saved (ids, times and tokens), whatever changed
/// since; the listing gives each name once with its size; saving a name again replaces
/// it; a forgotten or unknown name is [`AdminError::NotFound`] naming it, and changes
/// nothing.
///
/// # Panics
///
/// When the store breaks the contract, naming the rule.
pub async fn check_snapshots(admin: &dyn StateAdmin) {
    let name = |text: &str| text.parse::<SnapshotName>().expect("a valid snapshot name");
    let (dataset, _, _) = dataset_ids();
    let config_id: AccessConfigId = "65a000000000000000000001".parse().expect("an id");
    let saved = Fixtures {
        users: vec![UserFixture::new("snap-owner", "snap-owner-token")],
        datasets: vec![DatasetFixture {
            id: dataset,
            owner: "snap-owner".to_owned(),
            configs: vec![ConfigFixture {
                request: ShareRequest::write(["ann@example.com"], ["acme"]).expect("a request"),
                id: Some(config_id),
                created_at: Some(Timestamp::from_millis(1_700_000_000_000)),
                last_modified_at: Some(Timestamp::from_millis(1_700_000_000_500)),
            }],
        }],
    };
    admin.replace(&saved).await.expect("the state is replaced");
    let info = admin.save_snapshot(&name("first")).await.expect("saved");
    assert_eq!(info.name, "first");
    assert!(
        info.size > 0,
        "a snapshot's size is its document's: {info:?}"
    );

    admin.replace(&Fixtures::default()).await.expect("emptied");
    admin
        .add_user(&UserFixture::new("later", "later-token"))
        .await
        .expect("a user added after the snapshot");
    admin.save_snapshot(&name("second")).await.expect("saved");
    admin
        .save_snapshot(&name("second"))
        .await
        .expect("saved again, replacing");
    let names: Vec<String> = admin
        .snapshots()
        .await
        .expect("listed")
        .into_iter()
        .map(|info| info.name)
        .collect();
    assert_eq!(names, ["first", "second"], "each name once, in order");

    let restored = admin
        .restore_snapshot(&name("first"))
        .await
        .expect("restored");
    assert_eq!(restored, saved, "restore answers the state it made");
    assert_eq!(
        admin.export().await.expect("exported"),
        saved,
        "a restore gives back ids, times and tokens as saved"
    );
    assert_eq!(
        restored.users[0].token(),
        Some("snap-owner-token"),
        "tokens are restored"
    );

    admin
        .forget_snapshot(&name("second"))
        .await
        .expect("forgotten");
    for refused in [
        admin.restore_snapshot(&name("second")).await.map(drop),
        admin.forget_snapshot(&name("second")).await,
        admin.restore_snapshot(&name("never-saved")).await.map(drop),
    ] {
        match refused {
            Err(AdminError::NotFound { message }) => {
                assert!(message.contains("no snapshot named"), "{message}")
            }
            other => panic!("expected NotFound for a missing snapshot, got {other:?}"),
        }
    }
    assert_eq!(
        admin.export().await.expect("exported"),
        saved,
        "a refused restore changes nothing"
    );
}
