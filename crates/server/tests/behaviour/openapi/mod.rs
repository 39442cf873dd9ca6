//! The OpenAPI document is true: real answers of every operation, for every outcome
//! the server can produce, are checked against it, and every status it documents is
//! produced by some real request.

mod schema;

use std::collections::BTreeSet;
use std::time::Duration;

use crate::support::backends::{FailingRepository, Gate, PanickingRepository, SlowRepository};
use crate::support::{ALICE, BOB, DATASET, TestServer, UNKNOWN_CONFIG, UNKNOWN_DATASET};
use collab_core::Error;
use collab_server::{RepositoryProvider, ServerConfig};
use reqwest::RequestBuilder;
use schema::{check_schema, resolve};
use serde_json::{Value, json};

const ACCESS: &str = "/v1/datasets/{datasetId}/collaboration/access";
const ACCESS_CONFIG: &str = "/v1/datasets/{datasetId}/collaboration/access/{accessConfigId}";

/// The document, and the (operation, status) pairs seen so far.
struct Conformance {
    doc: Value,
    seen: BTreeSet<(String, String, u16)>,
}

impl Conformance {
    /// Sends `request` (an operation `method` on `template`) and checks the answer
    /// against the document: the status is documented for the operation, and the body
    /// matches the documented schema (or is empty when none is documented).
    async fn check(&mut self, method: &str, template: &str, request: RequestBuilder) -> u16 {
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = response.bytes().await.expect("body");
        let what = format!("{method} {template} -> {status}");
        let operation = &self.doc["paths"][template][method];
        assert!(operation.is_object(), "{what}: operation not documented");
        let documented = resolve(&self.doc, &operation["responses"][status.to_string()]);
        assert!(
            documented.is_object(),
            "{what}: status not documented; body {}",
            String::from_utf8_lossy(&bytes)
        );
        match documented.get("content") {
            Some(content) => {
                assert_eq!(content_type.as_deref(), Some("application/json"), "{what}");
                let schema = &content["application/json"]["schema"];
                let body: Value = serde_json::from_slice(&bytes)
                    .unwrap_or_else(|e| panic!("{what}: body is not JSON ({e})"));
                let mut errors = Vec::new();
                check_schema(&self.doc, schema, &body, "body", &mut errors);
                assert!(errors.is_empty(), "{what}: {errors:#?}\nbody: {body}");
            }
            None => assert!(bytes.is_empty(), "{what}: undocumented body {bytes:?}"),
        }
        self.seen
            .insert((method.to_owned(), template.to_owned(), status));
        status
    }
}

fn two_mib() -> Vec<u8> {
    let mut body = br#"{"accessType": "WRITE"}"#.to_vec();
    body.resize(2 * 1024 * 1024, b' ');
    body
}

/// Serves one backend for alice, with a 50 ms timeout.
async fn server_over<P: RepositoryProvider>(provider: P) -> collab_server::ServerHandle {
    let config = ServerConfig::new(provider)
        .with_user("alice", ALICE)
        .with_request_timeout(Duration::from_millis(50));
    crate::support::spawn(config).await
}

/// What an official client of each generation sends, and the document it reads.
struct Generation {
    /// The `User-Agent` of the generation's generated client.
    user_agent: &'static str,
    /// Where the server serves the generation's document.
    document: &'static str,
    /// The field that names the teams.
    teams_field: &'static str,
}

const TODAY: Generation = Generation {
    user_agent: "OpenAPI-Generator/1.0.0/python",
    document: "/openapi.json",
    teams_field: "teams",
};

const V2022: Generation = Generation {
    user_agent: "Swagger-Codegen/1.0.0/python",
    document: "/openapi-2022.json",
    teams_field: "organizations",
};

#[tokio::test]
async fn todays_answers_match_todays_document_and_every_documented_status_happens() {
    every_answer_matches_the_document(TODAY).await;
}

#[tokio::test]
async fn answers_to_a_2022_client_match_the_2022_document_and_every_status_happens() {
    every_answer_matches_the_document(V2022).await;
}

