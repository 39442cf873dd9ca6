//! End-to-end: `collab serve --data` keeps its state across a restart, starts from a
//! fixture file, refuses store files it cannot use (exit 1, nothing written) and bad
//! fixtures (exit 2, nothing served); `collab store export|import` round-trip.

use crate::support::run_collab;
use crate::support::served::{Scratch, ServeProcess, example_fixtures};

const DATASET: &str = "5f0e4a6b2c1d3e4f5a6b7c8d";
const FIXED_DATASET: &str = "5f0e4a6b2c1d3e4f5a6b7c8e";
const FIXED_CONFIG: &str = "65f0a1b2c3d4e5f6a7b8c9d0";

async fn list_json(url: &str, token: &str, dataset: &str) -> serde_json::Value {
    let listed = run_collab(url, Some(token), &["--json", "list", dataset]).await;
    assert_eq!(listed.code, 0, "{listed:?}");
    serde_json::from_str(&listed.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restarted_server_keeps_what_it_acknowledged_and_reseeds_only_what_is_missing() {
    let scratch = Scratch::new("restart");
    let data = scratch.file("state.db");
    let seed = example_fixtures();

    let mut first = ServeProcess::start(&["--data", &data, "--seed", &seed]);
    let state = first.next_line();
    assert_eq!(
        state,
        format!("state: {data} (durable store: 2 users, 2 datasets, 2 configs)")
    );
    let seeded = first.next_line();
    assert!(
        seeded.starts_with(&format!(
            "seeded from {seed}: added 2 users, 2 datasets, 2 configs"
        )),
        "{seeded}"
    );
    let granted = run_collab(
        &first.url,
        Some("alice-token"),
        &["grant", DATASET, "zed@example.com"],
    )
    .await;
    assert_eq!(granted.code, 0, "{granted:?}");
    let before = list_json(&first.url, "alice-token", DATASET).await;
    assert!(first.stop(), "a graceful stop exits 0");

    // Restarted from the file alone: users and tokens come from the store.
    let second = ServeProcess::start(&["--data", &data]);
    let after = list_json(&second.url, "alice-token", DATASET).await;
    assert_eq!(after, before);
    assert!(after[0]["users"].to_string().contains("zed@example.com"));
    let fixed = list_json(&second.url, "bob-token", FIXED_DATASET).await;
    assert_eq!(fixed[0]["id"], FIXED_CONFIG);
    assert_eq!(fixed[0]["createdAt"], 1_700_000_000_000u64);
    second.kill();

    // Seeded again: nothing is missing, and it says so; the granted user stays.
    let mut third = ServeProcess::start(&["--data", &data, "--seed", &seed]);
    third.next_line();
    let reseeded = third.next_line();
    assert!(
        reseeded.contains("added 0 users, 0 datasets, 0 configs")
            && reseeded
                .contains("already there, kept as they were: 2 users, 2 datasets, 2 configs"),
        "{reseeded}"
    );
    assert_eq!(list_json(&third.url, "alice-token", DATASET).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_in_memory_server_starts_from_the_fixture_file() {
    let mut served = ServeProcess::start(&["--seed", &example_fixtures()]);
    let seeded = served.next_line();
    assert!(
        seeded.contains("2 users, 2 datasets, 2 configs"),
        "{seeded}"
    );
    let listed = list_json(&served.url, "alice-token", DATASET).await;
    assert_eq!(
        listed[0]["users"],
        serde_json::json!(["ann@example.com", "cy@example.com"])
    );
    assert_eq!(listed[0]["teams"], serde_json::json!(["acme"]));
    let fixed = list_json(&served.url, "bob-token", FIXED_DATASET).await;
    assert_eq!(fixed[0]["id"], FIXED_CONFIG);
    assert_eq!(fixed[0]["lastModifiedAt"], 1_700_000_500_000u64);
    let forbidden = run_collab(&served.url, Some("bob-token"), &["list", DATASET]).await;
    assert_eq!(forbidden.code, 3, "{forbidden:?}");
}

/// Runs `collab ARGS` to completion, off the runtime.
async fn collab(args: &[&str]) -> crate::support::Run {
    run_collab("http://127.0.0.1:9", None, args).await
}

#[tokio::test(flavor = "multi_thread")]
async fn store_files_it_cannot_use_exit_1_and_are_left_as_they_were() {
    use std::os::unix::fs::PermissionsExt;
    let scratch = Scratch::new("refused");
    let notes = scratch.file("notes.txt");
    std::fs::write(&notes, "not a database\n".repeat(100)).unwrap();
    let read_only = scratch.file("read-only.db");
    let made = collab(&["store", "import", &read_only, &example_fixtures()]).await;
    assert_eq!(made.code, 0, "{made:?}");
    std::fs::set_permissions(&read_only, std::fs::Permissions::from_mode(0o444)).unwrap();
    let held = scratch.file("held.db");
    let holder = ServeProcess::start(&["--data", &held, "--demo"]);

    for (file, expected) in [
        (&notes, "is not a collab store: it is not a SQLite database"),
        (&read_only, "is read-only"),
        (&held, "is locked by another process"),
    ] {
        let before = std::fs::read(file).unwrap();
        for args in [
            vec!["serve", "--listen", "127.0.0.1:0", "--demo", "--data", file],
            vec!["store", "export", file],
            vec!["store", "import", file, &example_fixtures()],
        ] {
            let run = collab(&args).await;
            assert_eq!(run.code, 1, "{args:?}: {run:?}");
            assert!(
                run.stderr.contains(file.as_str()) && run.stderr.contains(expected),
                "{args:?}: {}",
                run.stderr
            );
            assert!(
                run.stdout.is_empty(),
                "{args:?}: nothing listened: {}",
                run.stdout
            );
            assert_eq!(std::fs::read(file).unwrap(), before, "{file} is unchanged");
        }
    }
    // The holder was not disturbed.
    let listed = list_json(&holder.url, "demo-token", DATASET).await;
    assert_eq!(listed, serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_fixture_file_is_refused_before_anything_is_served_or_written() {
    let scratch = Scratch::new("bad-seed");
    let bad = scratch.file("bad.toml");
    std::fs::write(
        &bad,
        "[[users]]\nname = \"alice\"\ntoken = \"alice-token\"\n\n[[datasets]]\nid = \"5f0e4a6b2c1d3e4f5a6b7c8d\"\nowner = \"alice\"\n\n[[datasets.configs]]\nusers = [\"ann@example.com\", \"no-at-sign\"]\n",
    )
    .unwrap();
    let orphan = scratch.file("orphan.json");
    std::fs::write(
        &orphan,
        "{\n  \"datasets\": [\n    {\"id\": \"5f0e4a6b2c1d3e4f5a6b7c8d\", \"owner\": \"ghost\"}\n  ]\n}\n",
    )
    .unwrap();
    let data = scratch.file("state.db");
    for (file, location, what) in [
        (&bad, "line 9", "\"no-at-sign\" is not an e-mail address"),
        (&orphan, "datasets[0].owner", "unknown user \"ghost\""),
    ] {
        for with_data in [false, true] {
            let mut args = vec!["serve", "--listen", "127.0.0.1:0", "--seed", file];
            if with_data {
                args.extend(["--data", &data]);
            }
            let run = collab(&args).await;
            assert_eq!(run.code, 2, "{args:?}: {run:?}");
            assert!(
                run.stderr.contains(&format!("{file}: {location}")) && run.stderr.contains(what),
                "{args:?}: {}",
                run.stderr
            );
            assert!(run.stdout.is_empty(), "nothing listened: {}", run.stdout);
        }
    }
    assert!(
        !std::path::Path::new(&data).exists(),
        "no store was made for a bad seed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn export_then_import_gives_the_same_store() {
    let scratch = Scratch::new("export-import");
    let (first, second) = (scratch.file("first.db"), scratch.file("second.db"));
    let imported = collab(&["store", "import", &first, &example_fixtures()]).await;
    assert_eq!(imported.code, 0, "{imported:?}");
    assert!(
        imported
            .stdout
            .contains("added 2 users, 2 datasets, 2 configs"),
        "{imported:?}"
    );

    let exported = collab(&["store", "export", &first]).await;
    assert_eq!(exported.code, 0, "{exported:?}");
    assert!(
        exported.stdout.contains(FIXED_CONFIG),
        "{}",
        exported.stdout
    );
    let dump = scratch.file("dump.toml");
    std::fs::write(&dump, &exported.stdout).unwrap();
    let again = collab(&["store", "import", &second, &dump]).await;
    assert_eq!(again.code, 0, "{again:?}");
    let exported_again = collab(&["store", "export", &second]).await;
    assert_eq!(exported_again.stdout, exported.stdout);

    let json = collab(&["store", "export", &second, "--json"]).await;
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value["datasets"][1]["configs"][0]["id"], FIXED_CONFIG);
}
