//! Properties of the domain: ids, serde round trips, and the sharing algebra.

use collab_core::sharing::{granted, revoked};
use collab_core::{
    AccessConfig, AccessConfigId, ApiErrorCode, ApiErrorResponse, CreateEntityResponse, DatasetId,
    ObjectId, ParseIdError, ShareRequest, SharedAccessType, Timestamp,
};
use proptest::prelude::*;

fn object_id() -> impl Strategy<Value = ObjectId> {
    any::<[u8; 12]>().prop_map(ObjectId::from_bytes)
}

fn email() -> impl Strategy<Value = String> {
    ("[a-z]{1,6}", "[a-z]{1,5}").prop_map(|(local, domain)| format!("{local}@{domain}.io"))
}

fn emails() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(email(), 0..8)
}

fn normalised(users: &[String]) -> Vec<String> {
    ShareRequest::write(users, [""; 0])
        .unwrap()
        .users()
        .to_vec()
}

fn access_config() -> impl Strategy<Value = AccessConfig> {
    (
        object_id(),
        "[a-z]{1,8}",
        emails(),
        prop::collection::vec("[a-z]{1,8}", 0..4),
        any::<u32>(),
        any::<u32>(),
    )
        .prop_map(|(id, owner, users, teams, created, delta)| AccessConfig {
            id: id.into(),
            owner,
            access_type: SharedAccessType::Write,
            users,
            teams,
            created_at: Timestamp::from_millis(u64::from(created)),
            last_modified_at: Timestamp::from_millis(u64::from(created) + u64::from(delta)),
        })
}

proptest! {
    #[test]
    fn id_display_then_parse_is_identity(id in object_id()) {
        let text = id.to_string();
        let byte_by_byte: String = id.bytes().iter().map(|byte| format!("{byte:02x}")).collect();
        prop_assert_eq!(&text, &byte_by_byte);
        prop_assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{byte_by_byte}\""));
        prop_assert_eq!(text.len(), 24);
        prop_assert_eq!(text.parse::<ObjectId>(), Ok(id));
        prop_assert_eq!(text.parse::<DatasetId>().map(|d| d.object_id()), Ok(id));
    }

    #[test]
    fn every_string_off_the_pattern_is_rejected(text in "\\PC{0,30}") {
        let matches_pattern = text.len() == 24 && text.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f'));
        prop_assert_eq!(text.parse::<ObjectId>().is_ok(), matches_pattern, "input {:?}", &text);
    }

    #[test]
    fn upper_case_or_wrong_length_hex_is_rejected(id in object_id(), cut in 0usize..24) {
        let text = id.to_string();
        prop_assert!(text[..cut].parse::<ObjectId>().is_err());
        let longer = format!("{text}0");
        prop_assert!(longer.parse::<ObjectId>().is_err());
        if text.chars().any(|c| c.is_ascii_lowercase()) {
            prop_assert!(text.to_uppercase().parse::<ObjectId>().is_err());
        }
    }

    #[test]
    fn access_config_serde_round_trip(config in access_config()) {
        let json = serde_json::to_string(&config).unwrap();
        prop_assert_eq!(serde_json::from_str::<AccessConfig>(&json).unwrap(), config);
    }

    #[test]
    fn share_request_serde_round_trip(users in emails(), teams in prop::collection::vec("[a-z]{1,8}", 0..4)) {
        let request = ShareRequest::write(&users, &teams).unwrap();
        let json = serde_json::to_string(&request).unwrap();
        prop_assert_eq!(serde_json::from_str::<ShareRequest>(&json).unwrap(), request);
    }

    #[test]
    fn create_entity_and_error_round_trip(id in object_id(), code in 0usize..ApiErrorCode::ALL.len(), message in "\\PC{0,20}") {
        let created = CreateEntityResponse { id };
        prop_assert_eq!(serde_json::from_str::<CreateEntityResponse>(&serde_json::to_string(&created).unwrap()).unwrap(), created);
        let body = ApiErrorResponse::new(ApiErrorCode::ALL[code].clone(), message);
        prop_assert_eq!(serde_json::from_str::<ApiErrorResponse>(&serde_json::to_string(&body).unwrap()).unwrap(), body);
    }

    #[test]
    fn normalising_is_idempotent(users in prop::collection::vec("[ ]?[a-zA-Z]{1,4}@[a-z]{1,3}[ ]?", 0..10)) {
        let once = normalised(&users);
        prop_assert_eq!(normalised(&once), once.clone());
        let keys: std::collections::HashSet<_> = once.iter().map(|u| u.to_ascii_lowercase()).collect();
        prop_assert_eq!(keys.len(), once.len(), "no duplicates ignoring case");
    }

    #[test]
    fn grant_then_revoke_restores_the_original(current in emails(), add in emails()) {
        let current = normalised(&current);
        let add: Vec<String> = normalised(&add).into_iter().filter(|u| !current.contains(u)).collect();
        prop_assert_eq!(revoked(&granted(&current, &add), &add), current);
    }

    #[test]
    fn grant_and_revoke_are_idempotent(current in emails(), change in emails()) {
        let current = normalised(&current);
        let once = granted(&current, &change);
        prop_assert_eq!(granted(&once, &change), once.clone());
        let once = revoked(&current, &change);
        prop_assert_eq!(revoked(&once, &change), once);
    }

    #[test]
    fn grant_keeps_order_and_adds_every_user(current in emails(), add in emails()) {
        let current = normalised(&current);
        let after = granted(&current, &add);
        prop_assert_eq!(&after[..current.len()], &current[..]);
        for user in &add {
            prop_assert!(after.iter().any(|u| u.eq_ignore_ascii_case(user)));
        }
    }
}