/// One server with no generation flag, called as the generation's official client:
/// every answer matches that generation's document.
async fn every_answer_matches_the_document(generation: Generation) {
    let server = TestServer::start().await;
    let client = reqwest::Client::builder()
        .user_agent(generation.user_agent)
        .build()
        .expect("client");
    let response = client
        .get(server.url(generation.document))
        .send()
        .await
        .expect("request");
    let doc: Value = response.json().await.expect("the document is JSON");
    let mut api = Conformance {
        doc,
        seen: BTreeSet::new(),
    };
    let access = |dataset: &str| server.access_url(dataset);
    let config = |dataset: &str, config: &str| server.config_url(dataset, config);
    let share = json!({"accessType": "WRITE", "users": ["ann@example.com"], generation.teams_field: ["acme"]});

    // Create or update.
    let post = |url: String| client.post(url).bearer_auth(ALICE);
    assert_eq!(
        api.check("post", ACCESS, post(access(DATASET)).json(&share))
            .await,
        201
    );
    api.check("post", ACCESS, post(access(DATASET)).json(&share))
        .await;
    api.check("post", ACCESS, post(access("bad")).json(&share))
        .await;
    api.check(
        "post",
        ACCESS,
        post(access(DATASET)).json(&json!({"accessType": "READ"})),
    )
    .await;
    api.check("post", ACCESS, client.post(access(DATASET)).json(&share))
        .await;
    api.check(
        "post",
        ACCESS,
        client.post(access(DATASET)).bearer_auth(BOB).json(&share),
    )
    .await;
    api.check("post", ACCESS, post(access(UNKNOWN_DATASET)).json(&share))
        .await;
    api.check(
        "post",
        ACCESS,
        post(access(DATASET))
            .header("content-type", "application/json")
            .body(two_mib()),
    )
    .await;
    api.check("post", ACCESS, post(access(DATASET)).body("{}"))
        .await;

    // List.
    let get = |url: String| client.get(url).bearer_auth(ALICE);
    assert_eq!(api.check("get", ACCESS, get(access(DATASET))).await, 200);
    api.check("get", ACCESS, get(access("0123"))).await;
    api.check("get", ACCESS, client.get(access(DATASET))).await;
    api.check("get", ACCESS, client.get(access(DATASET)).bearer_auth(BOB))
        .await;
    api.check("get", ACCESS, get(access(UNKNOWN_DATASET))).await;
    api.check("get", ACCESS, get(access(DATASET)).body(two_mib()))
        .await;

    // Delete.
    let id = server.share(&["bob@example.com"]).await;
    let delete = |url: String| client.delete(url).bearer_auth(ALICE);
    api.check(
        "delete",
        ACCESS_CONFIG,
        delete(config(DATASET, &id)).json(&json!({})),
    )
    .await;
    api.check("delete", ACCESS_CONFIG, delete(config(DATASET, "xyz")))
        .await;
    api.check(
        "delete",
        ACCESS_CONFIG,
        client.delete(config(DATASET, UNKNOWN_CONFIG)),
    )
    .await;
    api.check(
        "delete",
        ACCESS_CONFIG,
        client
            .delete(config(DATASET, UNKNOWN_CONFIG))
            .bearer_auth(BOB),
    )
    .await;
    api.check(
        "delete",
        ACCESS_CONFIG,
        delete(config(DATASET, UNKNOWN_CONFIG)),
    )
    .await;
    api.check(
        "delete",
        ACCESS_CONFIG,
        delete(config(UNKNOWN_DATASET, UNKNOWN_CONFIG)),
    )
    .await;
    api.check(
        "delete",
        ACCESS_CONFIG,
        delete(config(DATASET, UNKNOWN_CONFIG)).body(two_mib()),
    )
    .await;

    // The documents and the version routes, which need no credentials.
    for route in [
        "/openapi.json",
        "/openapi-2022.json",
        "/v1/versions/pip/minimum",
        "/v1/versions/pip/latest",
    ] {
        assert_eq!(
            api.check("get", route, client.get(server.url(route))).await,
            200
        );
    }

    // Backends that fail: rate limited, broken, unavailable, panicking, too slow.
    let (gate, _dropped) = Gate::new();
    let slow = SlowRepository(gate);
    let failing = |error: Error| move |_: &str| FailingRepository(error.clone());
    let backends = [
        server_over(failing(Error::RateLimited {
            retry_after: None,
            request_id: None,
        }))
        .await,
        server_over(failing(Error::UnexpectedResponse {
            status: Some(200),
            message: "not JSON".into(),
        }))
        .await,
        server_over(failing(Error::Unavailable {
            message: "down".into(),
            source: None,
        }))
        .await,
        server_over(|_: &str| PanickingRepository).await,
        server_over(move |_: &str| slow.clone()).await,
    ];
    for backend in &backends {
        let base = backend.base_url();
        let access = format!("{base}/v1/datasets/{DATASET}/collaboration/access");
        let config = format!("{access}/{UNKNOWN_CONFIG}");
        api.check(
            "post",
            ACCESS,
            client.post(&access).bearer_auth(ALICE).json(&share),
        )
        .await;
        api.check("get", ACCESS, client.get(&access).bearer_auth(ALICE))
            .await;
        api.check(
            "delete",
            ACCESS_CONFIG,
            client.delete(&config).bearer_auth(ALICE),
        )
        .await;
    }

    // Every status the document promises was produced by some request above.
    let paths = api.doc["paths"].as_object().expect("paths").clone();
    let mut never_seen = Vec::new();
    for (template, item) in &paths {
        for (method, operation) in item.as_object().expect("path item") {
            if method == "parameters" {
                continue;
            }
            for status in operation["responses"]
                .as_object()
                .expect("responses")
                .keys()
            {
                let status: u16 = status.parse().expect("explicit statuses only");
                if !api
                    .seen
                    .contains(&(method.clone(), template.clone(), status))
                {
                    never_seen.push(format!("{method} {template} {status}"));
                }
            }
        }
    }
    assert!(
        never_seen.is_empty(),
        "documented but never produced: {never_seen:#?}"
    );
}

