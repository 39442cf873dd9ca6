//! The API: Lightly's three Collaboration routes, the version and OpenAPI routes, and
//! what they are made of (who is calling, the ids and body of a request, the two
//! generations of the wire, the error bodies).

pub(crate) mod access_routes;
pub(crate) mod auth;
pub(crate) mod cause;
pub(crate) mod error;
pub(crate) mod extract;
pub(crate) mod faults;
pub(crate) mod generation;
pub(crate) mod handlers;
pub(crate) mod json;
pub(crate) mod object_only;
pub(crate) mod openapi;
pub(crate) mod provider;
pub(crate) mod versions;