#[test]
fn parse_errors_say_what_is_wrong() {
    assert_eq!(
        "abc".parse::<ObjectId>(),
        Err(ParseIdError::WrongLength { found: 3 })
    );
    assert_eq!(
        "0123456789abcdefX1234567".parse::<ObjectId>(),
        Err(ParseIdError::InvalidCharacter {
            found: 'X',
            position: 16
        })
    );
    let message = DatasetId::parse_named("nope").unwrap_err().to_string();
    assert!(
        message.contains("dataset") && message.contains("nope") && message.contains("24"),
        "{message}"
    );
}

#[test]
fn the_same_text_parses_as_either_id_and_debug_names_the_kind() {
    // The type system keeps them apart (a compile_fail doctest on DatasetId shows it).
    let dataset: DatasetId = "0123456789abcdef01234567".parse().unwrap();
    let config: AccessConfigId = "0123456789abcdef01234567".parse().unwrap();
    assert_eq!(dataset.object_id(), config.object_id());
    assert_eq!(
        format!("{dataset:?}"),
        "DatasetId(0123456789abcdef01234567)"
    );
}

#[test]
fn readers_ignore_unknown_fields() {
    let json = r#"{"id":"0123456789abcdef01234567","owner":"u","accessType":"WRITE","users":["a@b.c"],
        "teams":[],"createdAt":1,"lastModifiedAt":2,"newField":{"x":1}}"#;
    let config: AccessConfig = serde_json::from_str(json).unwrap();
    assert_eq!(config.users, ["a@b.c"]);
}

#[test]
fn unknown_access_type_and_bad_users_are_rejected_with_reasons() {
    let error = serde_json::from_str::<ShareRequest>(r#"{"accessType":"READ"}"#)
        .unwrap_err()
        .to_string();
    assert!(error.contains("READ"), "{error}");
    let error =
        serde_json::from_str::<ShareRequest>(r#"{"accessType":"WRITE","users":["no-at-sign"]}"#)
            .unwrap_err()
            .to_string();
    assert!(
        error.contains("no-at-sign") && error.contains("e-mail"),
        "{error}"
    );
    let missing = serde_json::from_str::<ShareRequest>(r#"{"accessType":"WRITE"}"#).unwrap();
    assert!(missing.users().is_empty() && missing.teams().is_empty());
}

#[test]
fn error_body_reads_message_or_error_and_keeps_unknown_codes() {
    let body: ApiErrorResponse =
        serde_json::from_str(r#"{"code":"NEW_CODE","message":"m"}"#).unwrap();
    assert_eq!(body.code, ApiErrorCode::Unknown("NEW_CODE".into()));
    assert_eq!(serde_json::to_value(&body).unwrap()["code"], "NEW_CODE");
    let body: ApiErrorResponse =
        serde_json::from_str(r#"{"code":"FORBIDDEN","error":"e","errorLabels":[]}"#).unwrap();
    assert_eq!(
        (body.code, body.message.as_str()),
        (ApiErrorCode::Forbidden, "e")
    );
}

#[test]
fn every_spec_code_round_trips_through_its_text() {
    // Today's 77 codes hold the 2022 generation's 55.
    assert_eq!(ApiErrorCode::ALL.len(), 77);
    let since_2022 = ApiErrorCode::ALL
        .iter()
        .filter(|code| code.defined_since() == Some(collab_core::wire::WireGeneration::V2022))
        .count();
    assert_eq!(since_2022, 55);
    for code in ApiErrorCode::ALL {
        assert_eq!(&code.as_str().parse::<ApiErrorCode>().unwrap(), code);
    }
}

proptest! {
    #[test]
    fn an_id_is_exactly_24_lower_case_hexadecimal_digits(text in "[0-9a-fA-Fg\u{e9} ]{22,26}") {
        let valid = text.len() == 24 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        let parsed = ObjectId::parse(&text);
        prop_assert_eq!(parsed.is_ok(), valid, "{:?}", parsed);
        if let Ok(id) = parsed {
            prop_assert_eq!(id.to_string(), text);
        }
    }
}
