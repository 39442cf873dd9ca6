//! Fixture files (`--seed`, `store import`) in TOML and JSON, and `--faults` files.
//!
//! The first byte picks the file's kind, the rest is its text. Invariants:
//! - a fixture file that is read passes the document's own check (`checked`): names
//!   and ids unique, at most one config per dataset and access type, lists within the
//!   rules; written back as TOML and as JSON it reads as the same document;
//! - a file of fault rules that is read holds rules that each, written back
//!   (`to_value`) and read again, are the same rule; a JSON file read as TOML's twin
//!   (the same rules written as JSON) is the same list.
//! Refusals are errors, never panics.
#![no_main]

use collab_core::fixtures::Fixtures;
use collab_faults::{FaultRule, parse_rules};
use libfuzzer_sys::fuzz_target;

fn fixtures(read: Result<Fixtures, collab_core::fixtures::FixtureError>) {
    let Ok(fixtures) = read else {
        return;
    };
    let checked = fixtures
        .clone()
        .checked("file")
        .unwrap_or_else(|error| panic!("read, then refused by its check: {error}"));
    assert_eq!(checked, fixtures);
    let toml = fixtures.to_toml().expect("a read file is written as TOML");
    let again = Fixtures::parse(&toml, "again.toml")
        .unwrap_or_else(|error| panic!("{toml} is not read back: {error}"));
    assert_eq!(again, fixtures, "{toml}");
    let json = fixtures.to_json().expect("a read file is written as JSON");
    let again = Fixtures::from_json(&json, "again.json")
        .unwrap_or_else(|error| panic!("{json} is not read back: {error}"));
    assert_eq!(again, fixtures, "{json}");
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
