//! Fixture files: the documented example, the errors for bad ones, seeding a store
//! with only what it lacks (all or nothing), and export then import.

mod support;

use std::path::PathBuf;

use collab_core::{AccessConfigRepository, DatasetId};
use collab_store::{DurableStore, FixtureError, Fixtures, StoreError};
use support::Scratch;

fn example_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/fixtures.toml")
}

fn example() -> Fixtures {
    Fixtures::from_file(&example_path())
        .and_then(|f| f.checked("docs/fixtures.toml"))
        .expect("the documented example is valid")
}

fn invalid(text: &str, origin: &str) -> (String, String, String) {
    match Fixtures::parse(text, origin).and_then(|f| f.checked(origin)) {
        Err(FixtureError::Invalid {
            origin,
            location,
            message,
        }) => (origin, location, message),
        other => panic!("expected an invalid fixture, got {other:?}"),
    }
}

#[test]
fn the_documented_example_loads() {
    let fixtures = example();
    assert_eq!(fixtures.users.len(), 2);
    assert_eq!(fixtures.datasets.len(), 2);
    let first = &fixtures.datasets[0].configs[0];
    assert_eq!(first.request.users(), ["ann@example.com", "cy@example.com"]);
    assert_eq!(first.request.teams(), ["acme"]);
    assert_eq!(first.id, None);
    assert!(fixtures.datasets[1].configs[0].id.is_some());
}

#[test]
fn a_bad_email_names_the_file_the_line_and_the_reason() {
    let text = "[[users]]\nname = \"alice\"\n\n[[datasets]]\nid = \"5f0e4a6b2c1d3e4f5a6b7c8d\"\nowner = \"alice\"\n\n[[datasets.configs]]\nusers = [\"not an email\"]\n";
    let (origin, location, message) = invalid(text, "seed.toml");
    assert_eq!(origin, "seed.toml");
    assert!(
        location.starts_with("line 8") || location.starts_with("line 9"),
        "{location}"
    );
    assert!(message.contains("not an email"), "{message}");
}

#[test]
fn a_json_syntax_error_names_the_line() {
    let text = "{\n  \"users\": [\n    {\"name\": \"alice\",}\n  ]\n}\n";
    let (origin, location, message) = invalid(text, "seed.json");
    assert_eq!(origin, "seed.json");
    assert!(location.starts_with("line 3"), "{location}");
    assert!(!message.is_empty());
}

#[test]
fn an_unknown_field_is_refused_not_ignored() {
    let text = "[[datasets]]\nid = \"5f0e4a6b2c1d3e4f5a6b7c8d\"\nowner = \"alice\"\n[[datasets.configs]]\nteam = [\"acme\"]\n";
    let (_, location, message) = invalid(text, "seed.toml");
    // The config's table (line 4); the message names the field.
    assert!(location.starts_with("line 4"), "{location}");
    assert!(message.contains("team"), "{message}");
}

#[test]
fn the_2022_spelling_of_the_teams_is_read_and_both_at_once_are_refused() {
    let config = |body: &str| {
        format!(
            "[[users]]\nname = \"alice\"\n[[datasets]]\nid = \"5f0e4a6b2c1d3e4f5a6b7c8d\"\nowner = \"alice\"\n[[datasets.configs]]\n{body}\n"
        )
    };
    let old = Fixtures::parse(&config("organizations = [\"acme\"]"), "seed.toml")
        .and_then(|f| f.checked("seed.toml"))
        .expect("the 2022 spelling is read");
    assert_eq!(old.datasets[0].configs[0].request.teams(), ["acme"]);
    let (_, location, message) = invalid(
        &config("teams = [\"a\"]\norganizations = [\"b\"]"),
        "seed.toml",
    );
    assert!(location.starts_with("line "), "{location}");
    assert!(message.contains("not both"), "{message}");
}

#[test]
fn an_undeclared_owner_is_refused_with_its_path() {
    let text = "[[datasets]]\nid = \"5f0e4a6b2c1d3e4f5a6b7c8d\"\nowner = \"carol\"\n";
    let (_, location, message) = invalid(text, "seed.toml");
    assert_eq!(location, "datasets[0].owner");
    assert!(message.contains("\"carol\""), "{message}");
}

#[test]
fn two_configs_of_one_access_type_are_refused() {
    let text = "[[users]]\nname = \"alice\"\n[[datasets]]\nid = \"5f0e4a6b2c1d3e4f5a6b7c8d\"\nowner = \"alice\"\n[[datasets.configs]]\nusers = []\n[[datasets.configs]]\nteams = [\"acme\"]\n";
    let (_, location, message) = invalid(text, "seed.toml");
    assert_eq!(location, "datasets[0].configs[1]");
    assert!(message.contains("one per access type"), "{message}");
}

