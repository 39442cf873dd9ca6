//! The hand-written parsers of the server, for the fuzz targets in `fuzz/` (feature
//! `fuzzing`, which turns on `testing`; hidden from the docs): not an API, and not covered by semver. Each
//! function calls the parser the server runs, unchanged, and hands back plain values.

use std::borrow::Cow;

use axum::http::Method;
use serde_json::Value;

use crate::api::access_routes::{self, AccessRoute, Shape};

/// The path of the list and create-or-update routes, as the router declares it.
pub const ACCESS_PATH: &str = access_routes::ACCESS_PATH;
/// The path of the delete route, as the router declares it.
pub const ACCESS_CONFIG_PATH: &str = access_routes::ACCESS_CONFIG_PATH;

/// What the matcher in front of the router makes of a request: `Some((operation,
/// dataset, config))` with the operation as the journal names it (`list`,
/// `createOrUpdate`, `delete`) and the ids as text, or `None` when it leaves the
/// request to the router.
pub fn access_route(method: &Method, path: &str) -> Option<(&'static str, String, Option<String>)> {
    let (route, ids) = access_routes::matched(Shape::of_access_path(), method, path)?;
    Some((
        match route {
            AccessRoute::List => "list",
            AccessRoute::CreateOrUpdate => "createOrUpdate",
            AccessRoute::Delete => "delete",
        },
        ids.dataset.to_string(),
        ids.config.map(|config| config.to_string()),
    ))
}

/// The journal's name of the operation of a request.
pub fn operation_of(method: &str, path: &str) -> Option<&'static str> {
    crate::request::path::operation_of(method, path)
}

/// Whether a path is the control plane's.
pub fn is_control_path(path: &str) -> bool {
    crate::request::path::is_control_path(path)
}

/// The dataset a path names, as text.
pub fn dataset_named_by(path: &str) -> Option<String> {
    crate::request::path::dataset_named_by(path).map(|dataset| dataset.to_string())
}

/// The first two values of `key` in a query, as the credentials reader finds them.
pub fn first_two_values(query: &str, key: &str) -> (Option<String>, Option<String>) {
    let (first, second) = crate::http::credentials::first_two_values(query, key);
    (first.map(Cow::into_owned), second.map(Cow::into_owned))
}

/// A verification's answer, reduced to what its invariants speak of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Whether the count held.
    pub held: bool,
    /// How many entries matched.
    pub count: u64,
    /// How many fields each near miss differs in.
    pub nearest_differences: Vec<usize>,
}

/// The most near misses a verdict shows.
pub const NEAREST: usize = crate::control::verify::NEAREST;

/// Reads a verification pattern (`POST /_collab/requests/verify`) and checks it against
/// `entries`; the error is the field and message the control plane would answer.
pub fn verify(pattern: &str, entries: &[Value]) -> Result<Verdict, (String, String)> {
    let verification = crate::control::verify::Verification::parse(pattern)
        .map_err(|error| (error.field, error.message))?;
    let verdict = verification.check(entries);
    Ok(Verdict {
        held: verdict.held,
        count: verdict.count,
        nearest_differences: verdict
            .nearest
            .iter()
            .map(|miss| miss.differences.len())
            .collect(),
    })
}
