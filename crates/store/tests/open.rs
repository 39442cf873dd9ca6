//! Opening a store: what survives a reopen, and the files that are refused with
//! nothing written to them.

mod support;

use collab_core::{AccessConfigRepository, DatasetId, ShareRequest};
use collab_store::{DurableStore, SCHEMA_VERSION, StoreError};
use support::Scratch;

fn dataset() -> DatasetId {
    "0123456789abcdef01234567".parse().unwrap()
}

fn request(user: &str) -> ShareRequest {
    ShareRequest::write([user], ["acme"]).unwrap()
}

#[tokio::test]
async fn a_reopened_store_serves_what_was_written_and_never_reuses_an_id() {
    let scratch = Scratch::new("reopen");
    let path = scratch.file("state.db");
    let first = {
        let store = DurableStore::open(&path).unwrap();
        store.add_dataset(dataset(), "alice").unwrap();
        let alice = store.session("alice");
        let id = alice
            .create_or_update(&dataset(), &request("ann@example.com"))
            .await
            .unwrap();
        alice
            .create_or_update(&dataset(), &request("bob@example.com"))
            .await
            .unwrap();
        let configs = store.configs(&dataset()).unwrap().unwrap();
        assert_eq!(configs[0].id, id, "a replace keeps the id");
        configs
    };
    let store = DurableStore::open(&path).unwrap();
    let alice = store.session("alice");
    let listed = alice.list(&dataset()).await.unwrap();
    assert_eq!(&listed[..], &first[..]);
    assert_eq!(listed[0].users, ["bob@example.com"]);

    // Deleted and made again: a new id, never one given before the reopen.
    alice.delete(&dataset(), &first[0].id).await.unwrap();
    let again = alice
        .create_or_update(&dataset(), &request("cy@example.com"))
        .await
        .unwrap();
    assert_ne!(again, first[0].id);
    assert_eq!(store.counts().unwrap().configs, 1);
}

/// Opens `path`, expecting a refusal, and checks the file's bytes did not change.
fn refused(path: &std::path::Path) -> StoreError {
    let before = std::fs::read(path).unwrap();
    let error = DurableStore::open(path).expect_err("the file is refused");
    assert_eq!(
        std::fs::read(path).unwrap(),
        before,
        "nothing is written to {path:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains(&path.display().to_string()),
        "names the file: {message}"
    );
    error
}

#[test]
fn a_file_that_is_not_a_database_is_refused() {
    let scratch = Scratch::new("not-db");
    let path = scratch.file("notes.txt");
    std::fs::write(&path, "these are my notes, not a database\n".repeat(200)).unwrap();
    let error = refused(&path);
    assert!(
        matches!(&error, StoreError::NotAStore { reason, .. } if reason.contains("not a SQLite database")),
        "{error}"
    );
}

#[test]
fn another_applications_database_is_refused() {
    let scratch = Scratch::new("other-app");
    let path = scratch.file("other.db");
    let other = rusqlite::Connection::open(&path).unwrap();
    other
        .execute_batch("CREATE TABLE invoices (id INTEGER PRIMARY KEY);")
        .unwrap();
    drop(other);
    let error = refused(&path);
    assert!(
        matches!(&error, StoreError::NotAStore { reason, .. } if reason.contains("another application")),
        "{error}"
    );
}

#[test]
fn a_store_of_a_newer_schema_is_refused_not_misread() {
    let scratch = Scratch::new("newer");
    let path = scratch.file("state.db");
    drop(DurableStore::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    drop(conn);
    let error = refused(&path);
    match &error {
        StoreError::NewerSchema { found, known, .. } => {
            assert_eq!((*found, *known), (SCHEMA_VERSION + 1, SCHEMA_VERSION))
        }
        other => panic!("expected NewerSchema, got {other}"),
    }
    assert!(error.to_string().contains("newer"), "{error}");
}

#[tokio::test]
async fn a_store_another_process_holds_is_refused_and_the_holder_keeps_working() {
    let scratch = Scratch::new("locked");
    let path = scratch.file("state.db");
    DurableStore::open(&path)
        .unwrap()
        .add_dataset(dataset(), "alice")
        .unwrap();
    // Held from the moment it is opened, before it writes anything.
    let holder = DurableStore::open(&path).unwrap();
    let error = DurableStore::open(&path).expect_err("a second opener is refused");
    assert!(matches!(error, StoreError::Locked { .. }), "{error}");
    assert!(error.to_string().contains("locked"), "{error}");
    let id = holder
        .session("alice")
        .create_or_update(&dataset(), &request("ann@example.com"))
        .await
        .unwrap();
    assert_eq!(holder.configs(&dataset()).unwrap().unwrap()[0].id, id);
    drop(holder);
    // Once the holder is gone, the store opens again with what it wrote.
    let store = DurableStore::open(&path).unwrap();
    assert_eq!(store.configs(&dataset()).unwrap().unwrap()[0].id, id);
}

#[test]
fn a_read_only_store_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let scratch = Scratch::new("read-only");
    let path = scratch.file("state.db");
    drop(DurableStore::open(&path).unwrap());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    let error = refused(&path);
    assert!(matches!(error, StoreError::ReadOnly { .. }), "{error}");
}

#[test]
fn a_store_in_a_missing_folder_is_an_error_naming_the_file() {
    let scratch = Scratch::new("missing");
    let path = scratch.file("no/such/folder/state.db");
    let error = DurableStore::open(&path).expect_err("cannot create the file");
    assert!(matches!(error, StoreError::Database { .. }), "{error}");
    assert!(error.to_string().contains("no/such/folder"), "{error}");
    assert!(!path.exists());
}

#[test]
fn a_store_of_an_older_schema_is_migrated_on_open() {
    let scratch = Scratch::new("older");
    let path = scratch.file("state.db");
    // Version 0 of a collab store: marked as one, no tables yet.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "application_id", 0x636f_6c62)
        .unwrap();
    drop(conn);
    let store = DurableStore::open(&path).unwrap();
    assert_eq!(store.counts().unwrap(), Default::default());
    store.add_dataset(dataset(), "alice").unwrap();
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
}
