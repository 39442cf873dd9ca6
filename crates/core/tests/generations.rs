//! Both generations of the wire: readers accept either spelling, writers emit exactly
//! one generation's fields, and official clients are placed by their `User-Agent`.

use std::collections::BTreeSet;

use collab_core::wire::{CallTarget, IncomingShareRequest, WireGeneration, error_from_response};
use collab_core::{AccessConfig, ApiErrorCode, ApiErrorResponse, Creator, Error, ShareRequest};
use serde_json::{Value, json};

fn keys(value: &Value) -> BTreeSet<&str> {
    value
        .as_object()
        .expect("a JSON object")
        .keys()
        .map(String::as_str)
        .collect()
}

fn config_json(teams_field: &str) -> Value {
    json!({
        "id": "0123456789abcdef01234567",
        "owner": "alice",
        "accessType": "WRITE",
        "users": ["ann@example.com"],
        teams_field: ["acme"],
        "createdAt": 1,
        "lastModifiedAt": 2,
    })
}

#[test]
fn a_config_reads_in_either_spelling_and_ignores_unknown_fields() {
    for field in ["teams", "organizations"] {
        let mut body = config_json(field);
        body["creator"] = json!("USER_PIP");
        body["somethingNewer"] = json!({"nested": true});
        let config: AccessConfig = serde_json::from_value(body).expect(field);
        assert_eq!(config.teams, ["acme"], "{field}");
        assert_eq!(config.users, ["ann@example.com"]);
    }
}

#[test]
fn a_config_is_written_with_exactly_one_generations_fields() {
    let config: AccessConfig = serde_json::from_value(config_json("teams")).unwrap();
    let common = [
        "id",
        "owner",
        "accessType",
        "users",
        "createdAt",
        "lastModifiedAt",
    ];
    for (generation, teams_field) in [
        (WireGeneration::Current, "teams"),
        (WireGeneration::V2022, "organizations"),
    ] {
        let written = serde_json::to_value(generation.on_wire(&config)).unwrap();
        let mut expected: BTreeSet<&str> = common.into_iter().collect();
        expected.insert(teams_field);
        assert_eq!(keys(&written), expected, "{generation}");
        assert_eq!(written[teams_field], json!(["acme"]));
        // A list is written element by element in the same generation.
        let list = serde_json::to_value(generation.on_wire(&[config.clone()][..])).unwrap();
        assert_eq!(list[0], written);
    }
    // The domain type's own Serialize is today's generation.
    assert_eq!(
        serde_json::to_value(&config).unwrap(),
        serde_json::to_value(WireGeneration::Current.on_wire(&config)).unwrap()
    );
}

#[test]
fn a_request_is_written_per_generation_with_creator_only_when_set_and_only_today() {
    let plain = ShareRequest::write(["ann@example.com"], ["acme"]).unwrap();
    let with_creator = plain.clone().with_creator(Creator::UserPip);
    let write = |generation: WireGeneration, request: &ShareRequest| {
        serde_json::to_value(generation.on_wire(request)).unwrap()
    };
    assert_eq!(
        write(WireGeneration::Current, &plain),
        json!({"accessType": "WRITE", "users": ["ann@example.com"], "teams": ["acme"]})
    );
    assert_eq!(
        write(WireGeneration::Current, &with_creator),
        json!({"accessType": "WRITE", "users": ["ann@example.com"], "teams": ["acme"], "creator": "USER_PIP"})
    );
    assert_eq!(
        write(WireGeneration::V2022, &with_creator),
        json!({"accessType": "WRITE", "users": ["ann@example.com"], "organizations": ["acme"]})
    );
}

#[test]
fn a_request_reads_in_either_spelling_and_tells_which() {
    let cases = [
        (
            json!({"accessType": "WRITE", "teams": ["acme"]}),
            Some(WireGeneration::Current),
        ),
        (
            json!({"accessType": "WRITE", "creator": "USER_PIP"}),
            Some(WireGeneration::Current),
        ),
        (
            json!({"accessType": "WRITE", "organizations": ["acme"]}),
            Some(WireGeneration::V2022),
        ),
        // 1.3.x helpers: the 2022 spelling with a creator.
        (
            json!({"accessType": "WRITE", "organizations": ["acme"], "creator": "USER_PIP"}),
            Some(WireGeneration::V2022),
        ),
        (json!({"accessType": "WRITE", "users": []}), None),
    ];
    for (body, generation) in cases {
        let incoming: IncomingShareRequest = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(incoming.spelled_in, generation, "{body}");
        let request: ShareRequest = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(request, incoming.request, "{body}");
    }
    let old: ShareRequest =
        serde_json::from_value(json!({"accessType": "WRITE", "organizations": [" acme "]}))
            .unwrap();
    assert_eq!(old.teams(), ["acme"]);
}

#[test]
fn a_request_naming_both_spellings_is_refused_with_the_reason() {
    let error = serde_json::from_value::<ShareRequest>(
        json!({"accessType": "WRITE", "teams": ["a"], "organizations": ["b"]}),
    )
    .unwrap_err();
    assert!(error.to_string().contains("not both"), "{error}");
}

