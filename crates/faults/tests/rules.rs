//! Rules as data: what is accepted, what is refused (naming the field), the wire form,
//! files of rules, and the armed rules' ids and counters.

use std::time::Duration;

use collab_core::ApiErrorCode;
use collab_faults::{
    DropMode, FaultAction, FaultId, FaultRule, Faults, Operation, RuleError, default_code,
    parse_rules,
};
use serde_json::json;

#[test]
fn a_full_rule_reads_every_field() {
    let rule = FaultRule::from_json(
        r#"{"operation":"list","dataset":"0123456789abcdef01234567","user":"alice","after":1,
            "times":2,"probability":0.3,"seed":7,"status":503,"code":"DATASET_UNKNOWN",
            "retryAfter":1,"applied":true,"delayMs":250}"#,
    )
    .expect("a valid rule");
    assert_eq!(rule.operation, Some(Operation::List));
    assert_eq!(
        rule.dataset.map(|d| d.to_string()).as_deref(),
        Some("0123456789abcdef01234567")
    );
    assert_eq!(rule.user.as_deref(), Some("alice"));
    assert_eq!((rule.after, rule.times, rule.seed), (1, Some(2), 7));
    assert_eq!(rule.probability, 0.3);
    assert_eq!(
        rule.action,
        FaultAction::status(503)
            .with_code(ApiErrorCode::DatasetUnknown)
            .with_retry_after(1)
            .applied()
            .with_delay(Duration::from_millis(250))
    );
}