#[test]
fn each_document_spells_the_teams_and_errors_of_its_generation() {
    let today: Value = serde_json::from_str(collab_server::OPENAPI_JSON).expect("JSON");
    let old: Value = serde_json::from_str(collab_server::OPENAPI_2022_JSON).expect("JSON");
    let data = |doc: &Value| doc["components"]["schemas"]["SharedAccessConfigData"].clone();
    let error = |doc: &Value| doc["components"]["schemas"]["ApiErrorResponse"].clone();
    assert!(
        data(&today)["required"]
            .as_array()
            .unwrap()
            .contains(&json!("teams"))
    );
    assert!(data(&today)["properties"].get("organizations").is_none());
    // Today's clients reject fields they do not know: the document says so.
    assert_eq!(data(&today)["additionalProperties"], json!(false));
    assert_eq!(error(&today)["required"], json!(["code", "error"]));
    assert!(
        data(&old)["required"]
            .as_array()
            .unwrap()
            .contains(&json!("organizations"))
    );
    assert!(data(&old)["properties"].get("teams").is_none());
    assert_eq!(error(&old)["required"], json!(["code", "message"]));
    let creator = &today["components"]["schemas"]["Creator"]["enum"];
    let expected: Vec<&str> = collab_core::Creator::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    assert_eq!(creator, &json!(expected));
}

#[test]
fn the_document_describes_the_api_models_and_security() {
    for text in [
        collab_server::OPENAPI_JSON,
        collab_server::OPENAPI_2022_JSON,
    ] {
        describes_the_api_models_and_security(text);
    }
}

fn describes_the_api_models_and_security(text: &str) {
    let doc: Value = serde_json::from_str(text).expect("JSON");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    let schemas = &doc["components"]["schemas"];
    for model in [
        "SharedAccessConfigCreateRequest",
        "SharedAccessConfigData",
        "CreateEntityResponse",
        "ApiErrorResponse",
        "MongoObjectID",
        "Timestamp",
        "SharedAccessType",
        "ApiErrorCode",
    ] {
        assert!(schemas[model].is_object(), "model {model} missing");
    }
    assert_eq!(schemas["MongoObjectID"]["pattern"], "^[a-f0-9]{24}$");
    assert_eq!(schemas["SharedAccessType"]["enum"], json!(["WRITE"]));
    // Every code of the document's generation is in its enum.
    let codes = schemas["ApiErrorCode"]["enum"].as_array().expect("codes");
    let generation = if schemas["SharedAccessConfigData"]["properties"]["teams"].is_object() {
        collab_core::wire::WireGeneration::Current
    } else {
        collab_core::wire::WireGeneration::V2022
    };
    for code in collab_core::ApiErrorCode::ALL {
        if code
            .defined_since()
            .is_some_and(|since| since <= generation)
        {
            assert!(codes.contains(&json!(code.as_str())), "{code} missing");
        }
    }
    let security = &doc["components"]["securitySchemes"];
    assert_eq!(
        security["ApiKeyAuth"],
        json!({"type": "apiKey", "in": "query", "name": "token", "description": "The API token."})
    );
    assert_eq!(security["auth0Bearer"]["type"], "http");
    assert_eq!(security["auth0Bearer"]["scheme"], "bearer");
    let operations: Vec<&str> = ["post", "get"]
        .iter()
        .map(|m| doc["paths"][ACCESS][m]["operationId"].as_str().expect("id"))
        .chain([doc["paths"][ACCESS_CONFIG]["delete"]["operationId"]
            .as_str()
            .expect("id")])
        .collect();
    assert_eq!(
        operations,
        [
            "createOrUpdateSharedAccessConfigByDatasetId",
            "getSharedAccessConfigsByDatasetId",
            "deleteSharedAccessConfigById"
        ]
    );
    // Every reference in the document resolves.
    fn walk(doc: &Value, value: &Value) {
        match value {
            Value::Object(map) => {
                if map.contains_key("$ref") {
                    resolve(doc, value);
                }
                map.values().for_each(|v| walk(doc, v));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(doc, v)),
            _ => {}
        }
    }
    walk(&doc, &doc);
}
