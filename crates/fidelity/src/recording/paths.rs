//! JSON paths as recordings and reports spell them: `$` the body, `$.users` a field,
//! `$[*]` any element of an array (indices are not kept: a list promises no order).

use std::collections::BTreeSet;

use serde_json::Value;

/// The body itself.
pub(crate) const ROOT: &str = "$";

/// The path of `key` in the object at `parent`.
pub(crate) fn field(parent: &str, key: &str) -> String {
    format!("{parent}.{key}")
}

/// The path of any element of the array at `parent`.
pub(crate) fn element(parent: &str) -> String {
    format!("{parent}[*]")
}

/// The paths at which `first` and `second` differ: a value that changed, a field
/// only one of them has, arrays of different lengths (the array's own path).
pub(crate) fn differing(first: &Value, second: &Value) -> BTreeSet<String> {
    let mut paths = BTreeSet::new();
    walk(first, second, ROOT, &mut paths);
    paths
}

fn walk(first: &Value, second: &Value, path: &str, paths: &mut BTreeSet<String>) {
    match (first, second) {
        (Value::Object(a), Value::Object(b)) => {
            for key in a.keys().chain(b.keys()) {
                let child = field(path, key);
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => walk(x, y, &child, paths),
                    _ => {
                        paths.insert(child);
                    }
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            let child = element(path);
            for (x, y) in a.iter().zip(b) {
                walk(x, y, &child, paths);
            }
        }
        (a, b) if a == b => {}
        _ => {
            paths.insert(path.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_paths_that_differ_are_named_with_any_index() {
        let first = json!([{"id": "a", "etag": 1, "users": ["x"]}]);
        let second = json!([{"id": "a", "etag": 2, "users": ["x"], "new": true}]);
        let paths: Vec<String> = differing(&first, &second).into_iter().collect();
        assert_eq!(paths, ["$[*].etag", "$[*].new"]);
        assert!(differing(&first, &first).is_empty());
        assert_eq!(
            differing(&json!([1]), &json!([1, 2]))
                .into_iter()
                .collect::<Vec<_>>(),
            ["$"]
        );
    }
}
