//! Rules from and to their wire form (JSON, or TOML files of `[[faults]]` tables),
//! checked whole, every error naming the field.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::check::check;
use crate::delay::{DelayDistribution, MAX_DELAY_MS};
use crate::error::RuleError;
use crate::path::PathPattern;
use crate::rule::{Dribble, DropMode, FaultAction, FaultBody, FaultRule, Operation};

/// Every field of a rule's wire form, in the order [`FaultRule::to_value`] writes them.
const FIELDS: &[&str] = &[
    "operation",
    "path",
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
    "body",
    "headers",
    "delayMs",
    "delay",
    "drop",
    "dribble",
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
    /// The wire spelling: `reset`, `hang`, `empty`, `truncate`, `garbage`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reset => "reset",
            Self::Hang => "hang",
            Self::Empty => "empty",
            Self::Truncate => "truncate",
            Self::Garbage => "garbage",
        }
    }
}

impl FaultRule {
    /// A rule from its JSON text, checked whole; the error names the field
    /// (`probability`, `status`, ...).
    ///
    /// ```
    /// use collab_faults::FaultRule;
    /// let error = FaultRule::from_json(r#"{"operation":"list","status":100}"#).unwrap_err();
    /// assert_eq!(error.field(), "status");
    /// assert_eq!(error.to_string(), "status: must be 200..=599, found 100");
    /// ```
    pub fn from_json(text: &str) -> Result<Self, RuleError> {
        let value = serde_json::from_str(text).map_err(|error| json_syntax(&error))?;
        Self::from_value(value)
    }

    /// A rule from its JSON value, checked whole; the error names the field (a part of
    /// one by its path: `delay.uniform`, `headers.content-length`).
    ///
    /// Besides each field's type and range, refused: a rule with neither `operation`
    /// nor `path`, or with no effect (one of `status`, `delayMs`, `delay`, `drop`,
    /// `dribble`); `delayMs` with `delay`; `drop` with anything of an answer (`status`,
    /// `body`, `headers`, `dribble`, ...); `code`, `retryAfter`, `applied`, `body`,
    /// `headers` without a `status`; `applied` or `code` with a status below 400;
    /// `code` with `body`; hop-by-hop and framing `headers` (`connection`,
    /// `content-length`, `transfer-encoding`, ...) and `retry-after` (use
    /// `retryAfter`).
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
                "path" => rule.path = path(value)?,
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
                "delay" => action.delay_distribution = delay(value)?,
                "drop" => action.drop = field_value(&field, value)?,
                "body" => action.body = body(value),
                "headers" => action.headers = headers(value)?,
                "dribble" => action.dribble = dribble(value)?,
                _ => {
                    return Err(RuleError::invalid(
                        field,
                        format!("unknown field; a rule has {}", FIELDS.join(", ")),
                    ));
                }
            }
        }
        rule.operation = operation;
        check(&rule)?;
        Ok(rule)
    }

    /// The rule's wire form: `operation` and `path` when set, every other matching
    /// field (`times` is `null` without a limit), and the action's fields that are
    /// set. It parses back to the same rule.
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
        if let Some(operation) = self.operation {
            put("operation", operation.as_str().into());
        }
        if let Some(path) = &self.path {
            put("path", path.as_str().into());
        }
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
            put("delayMs", millis(delay).into());
        }
        if let Some(body) = &action.body {
            put(
                "body",
                match body {
                    FaultBody::Text(text) => text.as_str().into(),
                    FaultBody::Json(value) => value.clone(),
                },
            );
        }
        if !action.headers.is_empty() {
            let headers = action
                .headers
                .iter()
                .map(|(name, value)| (name.clone(), Value::from(value.as_str())))
                .collect();
            put("headers", Value::Object(headers));
        }
        if let Some(distribution) = &action.delay_distribution {
            put("delay", delay_value(distribution));
        }
        if let Some(drop) = action.drop {
            put("drop", drop.as_str().into());
        }
        if let Some(dribble) = action.dribble {
            let mut object = Map::new();
            object.insert("chunks".to_owned(), dribble.chunks.into());
            object.insert("overMs".to_owned(), millis(dribble.over).into());
            put("dribble", Value::Object(object));
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
/// `faults.toml: faults[1].status: must be 200..=599, found 100`. A document without
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

pub(crate) fn field_value<T: DeserializeOwned>(field: &str, value: Value) -> Result<T, RuleError> {
    T::deserialize(value).map_err(|error| RuleError::invalid(field, error.to_string()))
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// `path`: a path, or a prefix ending in `*`.
fn path(value: Value) -> Result<Option<PathPattern>, RuleError> {
    let Some(text) = field_value::<Option<String>>("path", value)? else {
        return Ok(None);
    };
    text.parse()
        .map(Some)
        .map_err(|error: crate::path::PathPatternError| {
            RuleError::invalid("path", error.to_string())
        })
}

/// `body`: a string is sent as it is, any other JSON value as JSON; `null` is none.
fn body(value: Value) -> Option<FaultBody> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(FaultBody::Text(text)),
        other => Some(FaultBody::Json(other)),
    }
}