#[test]
fn an_unknown_creator_is_kept_not_refused() {
    let request: ShareRequest =
        serde_json::from_value(json!({"accessType": "WRITE", "creator": "USER_ROBOT"})).unwrap();
    assert_eq!(
        request.creator(),
        Some(&Creator::Unrecognized("USER_ROBOT".into()))
    );
    let written = serde_json::to_value(&request).unwrap();
    assert_eq!(written["creator"], "USER_ROBOT");
}

#[test]
fn an_incoming_request_with_an_unknown_creator_is_refused_naming_the_allowed_values() {
    for body in [
        json!({"accessType": "WRITE", "creator": "__not_in_enum__"}),
        json!({"accessType": "WRITE", "organizations": [], "creator": "user_pip"}),
    ] {
        let error = serde_json::from_value::<IncomingShareRequest>(body.clone()).unwrap_err();
        let text = error.to_string();
        assert!(text.contains("unknown creator"), "{body}: {text}");
        for allowed in Creator::ALL {
            assert!(text.contains(allowed.as_str()), "{body}: {text}");
        }
    }
    for known in Creator::ALL {
        let body = json!({"accessType": "WRITE", "creator": known.as_str()});
        let incoming: IncomingShareRequest = serde_json::from_value(body).unwrap();
        assert_eq!(incoming.request.creator(), Some(known));
    }
}

#[test]
fn error_bodies_are_written_per_generation() {
    let mut body =
        ApiErrorResponse::new(ApiErrorCode::TeamUnknown, "no such team").with_request_id("req-1");
    body.error_labels = vec!["db".into()];
    assert_eq!(
        serde_json::to_value(WireGeneration::Current.on_wire(&body)).unwrap(),
        json!({"code": "TEAM_UNKNOWN", "error": "no such team", "requestId": "req-1", "errorLabels": ["db"]})
    );
    assert_eq!(
        serde_json::to_value(WireGeneration::V2022.on_wire(&body)).unwrap(),
        json!({"code": "TEAM_UNKNOWN", "message": "no such team"})
    );
    let bare = ApiErrorResponse::new(ApiErrorCode::Forbidden, "no");
    assert_eq!(
        keys(&serde_json::to_value(WireGeneration::Current.on_wire(&bare)).unwrap()),
        BTreeSet::from(["code", "error"])
    );
}

#[test]
fn error_bodies_read_in_either_shape_and_the_request_id_reaches_the_error() {
    let current: ApiErrorResponse = serde_json::from_value(json!({
        "code": "FORBIDDEN", "error": "not the owner", "requestId": "abc-123", "errorLabels": ["x"]
    }))
    .unwrap();
    assert_eq!(current.message, "not the owner");
    assert_eq!(current.error_labels, ["x"]);
    let old: ApiErrorResponse =
        serde_json::from_value(json!({"code": "FORBIDDEN", "message": "not the owner"})).unwrap();
    assert_eq!(old.message, "not the owner");
    assert_eq!(old.request_id, None);

    let target = CallTarget {
        dataset: "0123456789abcdef01234567".parse().unwrap(),
        config: None,
    };
    let error = error_from_response(403, Some(current), None, target);
    assert!(
        matches!(&error, Error::Forbidden { message } if message.contains("request id abc-123")),
        "{error}"
    );
}

#[test]
fn clients_are_placed_by_their_user_agent() {
    let cases = [
        (
            "Lightly/1.2.30/python (Linux-6.1-x86_64)",
            Some(WireGeneration::V2022),
        ),
        ("Lightly/1.4.4/python", Some(WireGeneration::V2022)),
        (
            "Lightly/1.4.5 (Linux/6.1; x86_64;) python/3.11.7",
            Some(WireGeneration::Current),
        ),
        (
            "Lightly/1.5.26 (Linux/6.1; ...;) python/3.11.7",
            Some(WireGeneration::Current),
        ),
        ("Lightly/2.0 (Linux)", Some(WireGeneration::Current)),
        ("Swagger-Codegen/1.0.0/python", Some(WireGeneration::V2022)),
        (
            "OpenAPI-Generator/1.0.0/python",
            Some(WireGeneration::Current),
        ),
        ("Lightly/not-a-version", None),
        ("curl/8.5.0", None),
        ("collab/0.1.0", None),
        ("", None),
    ];
    for (agent, expected) in cases {
        assert_eq!(
            WireGeneration::from_user_agent(agent),
            expected,
            "{agent:?}"
        );
    }
}

#[test]
fn generation_names_parse_and_unknown_ones_say_what_is_accepted() {
    assert_eq!(
        "current".parse::<WireGeneration>().unwrap(),
        WireGeneration::Current
    );
    assert_eq!(
        "2022".parse::<WireGeneration>().unwrap(),
        WireGeneration::V2022
    );
    let error = "2019".parse::<WireGeneration>().unwrap_err();
    assert!(error.to_string().contains("`current` or `2022`"), "{error}");
}
