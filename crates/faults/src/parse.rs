//! Rules from and to their wire form (JSON, or TOML files of `[[faults]]` tables),
//! checked whole, every error naming the field.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::error::RuleError;
use crate::rule::{DropMode, FaultAction, FaultRule, Operation};

/// Every field of a rule's wire form, in the order [`FaultRule::to_value`] writes them.
const FIELDS: &[&str] = &[
    "operation",
    "dataset",
    "user",
    "after",
    "times",
    "probability",
    "seed",
    "status",
    "code",
    "retryAfter",
    "applied",
    "delayMs",
    "drop",
];

impl Operation {
    /// The wire spelling: `list`, `createOrUpdate`, `delete`, `any`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::List => "list",
            Self::CreateOrUpdate => "createOrUpdate",
            Self::Delete => "delete",
            Self::Any => "any",
        }
    }
}

impl DropMode {
    /// The wire spelling: `reset`, `hang`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reset => "reset",
            Self::Hang => "hang",
        }
    }
}

impl FaultRule {
    /// A rule from its JSON text, checked whole; the error names the field
    /// (`probability`, `status`, ...).
    ///
    /// ```
    /// use collab_faults::FaultRule;
    /// let error = FaultRule::from_json(r#"{"operation":"list","status":200}"#).unwrap_err();
    /// assert_eq!(error.field(), "status");
    /// assert_eq!(error.to_string(), "status: must be 400..=599, found 200");
    /// ```
    pub fn from_json(text: &str) -> Result<Self, RuleError> {
        let value = serde_json::from_str(text).map_err(|error| json_syntax(&error))?;
        Self::from_value(value)
    }

    /// A rule from its JSON value, checked whole; the error names the field.
    pub fn from_value(value: Value) -> Result<Self, RuleError> {
        let Value::Object(object) = value else {
            return Err(RuleError::invalid(
                "",
                format!("a rule is an object, found {}", kind(&value)),
            ));
        };
        let mut operation = None;
        let mut rule = FaultRule::new(Operation::Any, FaultAction::default());
        for (field, value) in object {
            let action = &mut rule.action;
            match field.as_str() {
                "operation" => operation = Some(field_value(&field, value)?),
                "dataset" => rule.dataset = field_value(&field, value)?,
                "user" => rule.user = field_value(&field, value)?,
                "after" => rule.after = field_value(&field, value)?,
                "times" => rule.times = field_value(&field, value)?,
                "probability" => rule.probability = field_value(&field, value)?,
                "seed" => rule.seed = field_value(&field, value)?,
                "status" => action.status = field_value(&field, value)?,
                "code" => action.code = field_value(&field, value)?,
                "retryAfter" => action.retry_after = field_value(&field, value)?,
                "applied" => action.applied = field_value(&field, value)?,
                "delayMs" => {
                    action.delay =
                        field_value::<Option<u64>>(&field, value)?.map(Duration::from_millis);
                }
                "drop" => action.drop = field_value(&field, value)?,
                _ => {
                    return Err(RuleError::invalid(
                        field,
                        format!("unknown field; a rule has {}", FIELDS.join(", ")),
                    ));
                }
            }
        }
        rule.operation = operation.ok_or_else(|| {
            RuleError::invalid("operation", "missing: list, createOrUpdate, delete or any")
        })?;
        check(&rule)?;
        Ok(rule)
    }

    /// The rule's wire form: every matching field (`times` is `null` without a limit),
    /// and the action's fields that are set.
    ///
    /// ```
    /// use collab_faults::FaultRule;
    /// let rule = FaultRule::from_json(r#"{"operation":"list","status":503,"retryAfter":1}"#)?;
    /// let value = rule.to_value();
    /// assert_eq!(value["status"], 503);
    /// assert_eq!(value["times"], serde_json::Value::Null);
    /// assert_eq!(FaultRule::from_value(value)?, rule);
    /// # Ok::<(), collab_faults::RuleError>(())
    /// ```
    pub fn to_value(&self) -> Value {
        let mut object = Map::new();
        self.write_fields(&mut object);
        Value::Object(object)
    }

    /// Writes the wire form's fields into `object` (also used by
    /// [`ArmedRule`](crate::ArmedRule), whose form adds its counters).
    pub(crate) fn write_fields(&self, object: &mut Map<String, Value>) {
        let mut put = |field: &str, value: Value| {
            object.insert(field.to_owned(), value);
        };
        put("operation", self.operation.as_str().into());
        if let Some(dataset) = &self.dataset {
            put("dataset", dataset.to_string().into());
        }
        if let Some(user) = &self.user {
            put("user", user.as_str().into());
        }
        put("after", self.after.into());
        put("times", self.times.map_or(Value::Null, Value::from));
        put("probability", self.probability.into());
        put("seed", self.seed.into());
        let action = &self.action;
        if let Some(status) = action.status {
            put("status", status.into());
        }
        if let Some(code) = &action.code {
            put("code", code.as_str().into());
        }
        if let Some(retry_after) = action.retry_after {
            put("retryAfter", retry_after.into());
        }
        if action.applied {
            put("applied", true.into());
        }
        if let Some(delay) = action.delay {
            put(
                "delayMs",
                u64::try_from(delay.as_millis()).unwrap_or(u64::MAX).into(),
            );
        }
        if let Some(drop) = action.drop {
            put("drop", drop.as_str().into());
        }
    }
}