/// Response headers a rule may not set: the connection's (hop-by-hop) and the
/// framing's, which the server owns (a wrong `content-length` is `drop: truncate`'s
/// business), and `retry-after`, whose only source is `retryAfter`.
const REFUSED_HEADERS: &[(&str, &str)] = &[
    (
        "connection",
        "a hop-by-hop header: the server owns the connection",
    ),
    (
        "keep-alive",
        "a hop-by-hop header: the server owns the connection",
    ),
    (
        "proxy-connection",
        "a hop-by-hop header: the server owns the connection",
    ),
    ("te", "a hop-by-hop header: the server owns the connection"),
    (
        "trailer",
        "a hop-by-hop header: the server owns the connection",
    ),
    (
        "upgrade",
        "a hop-by-hop header: the server owns the connection",
    ),
    (
        "transfer-encoding",
        "framing: the server sets it (to cut an answer short, use drop: truncate)",
    ),
    (
        "content-length",
        "framing: the server sets it (to cut an answer short, use drop: truncate)",
    ),
    ("retry-after", "set it with retryAfter (seconds)"),
];

/// `headers`: an object of header names to string values, names kept in lower case.
fn headers(value: Value) -> Result<BTreeMap<String, String>, RuleError> {
    let object = match value {
        Value::Null => return Ok(BTreeMap::new()),
        Value::Object(object) => object,
        other => {
            return Err(RuleError::invalid(
                "headers",
                format!(
                    "an object of header names to values, found {}",
                    kind(&other)
                ),
            ));
        }
    };
    let mut headers = BTreeMap::new();
    for (name, value) in object {
        let field = format!("headers.{name}");
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(RuleError::invalid(
                field,
                "not a header name (letters, digits and !#$%&'*+-.^_`|~ only)",
            ));
        }
        let lower = name.to_ascii_lowercase();
        if let Some((_, why)) = REFUSED_HEADERS
            .iter()
            .find(|(refused, _)| *refused == lower)
        {
            return Err(RuleError::invalid(field, format!("not allowed: {why}")));
        }
        let Value::String(value) = value else {
            return Err(RuleError::invalid(
                field,
                format!("a header's value is a string, found {}", kind(&value)),
            ));
        };
        if !value
            .bytes()
            .all(|byte| byte == b'\t' || (b' '..=b'~').contains(&byte))
        {
            return Err(RuleError::invalid(
                field,
                "not a header value (visible ASCII, spaces and tabs only: no line breaks)",
            ));
        }
        if headers.insert(lower, value).is_some() {
            return Err(RuleError::invalid(
                field,
                "given twice (header names are case-insensitive)",
            ));
        }
    }
    Ok(headers)
}

