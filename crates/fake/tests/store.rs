//! Behaviour of the fake beyond the shared contract: its clock, its ids, its
//! administrative side and true multi-threaded concurrency.

use std::collections::HashSet;
use std::time::Duration;

use collab_core::{AccessConfigRepository, DatasetId, Error, ShareRequest, Timestamp};
use collab_fake::{InMemoryStore, ManualClock};

fn dataset(n: u8) -> DatasetId {
    format!("{:024x}", u128::from(n) + 0xabc0).parse().unwrap()
}

fn request(users: &[&str]) -> ShareRequest {
    ShareRequest::write(users, [""; 0]).unwrap()
}

#[tokio::test]
async fn timestamps_come_from_the_injected_clock() {
    let clock = ManualClock::new(Timestamp::from_millis(1_000));
    let store = InMemoryStore::with_clock(clock.clone());
    store.add_dataset(dataset(1), "alice");
    let alice = store.session("alice");

    alice
        .create_or_update(&dataset(1), &request(&["a@x.io"]))
        .await
        .unwrap();
    clock.advance(Duration::from_millis(250));
    alice
        .create_or_update(&dataset(1), &request(&["b@x.io"]))
        .await
        .unwrap();

    let config = alice.list(&dataset(1)).await.unwrap()[0].clone();
    assert_eq!(config.created_at, Timestamp::from_millis(1_000));
    assert_eq!(config.last_modified_at, Timestamp::from_millis(1_250));

    // A clock set back never moves lastModifiedAt backwards.
    clock.set(Timestamp::from_millis(10));
    alice
        .create_or_update(&dataset(1), &request(&["c@x.io"]))
        .await
        .unwrap();
    let config = alice.list(&dataset(1)).await.unwrap()[0].clone();
    assert_eq!(config.last_modified_at, Timestamp::from_millis(1_250));
}

#[tokio::test]
async fn fresh_ids_are_unique_valid_object_ids() {
    let store = InMemoryStore::new();
    let mut seen = HashSet::new();
    for n in 0..50u8 {
        store.add_dataset(dataset(n), "alice");
        let id = store
            .session("alice")
            .create_or_update(&dataset(n), &request(&["a@x.io"]))
            .await
            .unwrap();
        let text = id.to_string();
        assert_eq!(text.parse::<collab_core::AccessConfigId>().unwrap(), id);
        assert!(seen.insert(id), "id {text} repeated");
    }
}

#[tokio::test]
async fn clones_share_state_and_sessions_name_their_user() {
    let store = InMemoryStore::new();
    let clone = store.clone();
    clone.add_dataset(dataset(1), "alice");
    assert_eq!(store.owner_of(&dataset(1)).as_deref(), Some("alice"));
    assert!(store.has_user("alice"));
    assert_eq!(store.session("alice").user(), "alice");
    store
        .session("alice")
        .create_or_update(&dataset(1), &request(&["a@x.io"]))
        .await
        .unwrap();
    assert_eq!(clone.configs(&dataset(1)).unwrap().len(), 1);
    assert!(store.remove_dataset(&dataset(1)));
    let gone = clone.session("alice").list(&dataset(1)).await;
    assert!(
        matches!(gone, Err(Error::DatasetNotFound { .. })),
        "{gone:?}"
    );
}

#[tokio::test]
async fn an_unregistered_user_is_unauthorized_even_on_unknown_datasets() {
    let store = InMemoryStore::new();
    let result = store.session("ghost").list(&dataset(9)).await;
    assert!(
        matches!(result, Err(Error::Unauthorized { .. })),
        "{result:?}"
    );
}

#[test]
fn threads_racing_on_one_dataset_leave_one_config() {
    let store = InMemoryStore::new();
    store.add_dataset(dataset(1), "alice");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .build()
        .unwrap();
    let ids: Vec<_> = runtime.block_on(async {
        let tasks: Vec<_> = (0..64)
            .map(|i| {
                let alice = store.session("alice");
                tokio::spawn(async move {
                    alice
                        .create_or_update(&dataset(1), &request(&[&format!("u{i}@x.io")]))
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut ids = Vec::new();
        for task in tasks {
            ids.push(task.await.unwrap());
        }
        ids
    });
    let configs = store.configs(&dataset(1)).unwrap();
    assert_eq!(configs.len(), 1);
    assert!(ids.iter().all(|id| *id == configs[0].id));
}

#[test]
fn debug_shows_counts_not_contents() {
    let store = InMemoryStore::new();
    store.add_dataset(dataset(1), "alice");
    let debug = format!("{store:?}");
    assert!(debug.contains("datasets: 1"), "{debug}");
}

#[tokio::test]
async fn put_config_stores_a_fixture_as_given_in_place_of_its_access_type() {
    let store = InMemoryStore::with_clock(ManualClock::new(Timestamp::from_millis(5_000)));
    store.add_dataset(dataset(1), "alice");
    let alice = store.session("alice");
    let first = alice
        .create_or_update(&dataset(1), &request(&["a@x.io"]))
        .await
        .unwrap();
    let id = store.fresh_config_id();
    assert_ne!(id, first);
    let fixture = collab_core::AccessConfig {
        id,
        owner: "alice".to_owned(),
        access_type: collab_core::SharedAccessType::Write,
        users: vec!["b@x.io".to_owned()],
        teams: vec![],
        created_at: Timestamp::from_millis(1_000),
        last_modified_at: Timestamp::from_millis(2_000),
    };
    assert!(store.put_config(&dataset(1), fixture.clone()));
    assert_eq!(
        &alice.list(&dataset(1)).await.unwrap()[..],
        std::slice::from_ref(&fixture)
    );
    // A later replace keeps the fixture's id and createdAt, as the rules say.
    alice
        .create_or_update(&dataset(1), &request(&["c@x.io"]))
        .await
        .unwrap();
    let replaced = alice.list(&dataset(1)).await.unwrap()[0].clone();
    assert_eq!((replaced.id, replaced.created_at), (id, fixture.created_at));
    assert_eq!(replaced.last_modified_at, Timestamp::from_millis(5_000));
    assert!(
        !store.put_config(&dataset(2), fixture),
        "an unknown dataset stores nothing"
    );
    assert_eq!(store.configs(&dataset(2)), None);
}