impl Serialize for FaultRule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(serializer)
    }
}

/// Checked as [`FaultRule::from_value`] checks.
impl<'de> Deserialize<'de> for FaultRule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Self::from_value(value).map_err(serde::de::Error::custom)
    }
}

/// Rules from a file's text: JSON (an array of rules, or `{"faults": [...]}`) or TOML
/// (a `[[faults]]` table per rule). `origin` names the file in errors and picks the
/// format: `.json` or `.toml` by its extension, else by the text (JSON when it starts
/// with `{`, or with `[` but not `[[`). Every rule is checked, and the first error
/// names the file and the field, rules counted from 0:
/// `faults.toml: faults[1].status: must be 400..=599, found 200`. A document without
/// `faults` holds no rules.
///
/// ```
/// let text = r#"
/// [[faults]]
/// operation = "list"
/// status = 503
/// times = 1
///
/// [[faults]]
/// operation = "delete"
/// drop = "hang"
/// "#;
/// let rules = collab_faults::parse_rules(text, "faults.toml")?;
/// assert_eq!(rules.len(), 2);
/// # Ok::<(), collab_faults::RuleError>(())
/// ```
pub fn parse_rules(text: &str, origin: &str) -> Result<Vec<FaultRule>, RuleError> {
    let document = if is_json(text, origin) {
        serde_json::from_str(text).map_err(|error| json_syntax(&error).within(origin, ""))?
    } else {
        toml::from_str(text).map_err(|error| toml_syntax(text, &error).within(origin, ""))?
    };
    let rules = match document {
        Value::Array(rules) => rules,
        Value::Object(mut object) => {
            let rules = object.remove("faults");
            if let Some(field) = object.keys().next() {
                return Err(RuleError::invalid(
                    field.as_str(),
                    "unknown field; a file of rules holds only `faults`",
                )
                .within(origin, ""));
            }
            match rules {
                None => Vec::new(),
                Some(Value::Array(rules)) => rules,
                Some(other) => {
                    return Err(RuleError::invalid(
                        "faults",
                        format!("a list of rules, found {}", kind(&other)),
                    )
                    .within(origin, ""));
                }
            }
        }
        other => {
            return Err(
                RuleError::invalid("", format!("a list of rules, found {}", kind(&other)))
                    .within(origin, ""),
            );
        }
    };
    rules
        .into_iter()
        .enumerate()
        .map(|(index, rule)| {
            FaultRule::from_value(rule)
                .map_err(|error| error.within(origin, &format!("faults[{index}]")))
        })
        .collect()
}

fn is_json(text: &str, origin: &str) -> bool {
    if origin.ends_with(".json") {
        return true;
    }
    if origin.ends_with(".toml") {
        return false;
    }
    let text = text.trim_start();
    text.starts_with('{') || (text.starts_with('[') && !text.starts_with("[["))
}

/// The checks across fields and of ranges, once every field has parsed.
fn check(rule: &FaultRule) -> Result<(), RuleError> {
    if !(0.0..=1.0).contains(&rule.probability) {
        return Err(RuleError::invalid(
            "probability",
            format!("must be between 0 and 1, found {}", rule.probability),
        ));
    }
    if rule.user.as_deref() == Some("") {
        return Err(RuleError::invalid("user", "must not be empty"));
    }
    let action = &rule.action;
    match action.status {
        Some(status) if !(400..=599).contains(&status) => {
            return Err(RuleError::invalid(
                "status",
                format!("must be 400..=599, found {status}"),
            ));
        }
        Some(_) if action.drop.is_some() => {
            return Err(RuleError::invalid(
                "drop",
                "excludes status: a dropped connection sends no answer",
            ));
        }
        Some(_) => {}
        None => {
            let needs_status = [
                ("applied", action.applied),
                ("code", action.code.is_some()),
                ("retryAfter", action.retry_after.is_some()),
            ];
            if let Some((field, _)) = needs_status.iter().find(|(_, set)| *set) {
                return Err(RuleError::invalid(*field, "only with a status"));
            }
            if action.delay.is_none() && action.drop.is_none() {
                return Err(RuleError::invalid(
                    "",
                    "a rule needs at least one of status, delayMs, drop",
                ));
            }
        }
    }
    Ok(())
}

fn field_value<T: DeserializeOwned>(field: &str, value: Value) -> Result<T, RuleError> {
    T::deserialize(value).map_err(|error| RuleError::invalid(field, error.to_string()))
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn json_syntax(error: &serde_json::Error) -> RuleError {
    let message = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    RuleError::Syntax {
        origin: None,
        location: format!("line {}, column {}", error.line(), error.column()),
        message: message.strip_suffix(&suffix).unwrap_or(&message).to_owned(),
    }
}

fn toml_syntax(text: &str, error: &toml::de::Error) -> RuleError {
    let location = match error.span() {
        Some(span) => {
            let before = text.get(..span.start).unwrap_or(text);
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |at| at + 1) + 1;
            format!("line {line}, column {column}")
        }
        None => "the document".to_owned(),
    };
    RuleError::Syntax {
        origin: None,
        location,
        message: error.message().trim().to_owned(),
    }
}
