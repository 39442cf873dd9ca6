//! A small JSON Schema checker, enough for the OpenAPI document's keywords, so the
//! test needs no schema crate.

use serde_json::Value;

/// Follows a `$ref` (local only) to what it names.
pub(crate) fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("only local references: {reference}"));
            let target = doc
                .pointer(pointer)
                .unwrap_or_else(|| panic!("dangling reference {reference}"));
            resolve(doc, target)
        }
        None => value,
    }
}

/// A small JSON Schema checker for the keywords the document uses. A keyword it does
/// not know fails the test, so that nothing in the document goes unchecked.
pub(crate) fn check_schema(
    doc: &Value,
    schema: &Value,
    value: &Value,
    at: &str,
    errors: &mut Vec<String>,
) {
    let schema = resolve(doc, schema);
    let Some(keywords) = schema.as_object() else {
        panic!("{at}: a schema is an object: {schema}");
    };
    for (keyword, rule) in keywords {
        match keyword.as_str() {
            "description" | "example" | "format" | "title" => {}
            "type" => {
                let expected = rule.as_str().expect("type is a string");
                let fits = match expected {
                    "object" => value.is_object(),
                    "array" => value.is_array(),
                    "string" => value.is_string(),
                    "integer" => value.is_i64() || value.is_u64(),
                    "number" => value.is_number(),
                    "boolean" => value.is_boolean(),
                    other => panic!("{at}: unknown type {other}"),
                };
                if !fits {
                    errors.push(format!("{at}: {value} is not of type {expected}"));
                }
            }
            "required" => {
                for name in rule.as_array().expect("required is a list") {
                    let name = name.as_str().expect("a property name");
                    if value.is_object() && value.get(name).is_none() {
                        errors.push(format!("{at}: required property {name} is missing"));
                    }
                }
            }
            "properties" => {
                for (name, property) in rule.as_object().expect("properties is an object") {
                    if let Some(inner) = value.get(name) {
                        check_schema(doc, property, inner, &format!("{at}.{name}"), errors);
                    }
                }
            }
            "additionalProperties" => match rule {
                Value::Bool(true) => {}
                // Today's clients reject unknown fields: an answer may hold only the
                // documented properties.
                Value::Bool(false) => {
                    let documented = schema.get("properties").and_then(Value::as_object);
                    for name in value.as_object().into_iter().flat_map(|map| map.keys()) {
                        if !documented.is_some_and(|properties| properties.contains_key(name)) {
                            errors.push(format!("{at}: property {name} is not in the document"));
                        }
                    }
                }
                other => panic!("{at}: only `true` and `false` are supported, not {other}"),
            },
            "items" => {
                for (index, item) in value.as_array().into_iter().flatten().enumerate() {
                    check_schema(doc, rule, item, &format!("{at}[{index}]"), errors);
                }
            }
            "enum" => {
                let allowed = rule.as_array().expect("enum is a list");
                if !allowed.contains(value) {
                    errors.push(format!("{at}: {value} is not one of the enum's values"));
                }
            }
            "pattern" => {
                let pattern = rule.as_str().expect("pattern is a string");
                if let Some(text) = value.as_str()
                    && !matches_pattern(pattern, text)
                {
                    errors.push(format!("{at}: {text:?} does not match {pattern}"));
                }
            }
            "minLength" | "maxLength" => {
                let bound = rule.as_u64().expect("a length");
                if let Some(text) = value.as_str() {
                    let length = text.chars().count() as u64;
                    let fits = if keyword == "minLength" {
                        length >= bound
                    } else {
                        length <= bound
                    };
                    if !fits {
                        errors.push(format!("{at}: length {length} breaks {keyword} {bound}"));
                    }
                }
            }
            "minimum" => {
                let bound = rule.as_f64().expect("a number");
                if let Some(number) = value.as_f64()
                    && number < bound
                {
                    errors.push(format!("{at}: {number} is below the minimum {bound}"));
                }
            }
            other => panic!("{at}: the checker does not know the keyword {other}"),
        }
    }
}

/// Matches the regular expressions the document uses: `^`, `$`, literal characters
/// and `[...]` classes with ranges, each optionally followed by `{n}`, `{n,m}`, `*`
/// or `+`. Anything else fails the test.
pub(crate) fn matches_pattern(pattern: &str, text: &str) -> bool {
    let body = pattern
        .strip_prefix('^')
        .and_then(|p| p.strip_suffix('$'))
        .unwrap_or_else(|| panic!("patterns are anchored: {pattern}"));
    let mut atoms = Vec::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        let class = match c {
            '[' => {
                let mut ranges = Vec::new();
                loop {
                    let start = chars.next().expect("unterminated class");
                    if start == ']' {
                        break;
                    }
                    if chars.peek() == Some(&'-') {
                        chars.next();
                        let end = chars.next().expect("a range's end");
                        ranges.push((start, end));
                    } else {
                        ranges.push((start, start));
                    }
                }
                ranges
            }
            '\\' | '(' | ')' | '|' | '.' | '?' => panic!("unsupported pattern {pattern}"),
            literal => vec![(literal, literal)],
        };
        let (min, max) = match chars.peek() {
            Some('{') => {
                chars.next();
                let spec: String = chars.by_ref().take_while(|&c| c != '}').collect();
                match spec.split_once(',') {
                    Some((lo, hi)) => (lo.parse().expect("n"), hi.parse().expect("m")),
                    None => {
                        let n = spec.parse().expect("n");
                        (n, n)
                    }
                }
            }
            Some('*') => {
                chars.next();
                (0, usize::MAX)
            }
            Some('+') => {
                chars.next();
                (1, usize::MAX)
            }
            _ => (1, 1),
        };
        atoms.push(Atom { class, min, max });
    }
    fn matches(atoms: &[Atom], text: &[char]) -> bool {
        let Some((atom, rest)) = atoms.split_first() else {
            return text.is_empty();
        };
        let fits = |c: &char| atom.class.iter().any(|(lo, hi)| lo <= c && c <= hi);
        let run = text.iter().take_while(|c| fits(c)).count().min(atom.max);
        (atom.min..=run).rev().any(|n| matches(rest, &text[n..]))
    }
    matches(&atoms, &text.chars().collect::<Vec<_>>())
}

/// One element of a pattern: a set of character ranges, repeated `min..=max` times.
struct Atom {
    class: Vec<(char, char)>,
    min: usize,
    max: usize,
}

#[test]
fn the_pattern_matcher_works_on_the_documents_patterns() {
    let object_id = "^[a-f0-9]{24}$";
    assert!(matches_pattern(object_id, "0123456789abcdef01234567"));
    assert!(!matches_pattern(object_id, "0123456789abcdef0123456"));
    assert!(!matches_pattern(object_id, "0123456789abcdef012345678"));
    assert!(!matches_pattern(object_id, "0123456789ABCDEF01234567"));
    assert!(matches_pattern("^a[0-9]+z$", "a12z") && !matches_pattern("^a[0-9]+z$", "az"));
}
