//! The rule's fields beyond an error status: `path`, `body`, `headers`, any status,
//! the wire's drops, `dribble` and drawn `delay`s. JSON and TOML give the same rule, a
//! rule written back parses to itself, every refusal names its field, and answers are
//! exactly what the rule says.

use std::time::Duration;

use collab_core::ApiErrorCode;
use collab_core::wire::CallTarget;
use collab_faults::{
    AnswerBody, DelayDistribution, Dribble, DropMode, FaultAction, FaultBody, FaultRule, Faults,
    Operation, PathPattern, RequestInfo, parse_rules,
};
use serde_json::json;

const DATASET: &str = "0123456789abcdef01234567";

/// The same rules, in JSON and in TOML.
const JSON_RULES: &str = r#"[
  {"path": "/v1/versions/*", "status": 200, "body": "<html>down for maintenance</html>",
   "headers": {"Content-Type": "text/html", "X-Served-By": "lb-3"}},
  {"operation": "list", "path": "/v1/datasets/*", "status": 503,
   "body": {"error": "overloaded", "retry": true}, "retryAfter": 2},
  {"operation": "any", "drop": "truncate", "delay": {"uniform": [100, 250]}, "seed": 4},
  {"operation": "createOrUpdate", "dribble": {"chunks": 4, "overMs": 1000},
   "delay": {"lognormal": {"medianMs": 80, "sigma": 0.5}}},
  {"path": "/openapi.json", "drop": "garbage", "seed": 11},
  {"operation": "delete", "drop": "empty", "times": 1}
]"#;

const TOML_RULES: &str = r#"
[[faults]]
path = "/v1/versions/*"
status = 200
body = "<html>down for maintenance</html>"
headers = { "Content-Type" = "text/html", "X-Served-By" = "lb-3" }

[[faults]]
operation = "list"
path = "/v1/datasets/*"
status = 503
body = { error = "overloaded", retry = true }
retryAfter = 2

[[faults]]
operation = "any"
drop = "truncate"
delay = { uniform = [100, 250] }
seed = 4

[[faults]]
operation = "createOrUpdate"
dribble = { chunks = 4, overMs = 1000 }
delay = { lognormal = { medianMs = 80, sigma = 0.5 } }

[[faults]]
path = "/openapi.json"
drop = "garbage"
seed = 11

[[faults]]
operation = "delete"
drop = "empty"
times = 1
"#;

fn pattern(text: &str) -> PathPattern {
    text.parse().expect("a valid pattern")
}

fn expected_rules() -> Vec<FaultRule> {
    let ms = Duration::from_millis;
    vec![
        FaultRule::on_path(
            pattern("/v1/versions/*"),
            FaultAction::status(200)
                .with_body(FaultBody::Text("<html>down for maintenance</html>".into()))
                .with_header("content-type", "text/html")
                .with_header("x-served-by", "lb-3"),
        ),
        FaultRule::new(
            Operation::List,
            FaultAction::status(503)
                .with_body(FaultBody::Json(
                    json!({"error": "overloaded", "retry": true}),
                ))
                .with_retry_after(2),
        )
        .with_path(pattern("/v1/datasets/*")),
        FaultRule::new(
            Operation::Any,
            FaultAction::drop_connection(DropMode::Truncate).with_delay_distribution(
                DelayDistribution::Uniform {
                    low: ms(100),
                    high: ms(250),
                },
            ),
        )
        .with_probability(1.0, 4),
        FaultRule::new(
            Operation::CreateOrUpdate,
            FaultAction::default()
                .with_dribble(Dribble::new(4, ms(1000)))
                .with_delay_distribution(DelayDistribution::LogNormal {
                    median_ms: 80.0,
                    sigma: 0.5,
                }),
        ),
        FaultRule::on_path(
            pattern("/openapi.json"),
            FaultAction::drop_connection(DropMode::Garbage),
        )
        .with_probability(1.0, 11),
        FaultRule::new(
            Operation::Delete,
            FaultAction::drop_connection(DropMode::Empty),
        )
        .times(1),
    ]
}

