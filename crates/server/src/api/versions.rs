//! The version routes Lightly's clients call when they start.

use axum::http::StatusCode;
use axum::response::Response;

use crate::api::faults::{self, ArmedFaults};
use crate::http::json::json_response;
use crate::request::notes::RequestNotes;

/// What `GET /v1/versions/pip/minimum` answers: the oldest `lightly` release that may
/// talk to this server. Every official client generation served (1.2.30 on) is above it.
pub const MINIMUM_CLIENT_VERSION: &str = "1.2.0";

/// What `GET /v1/versions/pip/latest` answers: the newest `lightly` release that ships
/// an API client.
pub const LATEST_CLIENT_VERSION: &str = "1.5.26";

/// `GET /v1/versions/pip/minimum`: a JSON string, no authentication.
pub(crate) async fn minimum(faults: ArmedFaults, notes: RequestNotes) -> Response {
    faults::around(&faults, &notes, None, async {
        json_response(StatusCode::OK, MINIMUM_CLIENT_VERSION)
    })
    .await
}

/// `GET /v1/versions/pip/latest`: a JSON string, no authentication (the
/// `current_version` query parameter clients send is ignored).
pub(crate) async fn latest(faults: ArmedFaults, notes: RequestNotes) -> Response {
    faults::around(&faults, &notes, None, async {
        json_response(StatusCode::OK, LATEST_CLIENT_VERSION)
    })
    .await
}