/// A byte of an HTTP token (RFC 9110 `tchar`), which a header name is made of.
fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// `dribble`: `{"chunks": N, "overMs": T}`.
fn dribble(value: Value) -> Result<Option<Dribble>, RuleError> {
    let object = match value {
        Value::Null => return Ok(None),
        Value::Object(object) => object,
        other => {
            return Err(RuleError::invalid(
                "dribble",
                format!(r#"{{"chunks": N, "overMs": T}}, found {}"#, kind(&other)),
            ));
        }
    };
    let (mut chunks, mut over) = (None, None);
    for (key, value) in object {
        let field = format!("dribble.{key}");
        match key.as_str() {
            "chunks" => chunks = Some(field_value::<u32>(&field, value)?),
            "overMs" => over = Some(field_value::<u64>(&field, value)?),
            _ => {
                return Err(RuleError::invalid(
                    field,
                    "unknown field; dribble has chunks, overMs",
                ));
            }
        }
    }
    let chunks =
        chunks.ok_or_else(|| RuleError::invalid("dribble.chunks", "missing: how many pieces"))?;
    let over = over.ok_or_else(|| {
        RuleError::invalid("dribble.overMs", "missing: over how many milliseconds")
    })?;
    if !(1..=Dribble::MAX_CHUNKS).contains(&chunks) {
        return Err(RuleError::invalid(
            "dribble.chunks",
            format!("must be 1..={}, found {chunks}", Dribble::MAX_CHUNKS),
        ));
    }
    if over > MAX_DELAY_MS {
        return Err(RuleError::invalid(
            "dribble.overMs",
            format!("must be at most {MAX_DELAY_MS} (an hour), found {over}"),
        ));
    }
    Ok(Some(Dribble::new(chunks, Duration::from_millis(over))))
}

/// `delay`: `{"uniform": [LO, HI]}` or `{"lognormal": {"medianMs": M, "sigma": S}}`.
fn delay(value: Value) -> Result<Option<DelayDistribution>, RuleError> {
    const SHAPE: &str = r#"{"uniform": [LO, HI]} or {"lognormal": {"medianMs": M, "sigma": S}}"#;
    let object = match value {
        Value::Null => return Ok(None),
        Value::Object(object) => object,
        other => {
            return Err(RuleError::invalid(
                "delay",
                format!("{SHAPE} (a fixed delay is delayMs), found {}", kind(&other)),
            ));
        }
    };
    let mut entries = object.into_iter();
    let (Some((kind_name, parameters)), None) = (entries.next(), entries.next()) else {
        return Err(RuleError::invalid(
            "delay",
            format!("one distribution: {SHAPE}"),
        ));
    };
    let distribution = match kind_name.as_str() {
        "uniform" => {
            let [low, high] = field_value::<[u64; 2]>("delay.uniform", parameters)?;
            if low > high {
                return Err(RuleError::invalid(
                    "delay.uniform",
                    format!("[LO, HI] with LO <= HI, found [{low}, {high}]"),
                ));
            }
            if high > MAX_DELAY_MS {
                return Err(RuleError::invalid(
                    "delay.uniform",
                    format!("HI must be at most {MAX_DELAY_MS} (an hour), found {high}"),
                ));
            }
            DelayDistribution::Uniform {
                low: Duration::from_millis(low),
                high: Duration::from_millis(high),
            }
        }
        "lognormal" => {
            let Value::Object(parameters) = parameters else {
                return Err(RuleError::invalid(
                    "delay.lognormal",
                    format!(
                        r#"{{"medianMs": M, "sigma": S}}, found {}"#,
                        kind(&parameters)
                    ),
                ));
            };
            let (mut median, mut sigma) = (None, None);
            for (key, value) in parameters {
                let field = format!("delay.lognormal.{key}");
                let number = match key.as_str() {
                    "medianMs" => &mut median,
                    "sigma" => &mut sigma,
                    _ => {
                        return Err(RuleError::invalid(
                            field,
                            "unknown field; lognormal has medianMs, sigma",
                        ));
                    }
                };
                let value = field_value::<f64>(&field, value)?;
                if !value.is_finite() || value < 0.0 {
                    return Err(RuleError::invalid(
                        field,
                        format!("must be a finite number >= 0, found {value}"),
                    ));
                }
                *number = Some(value);
            }
            let median_ms = median.ok_or_else(|| {
                RuleError::invalid(
                    "delay.lognormal.medianMs",
                    "missing: the median delay in milliseconds",
                )
            })?;
            let sigma = sigma.ok_or_else(|| {
                RuleError::invalid(
                    "delay.lognormal.sigma",
                    "missing: the spread (0 for none, 0.5 for some)",
                )
            })?;
            if median_ms > MAX_DELAY_MS as f64 {
                return Err(RuleError::invalid(
                    "delay.lognormal.medianMs",
                    format!("must be at most {MAX_DELAY_MS} (an hour), found {median_ms}"),
                ));
            }
            DelayDistribution::LogNormal { median_ms, sigma }
        }
        other => {
            return Err(RuleError::invalid(
                format!("delay.{other}"),
                format!("unknown distribution; {SHAPE}"),
            ));
        }
    };
    Ok(Some(distribution))
}

/// A distribution's wire form (the inverse of [`delay`]).
fn delay_value(distribution: &DelayDistribution) -> Value {
    let mut object = Map::new();
    match *distribution {
        DelayDistribution::Uniform { low, high } => {
            object.insert(
                "uniform".to_owned(),
                Value::from(vec![millis(low), millis(high)]),
            );
        }
        DelayDistribution::LogNormal { median_ms, sigma } => {
            let mut parameters = Map::new();
            parameters.insert("medianMs".to_owned(), median_ms.into());
            parameters.insert("sigma".to_owned(), sigma.into());
            object.insert("lognormal".to_owned(), Value::Object(parameters));
        }
    }
    Value::Object(object)
}

pub(crate) fn kind(value: &Value) -> &'static str {
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
