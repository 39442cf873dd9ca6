//! The durable store against bare rusqlite statements doing the same reads and writes
//! on a file with the same schema and pragmas, in one run.
//!
//! ```text
//! cargo bench -p collab-store --bench store
//! ```
//!
//! - `write/*`: replace a dataset's config (the common write). The store: through a
//!   session (the rules, a transaction, tokio's blocking pool). Bare: one immediate
//!   transaction with the same three lookups and one `UPDATE`, committed.
//! - `list/*`: a dataset's configs. The store: through a session (lookups, rows
//!   decoded into `AccessConfig`s). Bare: the same three queries, columns read out.
//!
//! Both files are in WAL mode with `synchronous=FULL` and exclusive locking, so a
//! write waits for the disk in both: the ratio is the store's own cost on top.

use std::path::PathBuf;
use std::time::Duration;

use collab_core::{AccessConfigRepository, DatasetId, ShareRequest};
use collab_store::DurableStore;
use criterion::{Criterion, criterion_group, criterion_main};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

const OWNER: &str = "alice";

struct Folder(PathBuf);

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn dataset() -> DatasetId {
    "0123456789abcdef01234567".parse().expect("a dataset id")
}

fn request(n: u64) -> ShareRequest {
    ShareRequest::write(
        [format!("u{n}@example.com"), "ann@example.com".to_owned()],
        ["acme"],
    )
    .expect("a valid request")
}

/// A store at `path` where alice owns the dataset and it has one config.
fn populated(path: &std::path::Path, runtime: &tokio::runtime::Runtime) -> DurableStore {
    let store = DurableStore::open(path).expect("the store opens");
    store.add_dataset(dataset(), OWNER).expect("a dataset");
    runtime
        .block_on(
            store
                .session(OWNER)
                .create_or_update(&dataset(), &request(0)),
        )
        .expect("a config");
    store
}

/// The same file as the store makes, opened bare with the store's pragmas.
fn bare(path: &std::path::Path, runtime: &tokio::runtime::Runtime) -> Connection {
    drop(populated(path, runtime));
    let conn = Connection::open(path).expect("the file opens");
    conn.pragma_update(None, "locking_mode", "EXCLUSIVE")
        .unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    conn.pragma_update(None, "foreign_keys", "ON").unwrap();
    conn
}

/// The bare read: the user, the dataset's owner, its configs' columns.
fn bare_list(conn: &Connection, key: &str) -> Vec<[String; 6]> {
    let known: Option<i64> = conn
        .prepare_cached("SELECT 1 FROM users WHERE name = ?1")
        .unwrap()
        .query_row([OWNER], |row| row.get(0))
        .optional()
        .unwrap();
    assert!(known.is_some());
    let owner: String = conn
        .prepare_cached("SELECT owner FROM datasets WHERE id = ?1")
        .unwrap()
        .query_row([key], |row| row.get(0))
        .unwrap();
    assert_eq!(owner, OWNER);
    let mut statement = conn
        .prepare_cached(
            "SELECT id, owner, access_type, users, teams, created_at, last_modified_at
             FROM configs WHERE dataset = ?1 ORDER BY rowid",
        )
        .unwrap();
    statement
        .query_map([key], |row| {
            let _: i64 = row.get(5)?;
            let _: i64 = row.get(6)?;
            Ok([
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
                String::new(),
            ])
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn bare_write(conn: &mut Connection, key: &str, n: u64) {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .unwrap();
    let configs = bare_list(&tx, key);
    let users = serde_json::to_string(&[format!("u{n}@example.com"), "ann@example.com".to_owned()])
        .unwrap();
    tx.prepare_cached(
        "UPDATE configs SET users = ?2, teams = ?3, last_modified_at = ?4 WHERE id = ?1",
    )
    .unwrap()
    .execute(params![
        configs[0][0],
        users,
        "[\"acme\"]",
        1_700_000_000_000i64 + n as i64
    ])
    .unwrap();
    tx.commit().unwrap();
}

fn benches(c: &mut Criterion) {
    let folder =
        Folder(std::env::temp_dir().join(format!("collab-store-bench-{}", std::process::id())));
    std::fs::create_dir_all(&folder.0).expect("a folder");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let store = populated(&folder.0.join("store.db"), &runtime);
    let session = store.session(OWNER);
    let mut conn = bare(&folder.0.join("bare.db"), &runtime);
    let key = dataset().to_string();

    let mut write = c.benchmark_group("write");
    write
        .sample_size(20)
        .measurement_time(Duration::from_secs(8));
    let mut m = 0u64;
    write.bench_function("bare_rusqlite", |b| {
        b.iter(|| {
            m += 1;
            bare_write(&mut conn, &key, m)
        })
    });
    let mut n = 0u64;
    write.bench_function("store", |b| {
        b.to_async(&runtime).iter(|| {
            n += 1;
            let request = request(n);
            let session = &session;
            async move {
                session
                    .create_or_update(&dataset(), &request)
                    .await
                    .unwrap()
            }
        })
    });
    write.finish();

    let mut list = c.benchmark_group("list");
    list.bench_function("store", |b| {
        b.to_async(&runtime)
            .iter(|| async { session.list(&dataset()).await.unwrap() })
    });
    list.bench_function("bare_rusqlite", |b| b.iter(|| bare_list(&conn, &key)));
    list.finish();
}

criterion_group!(store, benches);
criterion_main!(store);
