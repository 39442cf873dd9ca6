//! Normalisation of answers by JSON path, so that what the service makes up (ids,
//! times, request ids, the order of lists) does not count as a difference:
//!
//! - an `id` that is an ObjectId becomes a reference, `#1`, `#2`, ... in the order
//!   first seen on its side, so that "the id create answered is the id deleted later"
//!   still holds while the ids themselves differ;
//! - `createdAt` and `lastModifiedAt` numbers become `"<time>"`;
//! - `requestId` is left out (each answer has its own);
//! - `users`, `teams` and `organizations` are sorted, and so is every array of
//!   objects (a list of configs): the API promises no order;
//! - in an error's `error` or `message`, the ids already referenced are replaced by
//!   their references.

use std::collections::HashMap;

use serde_json::{Map, Value};

/// Fields holding times the service chose.
const TIME_FIELDS: &[&str] = &["createdAt", "lastModifiedAt"];
/// Fields left out of the comparison altogether.
const DROPPED_FIELDS: &[&str] = &["requestId"];
/// Arrays of strings whose order the API does not promise.
const SET_FIELDS: &[&str] = &["users", "teams", "organizations"];
/// Fields holding an error's text.
const MESSAGE_FIELDS: &[&str] = &["error", "message"];

/// One side's ids and their references.
#[derive(Debug, Default)]
pub(crate) struct References {
    numbers: HashMap<String, usize>,
    ids: Vec<String>,
}

impl References {
    /// The reference number of `id`, given the next one when it is first seen.
    pub(crate) fn number(&mut self, id: &str) -> usize {
        if let Some(&number) = self.numbers.get(id) {
            return number;
        }
        self.ids.push(id.to_owned());
        self.numbers.insert(id.to_owned(), self.ids.len());
        self.ids.len()
    }

    /// The id that has reference `number` on this side, if any.
    pub(crate) fn id(&self, number: usize) -> Option<&str> {
        self.ids.get(number.checked_sub(1)?).map(String::as_str)
    }

    fn known(&self, id: &str) -> Option<usize> {
        self.numbers.get(id).copied()
    }
}

/// Whether `text` is a MongoDB ObjectId (24 lower-case hex digits).
pub(crate) fn is_object_id(text: &str) -> bool {
    text.len() == 24 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `value` normalised, ids referenced in `references` (new ones get new references).
pub(crate) fn normalise(value: &Value, references: &mut References) -> Value {
    match value {
        Value::Object(object) => {
            let mut normalised = Map::new();
            for (key, field) in object {
                if DROPPED_FIELDS.contains(&key.as_str()) {
                    continue;
                }
                let field = match field {
                    Value::Number(_) if TIME_FIELDS.contains(&key.as_str()) => {
                        Value::String("<time>".to_owned())
                    }
                    Value::String(id) if key == "id" && is_object_id(id) => {
                        Value::String(format!("#{}", references.number(id)))
                    }
                    Value::String(text) if MESSAGE_FIELDS.contains(&key.as_str()) => {
                        Value::String(referenced_text(text, references))
                    }
                    Value::Array(items)
                        if SET_FIELDS.contains(&key.as_str())
                            && items.iter().all(Value::is_string) =>
                    {
                        let mut items = items.clone();
                        items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
                        Value::Array(items)
                    }
                    other => normalise(other, references),
                };
                normalised.insert(key.clone(), field);
            }
            Value::Object(normalised)
        }
        Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_object) => {
            // Sorted by content with the ids masked, so that references are given in an
            // order both sides share.
            let mut keyed: Vec<(String, &Value)> = items
                .iter()
                .map(|item| (masked(item).to_string(), item))
                .collect();
            keyed.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Array(
                keyed
                    .into_iter()
                    .map(|(_, item)| normalise(item, references))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| normalise(item, references))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `value` normalised with every id masked (no reference given): a sort key.
fn masked(value: &Value) -> Value {
    normalise(&mask_ids(value), &mut References::default())
}

fn mask_ids(value: &Value) -> Value {
    match value {
        Value::Object(object) => Value::Object(
            object
                .iter()
                .map(|(key, field)| {
                    let field = match field {
                        Value::String(id) if key == "id" && is_object_id(id) => {
                            Value::String("#".to_owned())
                        }
                        other => mask_ids(other),
                    };
                    (key.clone(), field)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(mask_ids).collect()),
        other => other.clone(),
    }
}

/// `text` with every id already referenced replaced by its reference.
fn referenced_text(text: &str, references: &References) -> String {
    text.split_inclusive(|c: char| !c.is_ascii_alphanumeric())
        .map(|piece| {
            let word = piece.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
            match references.known(word) {
                Some(number) if is_object_id(word) => {
                    format!("#{number}{}", &piece[word.len()..])
                }
                _ => piece.to_owned(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn ids_become_references_times_placeholders_and_sets_are_sorted() {
        let mut references = References::default();
        let list = json!([
            {"id": "bbbbbbbbbbbbbbbbbbbbbbbb", "users": ["z@x.io", "a@x.io"], "createdAt": 5, "accessType": "WRITE"},
        ]);
        let normalised = normalise(&list, &mut references);
        assert_eq!(
            normalised,
            json!([{"id": "#1", "users": ["a@x.io", "z@x.io"], "createdAt": "<time>", "accessType": "WRITE"}])
        );
        let error = json!({"code": "ACCESS_CONTROL_UNKNOWN", "error": "config bbbbbbbbbbbbbbbbbbbbbbbb not found", "requestId": "r-1"});
        assert_eq!(
            normalise(&error, &mut references),
            json!({"code": "ACCESS_CONTROL_UNKNOWN", "error": "config #1 not found"})
        );
        assert_eq!(references.id(1), Some("bbbbbbbbbbbbbbbbbbbbbbbb"));
        assert_eq!(references.number("cccccccccccccccccccccccc"), 2);
    }

    #[test]
    fn lists_of_objects_are_ordered_by_content_not_by_id() {
        let one = json!([{"id": "aaaaaaaaaaaaaaaaaaaaaaa1", "n": 2}, {"id": "aaaaaaaaaaaaaaaaaaaaaaa2", "n": 1}]);
        let other = json!([{"id": "fffffffffffffffffffffff2", "n": 1}, {"id": "fffffffffffffffffffffff1", "n": 2}]);
        assert_eq!(
            normalise(&one, &mut References::default()),
            normalise(&other, &mut References::default())
        );
    }
}
