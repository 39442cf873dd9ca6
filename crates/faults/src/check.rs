//! The checks of a rule across its fields and of their ranges, once every field has
//! parsed: what makes no sense together is refused, naming the field.

use crate::error::RuleError;
use crate::rule::FaultRule;

/// Checks `rule` whole; the error names the field at fault (empty: the rule itself).
pub(crate) fn check(rule: &FaultRule) -> Result<(), RuleError> {
    if !(0.0..=1.0).contains(&rule.probability) {
        return Err(RuleError::invalid(
            "probability",
            format!("must be between 0 and 1, found {}", rule.probability),
        ));
    }
    if rule.user.as_deref() == Some("") {
        return Err(RuleError::invalid("user", "must not be empty"));
    }
    if rule.operation.is_none() && rule.path.is_none() {
        return Err(RuleError::invalid(
            "operation",
            "missing: list, createOrUpdate, delete or any (or a path, such as /v1/versions/*)",
        ));
    }
    let action = &rule.action;
    if action.delay.is_some() && action.delay_distribution.is_some() {
        return Err(RuleError::invalid(
            "delay",
            "excludes delayMs: one delay per rule (delayMs fixed, delay drawn)",
        ));
    }
    if action.drop.is_some() {
        let answer = [
            ("status", action.status.is_some()),
            ("body", action.body.is_some()),
            ("headers", !action.headers.is_empty()),
            ("dribble", action.dribble.is_some()),
            ("applied", action.applied),
            ("code", action.code.is_some()),
            ("retryAfter", action.retry_after.is_some()),
        ];
        if let Some((field, _)) = answer.iter().find(|(_, set)| *set) {
            return Err(RuleError::invalid(
                "drop",
                format!("excludes {field}: a dropped connection sends no answer"),
            ));
        }
    }
    match action.status {
        Some(status) if !(200..=599).contains(&status) => Err(RuleError::invalid(
            "status",
            format!("must be 200..=599, found {status}"),
        )),
        Some(status) if status < 400 => {
            let error_only = [
                (
                    "applied",
                    action.applied,
                    "only with a 4xx or 5xx status: applying then answering a success is no fault",
                ),
                (
                    "code",
                    action.code.is_some(),
                    "only with a 4xx or 5xx status: it is the API error body's code",
                ),
            ];
            match error_only.iter().find(|(_, set, _)| *set) {
                Some((field, _, why)) => {
                    Err(RuleError::invalid(*field, format!("{why}, found {status}")))
                }
                None => Ok(()),
            }
        }
        Some(_) if action.code.is_some() && action.body.is_some() => Err(RuleError::invalid(
            "code",
            "excludes body: code is the API error body's, which body replaces",
        )),
        Some(_) => Ok(()),
        None => {
            let needs_status = [
                ("applied", action.applied),
                ("code", action.code.is_some()),
                ("retryAfter", action.retry_after.is_some()),
                ("body", action.body.is_some()),
                ("headers", !action.headers.is_empty()),
            ];
            if let Some((field, _)) = needs_status.iter().find(|(_, set)| *set) {
                return Err(RuleError::invalid(*field, "only with a status"));
            }
            let effects = [
                action.delay.is_some(),
                action.delay_distribution.is_some(),
                action.drop.is_some(),
                action.dribble.is_some(),
            ];
            if !effects.contains(&true) {
                return Err(RuleError::invalid(
                    "",
                    "a rule needs at least one of status, delayMs, delay, drop, dribble",
                ));
            }
            Ok(())
        }
    }
}
