//! The dashboard at `/_collab/`: one HTML page, its script and its style sheet,
//! embedded in the binary. They hold no secret, so they are served without the admin
//! token; the page asks for the token and reads everything through the control plane's
//! JSON routes (see `dashboard/dashboard.js`).

use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;

use crate::request::path::CONTROL_PREFIX;

/// Where the page is: the control plane's prefix, with its slash.
const PAGE: &str = "/_collab/";

/// The page and its two files, as written in `dashboard/`: no build step.
const INDEX_HTML: &str = include_str!("dashboard/index.html");
const DASHBOARD_JS: &str = include_str!("dashboard/dashboard.js");
const DASHBOARD_CSS: &str = include_str!("dashboard/dashboard.css");

/// Only the server's own files and API: no inline script, no other host, no framing.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'";

/// The routes, merged beside the control plane's nested ones: a nested `/` would
/// answer `/_collab` only, and the page lives at `/_collab/` (where a person types
/// `/_collab`, they are sent there, the URL fragment kept).
pub(crate) fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route(CONTROL_PREFIX, get(|| async { Redirect::permanent(PAGE) }))
        .route(
            PAGE,
            get(|| async { file("text/html; charset=utf-8", INDEX_HTML) }),
        )
        .route(
            "/_collab/dashboard.js",
            get(|| async { file("text/javascript; charset=utf-8", DASHBOARD_JS) }),
        )
        .route(
            "/_collab/dashboard.css",
            get(|| async { file("text/css; charset=utf-8", DASHBOARD_CSS) }),
        )
}

/// One embedded file, never cached (a rebuilt server serves its own page at once).
fn file(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
            (header::CACHE_CONTROL, "no-store"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::X_FRAME_OPTIONS, "DENY"),
        ],
        body,
    )
}