#[test]
fn json_and_toml_give_the_same_rules() {
    let from_json = parse_rules(JSON_RULES, "rules.json").expect("valid JSON rules");
    let from_toml = parse_rules(TOML_RULES, "rules.toml").expect("valid TOML rules");
    assert_eq!(from_json, expected_rules());
    assert_eq!(from_toml, expected_rules());
}

#[test]
fn every_new_field_written_back_parses_to_the_same_rule() {
    for rule in expected_rules() {
        let value = rule.to_value();
        assert_eq!(
            FaultRule::from_value(value.clone()).as_ref(),
            Ok(&rule),
            "{value}"
        );
        let text = serde_json::to_string(&rule).expect("serialises");
        assert_eq!(FaultRule::from_json(&text).as_ref(), Ok(&rule), "{text}");
    }
    // The wire form spells each field as a rule is written.
    let value = expected_rules()[2].to_value();
    assert_eq!(value["delay"], json!({"uniform": [100, 250]}));
    assert_eq!(value["drop"], "truncate");
    let value = expected_rules()[3].to_value();
    assert_eq!(value["dribble"], json!({"chunks": 4, "overMs": 1000}));
    assert_eq!(
        value["delay"],
        json!({"lognormal": {"medianMs": 80.0, "sigma": 0.5}})
    );
    let value = expected_rules()[0].to_value();
    assert_eq!(value.get("operation"), None, "a path-only rule has none");
    assert_eq!(value["path"], "/v1/versions/*");
    assert_eq!(
        value["headers"],
        json!({"content-type": "text/html", "x-served-by": "lb-3"})
    );
}

