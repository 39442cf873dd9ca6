//! The OpenAPI documents of the served API, one per generation of the wire.

/// The OpenAPI 3 document of today's generation of the API, as served at
/// `GET /openapi.json`: the three operations, the version routes, their models
/// (`teams`, `creator`, errors `{code, error, requestId?, errorLabels?}`), error
/// answers and the two security schemes (`ApiKeyAuth`, `auth0Bearer`).
///
/// ```
/// let document: serde_json::Value = serde_json::from_str(collab_server::OPENAPI_JSON)?;
/// assert!(document["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
/// assert!(document["components"]["schemas"]["SharedAccessConfigData"]["properties"]["teams"].is_object());
/// # Ok::<(), serde_json::Error>(())
/// ```
pub const OPENAPI_JSON: &str = include_str!("../../openapi.json");

/// The OpenAPI 3 document of the 2022 generation (`organizations`, errors
/// `{code, message}`), as served at `GET /openapi-2022.json`.
///
/// ```
/// let document: serde_json::Value = serde_json::from_str(collab_server::OPENAPI_2022_JSON)?;
/// assert!(document["components"]["schemas"]["SharedAccessConfigData"]["properties"]["organizations"].is_object());
/// # Ok::<(), serde_json::Error>(())
/// ```
pub const OPENAPI_2022_JSON: &str = include_str!("../../openapi-2022.json");
