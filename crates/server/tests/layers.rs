//! The server's modules point one way: each top-level module of `src/` has a rank
//! (`docs/architecture.md`, "The server, by concern"), and no module imports one of a
//! higher rank, nor `api/` and `control/` each other.
//!
//! Read from the source: every `crate::` path outside comments (`use crate::a::b;`,
//! `use crate::{a, b::{c, d}};`, a path written inline in code) and every `super::`
//! of an item at a file's top level (which climbs out of the file's module) names a
//! module; the arrow goes from the file's module to the deepest module the path
//! names. A name the crate root re-exports (`crate::ServerConfig`) is followed to the
//! module it comes from.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The top-level modules, lowest first. A module may import its own rank and below.
const RANKS: &[(&str, u8)] = &[
    // The request's context and the wire's vocabulary, which every layer shares.
    ("http", 0),
    ("request", 1),
    ("journal", 2),
    ("provider", 2),
    ("config", 3),
    ("state", 4),
    ("middleware", 5),
    ("api", 6),
    ("control", 6),
    ("router", 7),
    ("serve", 8),
    ("testing", 9),
];

/// Pairs of the same rank that must not import each other.
const APART: &[(&str, &str)] = &[("api", "control"), ("control", "api")];

/// A module, as its path from the crate root (`["api", "json"]`; the root is `[]`).
type Module = Vec<String>;

/// `src/`, or another tree given in `LAYERS_SRC` (to count the arrows of another
/// layout, such as an older commit's).
fn source_dir() -> PathBuf {
    std::env::var_os("LAYERS_SRC").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        PathBuf::from,
    )
}

/// Every `.rs` file under `dir`, with its module.
fn modules(dir: &Path, prefix: &[String], out: &mut BTreeMap<Module, PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .expect("src/ can be read")
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .expect("a UTF-8 file name")
            .to_owned();
        if path.is_dir() {
            let mut inner = prefix.to_vec();
            inner.push(name);
            modules(&path, &inner, out);
        } else if let Some(stem) = name.strip_suffix(".rs") {
            let mut module = prefix.to_vec();
            if !(stem == "mod" || (prefix.is_empty() && stem == "lib")) {
                module.push(stem.to_owned());
            }
            out.insert(module, path);
        }
    }
}

/// The paths of a use tree starting at `text` (after `crate::` or `super::`):
/// `a::b`, `a::{b, c::d}`, `{a, b}`. Stops at anything else (`(`, `;`, space).
fn use_tree(text: &str) -> Vec<Vec<String>> {
    let (paths, _) = parse_tree(text.as_bytes(), 0);
    paths
}

fn parse_tree(bytes: &[u8], mut at: usize) -> (Vec<Vec<String>>, usize) {
    let mut prefix = Vec::new();
    loop {
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        if at < bytes.len() && bytes[at] == b'{' {
            at += 1;
            let mut all = Vec::new();
            loop {
                let (inner, next) = parse_tree(bytes, at);
                at = next;
                for path in inner {
                    let mut full = prefix.clone();
                    full.extend(path.into_iter().filter(|segment| segment != "self"));
                    all.push(full);
                }
                while at < bytes.len() && bytes[at].is_ascii_whitespace() {
                    at += 1;
                }
                match bytes.get(at) {
                    Some(b',') => at += 1,
                    Some(b'}') => return (all, at + 1),
                    _ => return (all, at),
                }
                while at < bytes.len() && bytes[at].is_ascii_whitespace() {
                    at += 1;
                }
                if bytes.get(at) == Some(&b'}') {
                    return (all, at + 1);
                }
            }
        }
        let start = at;
        while at < bytes.len() && (bytes[at].is_ascii_alphanumeric() || bytes[at] == b'_') {
            at += 1;
        }
        if start == at {
            // `*`, or the end of the path.
            if bytes.get(at) == Some(&b'*') {
                at += 1;
            }
            return (vec![prefix], at);
        }
        prefix.push(String::from_utf8_lossy(&bytes[start..at]).into_owned());
        if bytes[at..].starts_with(b"::") {
            at += 2;
        } else {
            // `as name`, `;`, `(`, `,`, `}`: the path ends here.
            return (vec![prefix], at);
        }
    }
}

/// The names the crate root re-exports (`pub use a::b::{C, D};`), with the path they
/// come from.
fn root_exports(lib: &str) -> BTreeMap<String, Vec<String>> {
    let mut exports = BTreeMap::new();
    for statement in lib.split(';') {
        let Some(at) = statement.find("pub use ") else {
            continue;
        };
        for path in use_tree(&statement[at + "pub use ".len()..]) {
            if let Some((name, from)) = path.split_last() {
                exports.insert(name.clone(), from.to_vec());
            }
        }
    }
    exports
}

