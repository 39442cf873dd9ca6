//! [`RuleError`]: why a rule, or a file of rules, was refused.

/// Why a rule or a file of rules was refused: where (the file, and the field's path)
/// and what is wrong. Its `Display` is one line, e.g.
/// `faults.toml: faults[1].status: must be 200..=599, found 100`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RuleError {
    /// A field is missing, unknown, of the wrong type or out of range, or fields
    /// contradict each other.
    #[error("{}{field}: {message}", origin_prefix(.origin))]
    Invalid {
        /// The file the rule came from, when it came from one.
        origin: Option<String>,
        /// The field's path: `status` for one rule, `faults[1].status` in a file
        /// (rules counted from 0); the rule's own path (`faults[1]`, or empty for one
        /// rule) when no single field is at fault.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The text is not JSON or TOML at all.
    #[error("{}{location}: {message}", origin_prefix(.origin))]
    Syntax {
        /// The file, when the text came from one.
        origin: Option<String>,
        /// Where: `line 3, column 9`.
        location: String,
        /// What the parser said.
        message: String,
    },
}

fn origin_prefix(origin: &Option<String>) -> String {
    origin
        .as_ref()
        .map(|origin| format!("{origin}: "))
        .unwrap_or_default()
}

impl RuleError {
    /// The path of the field at fault (`probability`, `faults[2].status`); empty for a
    /// syntax error, and the rule's own path when the rule as a whole is at fault.
    pub fn field(&self) -> &str {
        match self {
            Self::Invalid { field, .. } => field,
            Self::Syntax { .. } => "",
        }
    }

    /// What is wrong, without where.
    pub fn message(&self) -> &str {
        match self {
            Self::Invalid { message, .. } | Self::Syntax { message, .. } => message,
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            origin: None,
            field: field.into(),
            message: message.into(),
        }
    }

    /// The same error for a rule found at `prefix` (`faults[1]`) in `origin`.
    pub(crate) fn within(self, origin: &str, prefix: &str) -> Self {
        match self {
            Self::Invalid { field, message, .. } => Self::Invalid {
                origin: Some(origin.to_owned()),
                field: match (prefix.is_empty(), field.is_empty()) {
                    (true, _) => field,
                    (false, true) => prefix.to_owned(),
                    (false, false) => format!("{prefix}.{field}"),
                },
                message,
            },
            Self::Syntax {
                location, message, ..
            } => Self::Syntax {
                origin: Some(origin.to_owned()),
                location,
                message,
            },
        }
    }
}