#[test]
fn defaults_are_every_call_from_the_first_without_limit() {
    let rule = FaultRule::from_json(r#"{"operation":"any","drop":"reset","times":null}"#)
        .expect("a valid rule");
    assert_eq!(
        rule,
        FaultRule::new(
            Operation::Any,
            FaultAction::drop_connection(DropMode::Reset)
        )
    );
    assert_eq!(
        (rule.after, rule.times, rule.probability, rule.seed),
        (0, None, 1.0, 0)
    );
}

#[test]
fn the_wire_form_round_trips() {
    let rules = [
        r#"{"operation":"createOrUpdate","status":503,"applied":true,"times":1}"#,
        r#"{"operation":"delete","drop":"hang","delayMs":10}"#,
        r#"{"operation":"any","dataset":"0123456789abcdef01234567","user":"bob","after":3,"probability":0.25,"seed":9,"status":429,"retryAfter":2,"code":"SOMETHING_NEW"}"#,
    ];
    for text in rules {
        let rule = FaultRule::from_json(text).expect("a valid rule");
        let value = rule.to_value();
        assert_eq!(
            FaultRule::from_value(value.clone()).as_ref(),
            Ok(&rule),
            "{value}"
        );
        let through_serde: FaultRule =
            serde_json::from_value(serde_json::to_value(&rule).expect("serialises"))
                .expect("deserialises");
        assert_eq!(through_serde, rule);
    }
    let value = FaultRule::from_json(r#"{"operation":"list","status":503}"#)
        .expect("a valid rule")
        .to_value();
    assert_eq!(
        value,
        json!({"operation":"list","after":0,"times":null,"probability":1.0,"seed":0,"status":503})
    );
}

/// A bad rule, the field its error must name, and what it must say.
#[rustfmt::skip]
const BAD_RULES: &[(&str, &str, &str)] = &[
    (r#"{"operation":"list","status":199}"#, "status", "must be 200..=599, found 199"),
    (r#"{"operation":"list","status":600}"#, "status", "must be 200..=599, found 600"),
    (r#"{"operation":"list","status":"503"}"#, "status", "invalid type"),
    (r#"{"operation":"list","status":503,"probability":1.5}"#, "probability", "between 0 and 1"),
    (r#"{"operation":"list","status":503,"probability":-0.1}"#, "probability", "between 0 and 1"),
    (r#"{"operation":"list","applied":true}"#, "applied", "only with a status"),
    (r#"{"operation":"list","delayMs":5,"applied":true}"#, "applied", "only with a status"),
    (r#"{"operation":"list","delayMs":5,"code":"FORBIDDEN"}"#, "code", "only with a status"),
    (r#"{"operation":"list","delayMs":5,"retryAfter":1}"#, "retryAfter", "only with a status"),
    (r#"{"operation":"list","status":503,"drop":"reset"}"#, "drop", "excludes status"),
    (r#"{"operation":"list","drop":"slam"}"#, "drop", "unknown variant `slam`"),
    (r#"{"operation":"list","status":503,"colour":"red"}"#, "colour", "unknown field"),
    (r#"{"operation":"fetch","status":503}"#, "operation", "unknown variant `fetch`"),
    (r#"{"status":503}"#, "operation", "missing"),
    (r#"{"operation":"list","status":503,"dataset":"not-an-id"}"#, "dataset", "24 characters"),
    (r#"{"operation":"list","status":503,"user":""}"#, "user", "must not be empty"),
    (r#"{"operation":"list","status":503,"after":-1}"#, "after", "invalid value"),
    (r#"{"operation":"list","status":503,"times":1.5}"#, "times", "invalid type"),
    (r#"{"operation":"list"}"#, "", "at least one of status, delayMs, delay, drop, dribble"),
    (r#"["operation"]"#, "", "a rule is an object"),
];

#[test]
fn bad_rules_are_refused_naming_the_field() {
    for (text, field, message) in BAD_RULES {
        let error = FaultRule::from_json(text).expect_err(text);
        assert_eq!(error.field(), *field, "{text}: {error}");
        assert!(
            error.message().contains(message),
            "{text}: {error:?} should say {message:?}"
        );
        let shown = error.to_string();
        let expected_start = if field.is_empty() {
            String::new()
        } else {
            format!("{field}: ")
        };
        assert!(shown.starts_with(&expected_start), "{shown}");
    }
}

#[test]
fn text_that_is_not_json_is_a_syntax_error_with_its_place() {
    let error = FaultRule::from_json("{\"operation\": ").expect_err("not JSON");
    assert!(
        matches!(&error, RuleError::Syntax { location, .. } if location == "line 1, column 14"),
        "{error:?}"
    );
    assert_eq!(error.field(), "");
}

#[test]
fn a_toml_file_with_an_error_in_its_second_rule_names_the_file_and_the_field() {
    let text = r#"
[[faults]]
operation = "list"
status = 503

[[faults]]
operation = "delete"
status = 600
"#;
    let error = parse_rules(text, "faults.toml").expect_err("the second rule is bad");
    assert_eq!(error.field(), "faults[1].status");
    assert_eq!(
        error.to_string(),
        "faults.toml: faults[1].status: must be 200..=599, found 600"
    );
}

#[test]
fn a_rule_refused_as_a_whole_is_named_by_its_place_in_the_file() {
    let error = parse_rules(
        r#"[{"operation":"list","status":503},{"operation":"list"}]"#,
        "f.json",
    )
    .expect_err("the second rule does nothing");
    assert_eq!(error.field(), "faults[1]");
    assert!(
        error
            .to_string()
            .starts_with("f.json: faults[1]: a rule needs"),
        "{error}"
    );
}

#[test]
fn files_are_json_arrays_json_objects_or_toml_tables() {
    let one = FaultRule::new(Operation::List, FaultAction::status(503)).times(1);
    let two = FaultRule::new(
        Operation::Delete,
        FaultAction::drop_connection(DropMode::Hang),
    );
    let expected = vec![one, two];
    let array =
        r#"[{"operation":"list","status":503,"times":1},{"operation":"delete","drop":"hang"}]"#;
    let object = format!(r#"{{"faults": {array}}}"#);
    let toml = "[[faults]]\noperation = \"list\"\nstatus = 503\ntimes = 1\n\n[[faults]]\noperation = \"delete\"\ndrop = \"hang\"\n";
    for (text, origin) in [
        (array, "rules.json"),
        (object.as_str(), "rules.json"),
        (toml, "rules.toml"),
        // Without a telling extension, the text decides.
        (array, "rules"),
        (object.as_str(), "-"),
        (toml, "rules.conf"),
    ] {
        assert_eq!(
            parse_rules(text, origin).as_ref(),
            Ok(&expected),
            "{origin}: {text}"
        );
    }
    assert_eq!(parse_rules("", "empty.toml"), Ok(Vec::new()));
}

#[test]
fn a_file_refuses_other_top_level_fields_and_syntax_errors_with_their_line() {
    let error = parse_rules("[[fault]]\noperation = \"list\"\n", "f.toml").expect_err("typo");
    assert_eq!(error.field(), "fault");
    assert!(
        error
            .to_string()
            .starts_with("f.toml: fault: unknown field"),
        "{error}"
    );

    let error = parse_rules("[[faults]]\noperation = \n", "f.toml").expect_err("no value");
    assert!(
        matches!(&error, RuleError::Syntax { origin: Some(origin), location, .. }
            if origin == "f.toml" && location.starts_with("line 2")),
        "{error:?}"
    );

    let error =
        parse_rules(r#"{"faults": {"operation":"list"}}"#, "f.json").expect_err("not a list");
    assert_eq!(
        error.to_string(),
        "f.json: faults: a list of rules, found an object"
    );
}

#[test]
fn ids_count_from_one_and_are_never_reused() {
    let faults = Faults::new();
    let rule = FaultRule::new(Operation::List, FaultAction::status(503));
    let first = faults.arm(rule.clone());
    let second = faults.arm(rule.clone());
    assert_eq!((first.get(), second.get()), (1, 2));
    assert!(faults.disarm(second));
    assert!(!faults.disarm(second), "already disarmed");
    faults.clear();
    assert!(faults.rules().is_empty());
    assert_eq!(faults.arm(rule).get(), 3);
    assert_eq!("3".parse::<FaultId>(), Ok(faults.rules()[0].id));
    assert_eq!(faults.rules()[0].id.to_string(), "3");
    assert!("x".parse::<FaultId>().is_err());
}

#[test]
fn an_armed_rule_serialises_with_its_id_and_counters() {
    let faults = Faults::new();
    faults.arm(FaultRule::new(Operation::List, FaultAction::status(503)).times(1));
    let call = collab_faults::Call {
        operation: Operation::List,
        dataset: None,
        user: None,
    };
    faults.check(&call);
    faults.check(&call);
    let value = serde_json::to_value(faults.rules()).expect("serialises");
    assert_eq!(
        value,
        json!([{"id":1,"matched":2,"fired":1,"operation":"list","after":0,"times":1,
                "probability":1.0,"seed":0,"status":503}])
    );
}

#[test]
fn a_status_without_a_code_gets_the_default_for_it() {
    let expected = [
        (400, "BAD_REQUEST"),
        (401, "UNAUTHORIZED"),
        (403, "FORBIDDEN"),
        (404, "NOT_FOUND"),
        (409, "CONFLICT"),
        (413, "PAYLOAD_TOO_LARGE"),
        (418, "BAD_REQUEST"),
        (429, "TOO_MANY_REQUESTS"),
        (500, "INTERNAL_SERVER_ERROR"),
        (502, "INTERNAL_SERVER_ERROR"),
        (503, "SERVICE_UNAVAILABLE"),
    ];
    for (status, code) in expected {
        assert_eq!(default_code(status).as_str(), code, "{status}");
        let (answered, body) = FaultAction::status(status)
            .error_response()
            .expect("a status answers");
        assert_eq!((answered, body.code.as_str()), (status, code));
    }
    let (_, body) = FaultAction::status(404)
        .with_code(ApiErrorCode::DatasetUnknown)
        .error_response()
        .expect("a status answers");
    assert_eq!(body.code, ApiErrorCode::DatasetUnknown);
    assert!(
        FaultAction::delay(Duration::from_secs(1))
            .error_response()
            .is_none()
    );
}
