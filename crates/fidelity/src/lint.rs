//! The search of a recording for values that look like credentials
//! (`collab check-drift --lint`). A [`Recorder`](crate::Recorder) knows the credentials
//! it saw and searches its recording for them before handing it out; a file from
//! elsewhere (edited by hand, or written by another
//! tool) gets this heuristic instead, which names where a suspect value is, never the
//! value:
//!
//! - a query parameter `token`, `access_token`, `api_key`, `apikey` or `key` whose value
//!   is not empty and not a placeholder (`<user:N>`);
//! - an `authorization` header whose credential is not a placeholder;
//! - a string under a key whose name holds `token`, `secret`, `password`, `apikey`,
//!   `api_key` or `authorization` (any case), not empty and not a placeholder;
//! - any string holding `token=` or `Bearer ` followed by something that is not in
//!   angle brackets (a placeholder, or a template such as `<API token>` in an error
//!   message), or shaped like a JWT (`eyJ...` with two dots).

use serde_json::Value;

use crate::recording::secrets::is_placeholder;

/// Query parameters that carry a credential.
const CREDENTIAL_PARAMETERS: &[&str] = &["token", "access_token", "api_key", "apikey", "key"];
/// Parts of key names whose values are credentials.
const CREDENTIAL_KEYS: &[&str] = &[
    "token",
    "secret",
    "password",
    "apikey",
    "api_key",
    "authorization",
];

/// The JSON paths (with indices, e.g. `$.steps[0].request.query[0][1]`) of the
/// values of `document` that look like credentials; never the values themselves.
///
/// ```
/// let document = serde_json::json!({"steps": [{"request": {
///     "headers": {"authorization": "Bearer pasted-by-hand"}}}]});
/// assert_eq!(
///     collab_fidelity::lint::suspects(&document),
///     ["$.steps[0].request.headers.authorization"]
/// );
/// ```
pub fn suspects(document: &Value) -> Vec<String> {
    let mut found = Vec::new();
    walk(document, "$", None, &mut found);
    found
}

fn walk(value: &Value, path: &str, key: Option<&str>, found: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            for (name, field) in object {
                walk(field, &format!("{path}.{name}"), Some(name), found);
            }
        }
        Value::Array(items) => {
            // A query is a list of [name, value] pairs.
            if let [Value::String(name), Value::String(value)] = items.as_slice()
                && path.ends_with(']')
                && path.contains(".query[")
                && CREDENTIAL_PARAMETERS.contains(&name.to_ascii_lowercase().as_str())
                && !value.is_empty()
                && !is_placeholder(value)
            {
                found.push(format!("{path}[1]"));
                return;
            }
            for (index, item) in items.iter().enumerate() {
                walk(item, &format!("{path}[{index}]"), None, found);
            }
        }
        Value::String(text) if suspect_string(key, text) => found.push(path.to_owned()),
        _ => {}
    }
}

fn suspect_string(key: Option<&str>, text: &str) -> bool {
    let credential_key = key.is_some_and(|key| {
        let key = key.to_ascii_lowercase();
        CREDENTIAL_KEYS.iter().any(|part| key.contains(part))
    });
    if credential_key {
        let credential = text.trim().rsplit(' ').next().unwrap_or("");
        if !credential.is_empty() && !is_placeholder(credential) {
            return true;
        }
    }
    let after = |marker: &str| {
        text.match_indices(marker).any(|(at, _)| {
            let rest = &text[at + marker.len()..];
            // `<...>`: a placeholder, or a template such as `<API token>` in a message.
            !rest.is_empty() && !rest.starts_with(['<', '&', ' ', '"'])
        })
    };
    after("token=") || after("Bearer ") || looks_like_jwt(text)
}

fn looks_like_jwt(text: &str) -> bool {
    text.split(|c: char| c.is_whitespace() || c == '"')
        .any(|word| {
            let parts: Vec<&str> = word.split('.').collect();
            parts.len() == 3
                && word.starts_with("eyJ")
                && parts.iter().all(|part| {
                    part.len() >= 4
                        && part
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                })
        })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn placeholders_pass_and_token_looking_values_are_named_by_path() {
        let clean = json!({"steps": [{"request": {
            "query": [["token", "<user:1>"], ["current_version", "1.5.26"]],
            "headers": {"authorization": "Bearer <user:2>"},
            "body": {"users": ["ann@example.com"]}}}]});
        assert!(suspects(&clean).is_empty());
        let leaky = json!({"steps": [{"request": {
            "query": [["token", "abc123"]],
            "headers": {"authorization": "Bearer abc123"},
            "body": {"apiToken": "abc123", "note": "see ?token=abc123", "hint": "send ?token=<API token>", "jwt": "eyJhbGci.eyJzdWIi.c2lnbmF0"}}}]});
        assert_eq!(
            suspects(&leaky),
            [
                "$.steps[0].request.body.apiToken",
                "$.steps[0].request.body.jwt",
                "$.steps[0].request.body.note",
                "$.steps[0].request.headers.authorization",
                "$.steps[0].request.query[0][1]",
            ]
        );
    }
}
