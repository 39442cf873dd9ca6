//! The OpenAPI document of the served API.

/// The OpenAPI 3 document of the API this crate serves, as served at
/// `GET /openapi.json`: the three operations, their models, error answers and the
/// two security schemes (`ApiKeyAuth`, `auth0Bearer`).
///
/// ```
/// let document: serde_json::Value = serde_json::from_str(collab_server::OPENAPI_JSON)?;
/// assert!(document["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
/// # Ok::<(), serde_json::Error>(())
/// ```
pub const OPENAPI_JSON: &str = include_str!("../openapi.json");