/// The deepest module that `path` (from the crate root) names.
fn resolve(
    path: &[String],
    known: &BTreeMap<Module, PathBuf>,
    exports: &BTreeMap<String, Vec<String>>,
) -> Module {
    if let Some(first) = path.first()
        && !known.contains_key(&vec![first.clone()])
        && let Some(from) = exports.get(first)
    {
        return resolve(from, known, exports);
    }
    (0..=path.len())
        .rev()
        .map(|len| path[..len].to_vec())
        .find(|prefix| known.contains_key(prefix))
        .unwrap_or_default()
}

/// The modules each module imports, outside comments.
fn imports() -> BTreeMap<Module, BTreeMap<Module, String>> {
    let mut known = BTreeMap::new();
    modules(&source_dir(), &[], &mut known);
    let lib = fs::read_to_string(source_dir().join("lib.rs")).expect("lib.rs");
    let exports = root_exports(&lib);
    let mut graph: BTreeMap<Module, BTreeMap<Module, String>> = BTreeMap::new();
    for (module, file) in &known {
        let text = fs::read_to_string(file).expect("a source file");
        for line in text.lines() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            let mut found = Vec::new();
            for (at, _) in code.match_indices("crate::") {
                // `collab_crate::` and the like are not this crate.
                let before = code[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                found.extend(use_tree(&code[at + "crate::".len()..]));
            }
            // A `super::` of a file's own top level climbs out of its module; an
            // indented one (`use super::*` in `mod tests`) stays in the file.
            if line == code && code.contains("super::") {
                let parent = module[..module.len().saturating_sub(1)].to_vec();
                for (at, _) in code.match_indices("super::") {
                    for path in use_tree(&code[at + "super::".len()..]) {
                        let mut full = parent.clone();
                        full.extend(path);
                        found.push(full);
                    }
                }
            }
            for path in found {
                let target = resolve(&path, &known, &exports);
                if !target.is_empty() && &target != module {
                    graph
                        .entry(module.clone())
                        .or_default()
                        .entry(target)
                        .or_insert_with(|| line.trim().to_owned());
                }
            }
        }
    }
    graph
}

fn rank(module: &Module) -> Option<u8> {
    let top = module.first()?;
    RANKS
        .iter()
        .find(|(name, _)| name == top)
        .map(|(_, rank)| *rank)
}

fn file_of(module: &Module) -> String {
    if module.is_empty() {
        "lib.rs".into()
    } else {
        module.join("/")
    }
}

#[test]
fn no_module_imports_one_above_it() {
    let graph = imports();
    let mut wrong = Vec::new();
    let mut unranked = BTreeSet::new();
    let mut arrows = 0;
    let (mut file_to_top, mut top_to_top) = (BTreeSet::new(), BTreeSet::new());
    for (from, targets) in &graph {
        for (to, line) in targets {
            arrows += 1;
            if from.first() != to.first() {
                file_to_top.insert((from.clone(), to.first().cloned()));
                top_to_top.insert((from.first().cloned(), to.first().cloned()));
            }
            // The crate root re-exports everything: it is above every module.
            if from.is_empty() {
                continue;
            }
            let (Some(from_rank), Some(to_rank)) = (rank(from), rank(to)) else {
                unranked.insert(file_of(if rank(from).is_none() { from } else { to }));
                continue;
            };
            let apart = APART
                .iter()
                .any(|(a, b)| from.first().is_some_and(|f| f == a) && to[0] == *b);
            if to_rank > from_rank || apart {
                wrong.push(format!(
                    "{} (rank {from_rank}) imports {} (rank {to_rank}): {line}",
                    file_of(from),
                    file_of(to)
                ));
            }
        }
    }
    eprintln!(
        "{arrows} arrows between modules; from a module to another top-level module: {}; \
         between top-level modules: {}; {} wrong",
        file_to_top.len(),
        top_to_top.len(),
        wrong.len()
    );
    assert!(
        unranked.is_empty(),
        "modules without a rank in RANKS (add them where they belong): {unranked:?}"
    );
    assert!(
        wrong.is_empty(),
        "imports that point up or across (api <-> control):\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_reader_finds_grouped_inline_and_climbing_imports() {
    assert_eq!(
        use_tree("{a, b::{c, self}, d::*};"),
        [
            vec!["a".to_owned()],
            vec!["b".into(), "c".into()],
            vec!["b".into()],
            vec!["d".into()],
        ]
    );
    assert_eq!(
        use_tree("middleware::record::note_user(&parts, user);"),
        [vec![
            "middleware".to_owned(),
            "record".into(),
            "note_user".into()
        ]]
    );
    let graph = imports();
    // Every file of a folder is found and imports something, or the reader is broken.
    assert!(graph.len() > 10, "{graph:?}");
}