#[test]
fn two_users_with_one_token_are_refused_without_showing_it() {
    let text = "[[users]]\nname = \"alice\"\ntoken = \"t0ken-1\"\n[[users]]\nname = \"bob\"\ntoken = \"t0ken-1\"\n";
    let (_, location, message) = invalid(text, "seed.toml");
    assert_eq!(location, "users[1].token");
    assert!(!message.contains("t0ken-1"), "{message}");
    let fixtures = Fixtures::parse(text, "seed.toml").unwrap();
    assert!(!format!("{fixtures:?}").contains("t0ken-1"));
}

#[test]
fn seeding_twice_applies_only_what_is_missing() {
    let scratch = Scratch::new("seed-twice");
    let store = DurableStore::open(scratch.file("state.db")).unwrap();
    let first = store.seed(&example()).unwrap();
    assert_eq!(
        (first.added.users, first.added.datasets, first.added.configs),
        (2, 2, 2)
    );
    let before = store.export().unwrap();
    let second = store.seed(&example()).unwrap();
    assert_eq!(second.added, Default::default(), "{second}");
    assert_eq!(
        (second.kept.users, second.kept.datasets, second.kept.configs),
        (2, 2, 2)
    );
    assert!(second.to_string().contains("already there"), "{second}");
    assert_eq!(store.export().unwrap(), before);
}

#[tokio::test]
async fn seeding_keeps_a_config_the_store_already_has() {
    let scratch = Scratch::new("seed-keeps");
    let store = DurableStore::open(scratch.file("state.db")).unwrap();
    let dataset: DatasetId = "5f0e4a6b2c1d3e4f5a6b7c8d".parse().unwrap();
    store.add_dataset(dataset, "alice").unwrap();
    let request = collab_core::ShareRequest::write(["zed@example.com"], ["x"; 0]).unwrap();
    let id = store
        .session("alice")
        .create_or_update(&dataset, &request)
        .await
        .unwrap();
    let report = store.seed(&example()).unwrap();
    assert_eq!(report.kept.configs, 1, "{report}");
    let configs = store.configs(&dataset).unwrap().unwrap();
    assert_eq!(
        (configs[0].id, &configs[0].users[..]),
        (id, &["zed@example.com".to_owned()][..])
    );
}

#[test]
fn a_conflicting_seed_applies_nothing() {
    let scratch = Scratch::new("seed-conflict");
    let store = DurableStore::open(scratch.file("state.db")).unwrap();
    store.seed(&example()).unwrap();
    // The same config id, for another dataset: refused, and the new user with it is not added.
    let text = "[[users]]\nname = \"dan\"\ntoken = \"dan-token\"\n[[datasets]]\nid = \"5f0e4a6b2c1d3e4f5a6b7c8f\"\nowner = \"dan\"\n[[datasets.configs]]\nid = \"65f0a1b2c3d4e5f6a7b8c9d0\"\nusers = []\n";
    let fixtures = Fixtures::parse(text, "more.toml")
        .unwrap()
        .checked("more.toml")
        .unwrap();
    let before = store.counts().unwrap();
    let error = store.seed(&fixtures).expect_err("the config id is taken");
    assert!(
        matches!(&error, StoreError::Conflict { message, .. } if message.contains("65f0a1b2c3d4e5f6a7b8c9d0")),
        "{error}"
    );
    assert_eq!(store.counts().unwrap(), before);
}

#[test]
fn export_then_import_restores_ids_times_and_tokens() {
    let scratch = Scratch::new("round-trip");
    let source = DurableStore::open(scratch.file("a.db")).unwrap();
    source.seed(&example()).unwrap();
    let exported = source.export().unwrap();
    for text in [exported.to_toml().unwrap(), exported.to_json().unwrap()] {
        let origin = if text.starts_with('{') {
            "dump.json"
        } else {
            "dump.toml"
        };
        let parsed = Fixtures::parse(&text, origin)
            .unwrap()
            .checked(origin)
            .unwrap();
        assert_eq!(parsed, exported, "{text}");
        let target = DurableStore::open(scratch.fresh_file()).unwrap();
        target.seed(&parsed).unwrap();
        assert_eq!(target.export().unwrap(), exported);
    }
    assert_eq!(exported.users[0].token(), Some("alice-token"));
}
