//! Fixture files (`--seed`, `store import`) in TOML and JSON, and `--faults` files.
//!
//! The first byte picks the file's kind, the rest is its text. Invariants:
//! - a fixture file that is read, written back as TOML and as JSON, reads as the same
//!   document; if it passes the check of a whole document (`checked`), what the check
//!   gives holds the rules (names and ids unique, every owner declared, at most one
//!   config per dataset and access type), round-trips too, and passes the check again
//!   unchanged;
//! - a file of fault rules that is read holds rules that each, written back
//!   (`to_value`) and read again, are the same rule; a JSON file read as TOML's twin
//!   (the same rules written as JSON) is the same list.
//! Refusals are errors, never panics.
#![no_main]

use std::collections::HashSet;

use collab_core::fixtures::Fixtures;
use collab_faults::{FaultRule, parse_rules};
use libfuzzer_sys::fuzz_target;

fn fixtures(read: Result<Fixtures, collab_core::fixtures::FixtureError>) {
    let Ok(fixtures) = read else {
        return;
    };
    round_trip(&fixtures);
    // Owners may be declared elsewhere (another file, the command line, a store): the
    // checks are a separate step, and what they accept holds the rules.
    if let Ok(checked) = fixtures.checked("file") {
        holds_the_rules(&checked);
        round_trip(&checked);
        let again = checked.clone().checked("again").expect("checked twice");
        assert_eq!(again, checked);
    }
}

/// Written back as TOML and as JSON, the document reads as itself.
fn round_trip(fixtures: &Fixtures) {
    let toml = fixtures.to_toml().expect("a read file is written as TOML");
    let again = Fixtures::parse(&toml, "again.toml")
        .unwrap_or_else(|error| panic!("{toml} is not read back: {error}"));
    assert_eq!(&again, fixtures, "{toml}");
    let json = fixtures.to_json().expect("a read file is written as JSON");
    let again = Fixtures::from_json(&json, "again.json")
        .unwrap_or_else(|error| panic!("{json} is not read back: {error}"));
    assert_eq!(&again, fixtures, "{json}");
}

/// Names and ids unique, every owner declared, at most one config per dataset and
/// access type.
fn holds_the_rules(fixtures: &Fixtures) {
    let mut names = HashSet::new();
    assert!(
        fixtures
            .users
            .iter()
            .all(|user| names.insert(user.name.as_str())),
        "{fixtures:?}"
    );
    let mut datasets = HashSet::new();
    let mut configs = HashSet::new();
    for dataset in &fixtures.datasets {
        assert!(datasets.insert(dataset.id), "{fixtures:?}");
        assert!(names.contains(dataset.owner.as_str()), "{fixtures:?}");
        let mut types = HashSet::new();
        for config in &dataset.configs {
            assert!(types.insert(config.request.access_type()), "{fixtures:?}");
            if let Some(id) = config.id {
                assert!(configs.insert(id), "{fixtures:?}");
            }
        }
    }
}

fn faults(text: &str, origin: &str) {
    let Ok(rules) = parse_rules(text, origin) else {
        return;
    };
    for rule in &rules {
        let written = rule.to_value();
        let again = FaultRule::from_value(written.clone())
            .unwrap_or_else(|error| panic!("{written} is not read back: {error}"));
        assert_eq!(&again, rule, "{written}");
    }
    let values: Vec<_> = rules.iter().map(FaultRule::to_value).collect();
    let json = serde_json::to_string(&serde_json::json!({ "faults": values })).expect("JSON");
    let again = parse_rules(&json, "again.json")
        .unwrap_or_else(|error| panic!("{json} is not read back: {error}"));
    assert_eq!(again, rules, "{json}");
}

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match kind % 4 {
        0 => fixtures(Fixtures::parse(text, "fixtures.toml")),
        1 => fixtures(Fixtures::from_json(text, "fixtures.json")),
        2 => faults(text, "faults.toml"),
        _ => faults(text, "faults.json"),
    }
});
