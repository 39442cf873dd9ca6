//! The API: Lightly's three Collaboration routes, the version and OpenAPI routes, and
//! what they are made of (the operations matched in front of the router, who is
//! calling, the ids and body of a request, the fault gate). Never imports the control
//! plane.

pub(crate) mod access_routes;
pub(crate) mod auth;
pub(crate) mod extract;
pub(crate) mod faults;
pub(crate) mod handlers;
pub(crate) mod object_only;
pub(crate) mod openapi;
pub(crate) mod versions;