/// A bad rule, the field its error must name, and what it must say.
#[rustfmt::skip]
const BAD_RULES: &[(&str, &str, &str)] = &[
    // Matching.
    (r#"{"status":503}"#, "operation", "or a path"),
    (r#"{"path":"v1/versions","status":503}"#, "path", "must start with `/`"),
    (r#"{"path":"/v1/*/access","status":503}"#, "path", "only once, at the end"),
    (r#"{"path":"/v1/**","status":503}"#, "path", "only once, at the end"),
    (r#"{"path":"/v1?x=1","status":503}"#, "path", "no query"),
    (r#"{"path":"/v1 x","status":503}"#, "path", "no spaces"),
    (r#"{"path":7,"status":503}"#, "path", "invalid type"),
    // Statuses.
    (r#"{"path":"/x","status":100}"#, "status", "must be 200..=599, found 100"),
    (r#"{"path":"/x","status":200,"applied":true}"#, "applied", "only with a 4xx or 5xx status"),
    (r#"{"path":"/x","status":204,"code":"FORBIDDEN"}"#, "code", "only with a 4xx or 5xx status"),
    (r#"{"path":"/x","status":503,"code":"FORBIDDEN","body":"no"}"#, "code", "excludes body"),
    // Bodies and headers.
    (r#"{"path":"/x","body":"hello"}"#, "body", "only with a status"),
    (r#"{"path":"/x","delayMs":1,"headers":{"x-a":"b"}}"#, "headers", "only with a status"),
    (r#"{"path":"/x","status":200,"headers":["x-a"]}"#, "headers", "an object of header names"),
    (r#"{"path":"/x","status":200,"headers":{"content-length":"3"}}"#, "headers.content-length", "framing"),
    (r#"{"path":"/x","status":200,"headers":{"Transfer-Encoding":"chunked"}}"#, "headers.Transfer-Encoding", "framing"),
    (r#"{"path":"/x","status":200,"headers":{"connection":"close"}}"#, "headers.connection", "hop-by-hop"),
    (r#"{"path":"/x","status":200,"headers":{"Retry-After":"1"}}"#, "headers.Retry-After", "retryAfter"),
    (r#"{"path":"/x","status":200,"headers":{"bad name":"x"}}"#, "headers.bad name", "not a header name"),
    (r#"{"path":"/x","status":200,"headers":{"x-a":"line\nbreak"}}"#, "headers.x-a", "not a header value"),
    (r#"{"path":"/x","status":200,"headers":{"x-a":1}}"#, "headers.x-a", "a string"),
    (r#"{"path":"/x","status":200,"headers":{"x-a":"1","X-A":"2"}}"#, "headers.x-a", "given twice"),
    // Drops.
    (r#"{"path":"/x","drop":"truncate","body":"x"}"#, "drop", "excludes body"),
    (r#"{"path":"/x","drop":"empty","dribble":{"chunks":2,"overMs":10}}"#, "drop", "excludes dribble"),
    (r#"{"path":"/x","drop":"garbage","status":200}"#, "drop", "excludes status"),
    (r#"{"path":"/x","drop":"garbage","retryAfter":1}"#, "drop", "excludes retryAfter"),
    (r#"{"path":"/x","drop":"melt"}"#, "drop", "unknown variant `melt`"),
    // Dribble.
    (r#"{"path":"/x","dribble":{"chunks":0,"overMs":10}}"#, "dribble.chunks", "must be 1..=1000"),
    (r#"{"path":"/x","dribble":{"chunks":1001,"overMs":10}}"#, "dribble.chunks", "must be 1..=1000"),
    (r#"{"path":"/x","dribble":{"chunks":2,"overMs":3600001}}"#, "dribble.overMs", "at most 3600000"),
    (r#"{"path":"/x","dribble":{"chunks":2}}"#, "dribble.overMs", "missing"),
    (r#"{"path":"/x","dribble":{"overMs":2}}"#, "dribble.chunks", "missing"),
    (r#"{"path":"/x","dribble":{"chunks":2,"overMs":1,"jitter":1}}"#, "dribble.jitter", "unknown field"),
    (r#"{"path":"/x","dribble":[2,10]}"#, "dribble", "found a list"),
    (r#"{"path":"/x","dribble":{"chunks":-1,"overMs":1}}"#, "dribble.chunks", "invalid value"),
    // Delays.
    (r#"{"path":"/x","delay":{"uniform":[300,100]}}"#, "delay.uniform", "LO <= HI"),
    (r#"{"path":"/x","delay":{"uniform":[0,3600001]}}"#, "delay.uniform", "at most 3600000"),
    (r#"{"path":"/x","delay":{"uniform":[1]}}"#, "delay.uniform", "invalid length 1"),
    (r#"{"path":"/x","delay":{"uniform":[-1, 3]}}"#, "delay.uniform", "invalid value"),
    (r#"{"path":"/x","delay":{"lognormal":{"medianMs":-1,"sigma":1}}}"#, "delay.lognormal.medianMs", "finite number >= 0"),
    (r#"{"path":"/x","delay":{"lognormal":{"medianMs":10,"sigma":-0.5}}}"#, "delay.lognormal.sigma", "finite number >= 0"),
    (r#"{"path":"/x","delay":{"lognormal":{"medianMs":3600001,"sigma":1}}}"#, "delay.lognormal.medianMs", "at most 3600000"),
    (r#"{"path":"/x","delay":{"lognormal":{"medianMs":10}}}"#, "delay.lognormal.sigma", "missing"),
    (r#"{"path":"/x","delay":{"lognormal":{"sigma":1}}}"#, "delay.lognormal.medianMs", "missing"),
    (r#"{"path":"/x","delay":{"lognormal":{"medianMs":10,"sigma":1,"mean":3}}}"#, "delay.lognormal.mean", "unknown field"),
    (r#"{"path":"/x","delay":{"lognormal":[10,1]}}"#, "delay.lognormal", "found a list"),
    (r#"{"path":"/x","delay":{"normal":[1,2]}}"#, "delay.normal", "unknown distribution"),
    (r#"{"path":"/x","delay":{"uniform":[1,2],"lognormal":{"medianMs":1,"sigma":1}}}"#, "delay", "one distribution"),
    (r#"{"path":"/x","delay":250}"#, "delay", "a fixed delay is delayMs"),
    (r#"{"path":"/x","delay":{"uniform":[1,2]},"delayMs":5}"#, "delay", "excludes delayMs"),
];

#[test]
fn bad_new_fields_are_refused_naming_the_field() {
    for (text, field, message) in BAD_RULES {
        let error = FaultRule::from_json(text).expect_err(text);
        assert_eq!(error.field(), *field, "{text}: {error}");
        assert!(
            error.message().contains(message),
            "{text}: {error:?} should say {message:?}"
        );
    }
}

#[test]
fn a_refusal_in_a_file_names_the_rule_and_the_part_of_the_field() {
    let text = r#"
[[faults]]
operation = "list"
status = 503

[[faults]]
operation = "list"
delay = { uniform = [500, 100] }
"#;
    let error = parse_rules(text, "faults.toml").expect_err("LO > HI");
    assert_eq!(error.field(), "faults[1].delay.uniform");
    assert_eq!(
        error.to_string(),
        "faults.toml: faults[1].delay.uniform: [LO, HI] with LO <= HI, found [500, 100]"
    );
}

fn request<'a>(path: &'a str, operation: Option<Operation>) -> RequestInfo<'a> {
    let request = RequestInfo::new(path);
    match operation {
        Some(operation) => request.with_operation(operation),
        None => request,
    }
}

#[test]
fn a_path_matches_exactly_or_as_a_prefix_on_any_route() {
    let list_path = format!("/v1/datasets/{DATASET}/collaboration/access");
    let cases: &[(&str, &str, Option<Operation>, bool)] = &[
        (
            "/v1/versions/pip/minimum",
            "/v1/versions/pip/minimum",
            None,
            true,
        ),
        (
            "/v1/versions/pip/minimum",
            "/v1/versions/pip/latest",
            None,
            false,
        ),
        (
            "/v1/versions/pip/minimum",
            "/v1/versions/pip/minimum?x=1",
            None,
            true,
        ),
        ("/v1/versions/*", "/v1/versions/pip/latest", None, true),
        ("/v1/versions/*", "/v1/versionsX", None, false),
        ("/*", "/no/such/route", None, true),
        ("/openapi.json", "/openapi.json", None, true),
        ("/openapi.json", "/openapi-2022.json", None, false),
        ("/v1/datasets/*", &list_path, Some(Operation::List), true),
    ];
    for (rule_path, path, operation, expected) in cases {
        let faults = Faults::from_rules([FaultRule::on_path(
            pattern(rule_path),
            FaultAction::status(500),
        )]);
        let fired = faults.check_request(&request(path, *operation)).is_some();
        assert_eq!(fired, *expected, "{rule_path} on {path}");
    }
}

#[test]
fn operation_and_path_together_both_must_match() {
    let rule = FaultRule::new(Operation::List, FaultAction::status(503))
        .with_path(pattern("/v1/datasets/*"));
    let faults = Faults::from_rules([rule]);
    let path = format!("/v1/datasets/{DATASET}/collaboration/access");
    assert!(
        faults
            .check_request(&request(&path, Some(Operation::Delete)))
            .is_none(),
        "another operation"
    );
    assert!(
        faults
            .check_request(&request("/v1/versions/pip/latest", None))
            .is_none(),
        "another path, no operation"
    );
    assert!(
        faults
            .check_request(&request(&path, Some(Operation::List)))
            .is_some()
    );
    assert_eq!((faults.rules()[0].matched, faults.rules()[0].fired), (1, 1));
}

#[test]
fn an_operation_rule_never_matches_a_request_of_no_operation() {
    // `any` means any of the three port calls: the version routes fail only by `path`.
    let faults = Faults::from_rules([FaultRule::new(Operation::Any, FaultAction::status(503))]);
    assert!(
        faults
            .check_request(&request("/v1/versions/pip/minimum", None))
            .is_none()
    );
    assert_eq!(faults.rules()[0].matched, 0);
}

#[test]
fn a_call_without_a_path_matches_only_rules_without_one() {
    let faults = Faults::from_rules([
        FaultRule::new(Operation::List, FaultAction::status(500)).with_path(pattern("/*")),
        FaultRule::new(Operation::List, FaultAction::status(503)),
    ]);
    let call = collab_faults::Call {
        operation: Operation::List,
        dataset: None,
        user: None,
    };
    let fired = faults.check(&call).expect("the second rule fires");
    assert_eq!(fired.action.status, Some(503));
    assert_eq!(faults.rules()[0].matched, 0);
}

#[test]
fn an_answer_carries_no_retry_after_unless_the_rule_sets_it() {
    for status in [429, 500, 502, 503, 504] {
        let answer = FaultAction::status(status).answer().expect("a status");
        assert_eq!(answer.status, status);
        assert!(answer.headers.is_empty(), "{status}: {:?}", answer.headers);
        let AnswerBody::Error(body) = &answer.body else {
            panic!("{status}: an API error body, found {:?}", answer.body);
        };
        assert_eq!(body.message, format!("injected fault: status {status}"));
    }
    let answer = FaultAction::status(503)
        .with_retry_after(7)
        .answer()
        .expect("a status");
    assert_eq!(answer.headers, [("retry-after".to_owned(), "7".to_owned())]);
}

#[test]
fn an_answer_is_the_rules_body_and_headers_and_nothing_else() {
    let json_body = FaultAction::status(503)
        .with_body(FaultBody::Json(json!({"error": "overloaded"})))
        .answer()
        .expect("a status");
    assert_eq!(
        json_body.headers,
        [("content-type".to_owned(), "application/json".to_owned())]
    );
    assert_eq!(
        json_body.body,
        AnswerBody::Bytes(br#"{"error":"overloaded"}"#.to_vec())
    );

    let text_body = FaultAction::status(502)
        .with_body(FaultBody::Text("Bad Gateway".into()))
        .answer()
        .expect("a status");
    assert!(text_body.headers.is_empty(), "no content-type unless set");
    assert_eq!(text_body.body, AnswerBody::Bytes(b"Bad Gateway".to_vec()));

    let own_type = FaultAction::status(200)
        .with_body(FaultBody::Json(json!([1])))
        .with_header("Content-Type", "text/plain")
        .answer()
        .expect("a status");
    assert_eq!(
        own_type.headers,
        [("content-type".to_owned(), "text/plain".to_owned())]
    );

    let no_content = FaultAction::status(204).answer().expect("a status");
    assert_eq!(no_content.body, AnswerBody::Bytes(Vec::new()));
    assert!(no_content.headers.is_empty());

    assert_eq!(FaultAction::drop_connection(DropMode::Empty).answer(), None);
    assert_eq!(FaultAction::delay(Duration::from_millis(5)).answer(), None);
}

#[test]
fn the_port_error_of_an_answer_is_what_collab_http_makes_of_it() {
    let target = CallTarget {
        dataset: DATASET.parse().expect("a valid id"),
        config: None,
    };
    let error = FaultAction::status(503)
        .to_error(target)
        .expect("a 5xx is an error");
    assert!(
        matches!(error, collab_core::Error::Unavailable { .. }),
        "{error:?}"
    );
    let rate_limited = FaultAction::status(429)
        .to_error(target)
        .expect("a 4xx is an error");
    assert!(
        matches!(
            rate_limited,
            collab_core::Error::RateLimited {
                retry_after: None,
                ..
            }
        ),
        "{rate_limited:?}"
    );
    // A body of the API's own shape is read as one; HTML is no body at all.
    let own = FaultAction::status(404).with_body(FaultBody::Json(
        json!({"code": "DATASET_UNKNOWN", "error": "gone"}),
    ));
    let error = own.to_error(target).expect("a 4xx is an error");
    assert!(
        matches!(error, collab_core::Error::DatasetNotFound { .. }),
        "{error:?}"
    );
    let html = FaultAction::status(404).with_body(FaultBody::Text("<html>".into()));
    let error = html.to_error(target).expect("a 4xx is an error");
    assert!(
        matches!(
            error,
            collab_core::Error::UnexpectedResponse {
                status: Some(404),
                ..
            }
        ),
        "{error:?}"
    );
    assert!(FaultAction::status(200).to_error(target).is_none());
    assert_eq!(
        FaultAction::status(418)
            .with_code(ApiErrorCode::Forbidden)
            .error_response()
            .map(|(status, body)| (status, body.code)),
        Some((418, ApiErrorCode::Forbidden))
    );
}

mod generated {
    //! Rules generated from every field's values: each one that parses reads the same
    //! from TOML and parses back to itself once written.

    use collab_faults::{FaultRule, parse_rules};
    use proptest::prelude::*;
    use serde_json::{Map, Value, json};

    fn maybe(value: Value) -> impl Strategy<Value = Option<Value>> {
        prop::option::of(Just(value))
    }

    fn rule_value() -> impl Strategy<Value = Value> {
        (
            (
                prop::option::of(prop_oneof![
                    Just("list"),
                    Just("createOrUpdate"),
                    Just("delete"),
                    Just("any")
                ]),
                prop::option::of(prop_oneof![
                    Just("/v1/versions/*"),
                    Just("/openapi.json"),
                    Just("/*")
                ]),
                prop::option::of(0..3u64),
                any::<u64>(),
            ),
            (
                prop::option::of(prop_oneof![Just(200u16), Just(204), Just(404), Just(429), Just(503)]),
                prop::option::of(prop_oneof![
                    Just(json!("<html>busy</html>")),
                    Just(json!({"error": "x", "n": 1})),
                    Just(json!([1, 2]))
                ]),
                maybe(json!({"content-type": "text/html", "x-a": "b"})),
                prop::option::of(0..5u64),
                any::<bool>(),
            ),
            (
                prop::option::of(0..1000u64),
                prop::option::of(prop_oneof![
                    (0..500u64, 0..500u64)
                        .prop_map(|(a, b)| json!({"uniform": [a.min(b), a.max(b)]})),
                    (0..1000u32, 0..40u32).prop_map(|(median, sigma)| {
                        json!({"lognormal": {"medianMs": f64::from(median), "sigma": f64::from(sigma) / 8.0}})
                    }),
                ]),
                prop::option::of(prop_oneof![
                    Just("reset"),
                    Just("hang"),
                    Just("empty"),
                    Just("truncate"),
                    Just("garbage")
                ]),
                prop::option::of((1..20u32, 0..5000u64)),
            ),
        )
            .prop_map(
                |(
                    (operation, path, times, seed),
                    (status, body, headers, retry_after, applied),
                    (delay_ms, delay, drop, dribble),
                )| {
                    let mut rule = Map::new();
                    let mut put = |field: &str, value: Option<Value>| {
                        if let Some(value) = value {
                            rule.insert(field.to_owned(), value);
                        }
                    };
                    put("operation", operation.map(Value::from));
                    put("path", path.map(Value::from));
                    put("times", times.map(Value::from));
                    put("seed", Some(seed.into()));
                    put("status", status.map(Value::from));
                    put("body", body);
                    put("headers", headers);
                    put("retryAfter", retry_after.map(Value::from));
                    put("applied", applied.then_some(Value::Bool(true)));
                    put("delayMs", delay_ms.map(Value::from));
                    put("delay", delay);
                    put("drop", drop.map(Value::from));
                    put(
                        "dribble",
                        dribble.map(|(chunks, over)| json!({"chunks": chunks, "overMs": over})),
                    );
                    Value::Object(rule)
                },
            )
    }

    proptest! {
        #[test]
        fn a_parsed_rule_reads_the_same_from_toml_and_round_trips(value in rule_value()) {
            let Ok(rule) = FaultRule::from_value(value.clone()) else {
                return Ok(());
            };
            let written = rule.to_value();
            prop_assert_eq!(FaultRule::from_value(written.clone()), Ok(rule.clone()));
            let toml = toml::to_string(&json!({"faults": [value]})).expect("TOML has every field's type");
            prop_assert_eq!(parse_rules(&toml, "rules.toml"), Ok(vec![rule]), "{}", toml);
        }
    }
}
