//! The API's path matching and query reading against the router's own.
//!
//! The first byte picks the method (of GET, POST, DELETE, PUT, HEAD), the rest is the
//! request target. Invariants, for any that makes a valid URI:
//! - the matcher in front of the router (`AccessRoutes`) takes a request only when
//!   axum's router, built from the same route constants, routes it to the same
//!   operation with the same ids; and every `GET`/`POST`/`DELETE` that the router routes
//!   to an operation with plain (not percent-encoded) valid ids, the matcher takes;
//! - the journal's `operation_of` names `list`, `createOrUpdate` or `delete` exactly
//!   when the router routes the request there, `openapi` exactly for the two documents,
//!   and `versions` for every version route;
//! - `dataset_named_by` gives the dataset id of the path it names, `is_control_path`
//!   is `/_collab` as a whole segment;
//! - the credentials' query reader finds the same first two `token` values as a form
//!   decoding of the query (`form_urlencoded`), whichever of its two paths it takes.
#![no_main]

use std::sync::LazyLock;

use axum::Router;
use axum::body::Body;
use axum::extract::Path;
use axum::extract::rejection::PathRejection;
use axum::http::{Method, Request, StatusCode, Uri};
use axum::routing::{delete, get};
use collab_server::testing::fuzzing;
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

const METHODS: [Method; 5] = [
    Method::GET,
    Method::POST,
    Method::DELETE,
    Method::PUT,
    Method::HEAD,
];

/// The routes as the server declares them, answering which one matched with what.
fn routes() -> Router {
    // A parameter the router cannot decode still routes the request (the extractor
    // refuses it): `?` stands for it.
    fn id(path: Result<Path<String>, PathRejection>) -> String {
        path.map_or_else(|_| "?".to_owned(), |Path(id)| id)
    }
    let list =
        |path: Result<Path<String>, PathRejection>| async move { format!("list {}", id(path)) };
    let create = |path: Result<Path<String>, PathRejection>| async move {
        format!("createOrUpdate {}", id(path))
    };
    let remove = |path: Result<Path<(String, String)>, PathRejection>| async move {
        match path {
            Ok(Path((dataset, config))) => format!("delete {dataset} {config}"),
            Err(_) => "delete ?".to_owned(),
        }
    };
    Router::new()
        .route(fuzzing::ACCESS_PATH, get(list).post(create))
        .route(fuzzing::ACCESS_CONFIG_PATH, delete(remove))
        .route("/openapi.json", get(|| async { "openapi" }))
        .route("/openapi-2022.json", get(|| async { "openapi" }))
        .route("/v1/versions/pip/minimum", get(|| async { "versions" }))
        .route("/v1/versions/pip/latest", get(|| async { "versions" }))
}

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
});
static ROUTER: LazyLock<Router> = LazyLock::new(routes);

/// What the router made of a request: the words of the route's answer, if a route took it.
fn routed(method: &Method, uri: &Uri) -> Option<String> {
    let request = Request::builder()
        .method(method.clone())
        .uri(uri.clone())
        .body(Body::empty())
        .expect("a request");
    RUNTIME.block_on(async {
        let response = ROUTER.clone().oneshot(request).await.expect("infallible");
        if response.status() != StatusCode::OK {
            return None;
        }
        let body = response
            .into_body()
            .collect()
            .await
            .expect("a body")
            .to_bytes();
        Some(String::from_utf8(body.to_vec()).expect("text"))
    })
}

fn is_id(text: &str) -> bool {
    text.parse::<collab_core::DatasetId>().is_ok()
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks the method, the rest is the request target.
    let Some((&method, target)) = data.split_first() else {
        return;
    };
    let method = &METHODS[usize::from(method) % METHODS.len()];
    let Ok(uri) = Uri::try_from(target) else {
        return;
    };
    // Only origin-form targets reach a server's router.
    if uri.scheme().is_some() || !uri.path().starts_with('/') {
        return;
    }
    let path = uri.path();
    let router = routed(method, &uri);
    let words: Vec<&str> = router
        .as_deref()
        .map_or(Vec::new(), |w| w.split(' ').collect());

    // The matcher takes only what the router routes the same way.
    let matched = fuzzing::access_route(method, path);
    if let Some((operation, dataset, config)) = &matched {
        let expected = match (*operation, config) {
            ("delete", Some(config)) => format!("delete {dataset} {config}"),
            ("list", None) => format!("list {dataset}"),
            ("createOrUpdate", None) => format!("createOrUpdate {dataset}"),
            other => panic!("the matcher took {method} {path} as {other:?}"),
        };
        assert_eq!(
            router.as_deref(),
            Some(expected.as_str()),
            "{method} {path}"
        );
    }
    // ...and everything plain with valid ids that the router routes to an operation.
    let plain = !path.contains('%');
    let operation = words.first().copied();
    let ids_valid = words.len() > 1 && words[1..].iter().all(|id| is_id(id));
    if plain && ids_valid && matches!(operation, Some("list" | "createOrUpdate" | "delete")) {
        assert!(
            matched.is_some(),
            "{method} {path}: the router routes it, the matcher does not"
        );
    }

    // The journal names the operation the router routes to.
    let named = fuzzing::operation_of(method.as_str(), path);
    match operation {
        Some(op @ ("list" | "createOrUpdate" | "delete" | "openapi")) => {
            assert_eq!(named, Some(op), "{method} {path}")
        }
        Some("versions") => assert_eq!(named, Some("versions"), "{method} {path}"),
        _ => assert!(
            !matches!(
                named,
                Some("list" | "createOrUpdate" | "delete" | "openapi")
            ),
            "{method} {path}: the journal says {named:?}, the router routes it nowhere"
        ),
    }

    // The dataset a path names is the one in its place.
    if let Some(dataset) = fuzzing::dataset_named_by(path) {
        assert!(
            path.starts_with(&format!("/v1/datasets/{dataset}")),
            "{path}"
        );
        if plain && matches!(operation, Some("list" | "createOrUpdate" | "delete")) {
            assert_eq!(words.get(1).copied(), Some(dataset.as_str()), "{path}");
        }
    }
    let control = path == "/_collab" || path.starts_with("/_collab/");
    assert_eq!(fuzzing::is_control_path(path), control, "{path}");

    // The query's token, as a form decoding reads it.
    let query = uri.query().unwrap_or_default();
    let mut decoded = form_urlencoded::parse(query.as_bytes())
        .filter(|(name, _)| name == "token")
        .map(|(_, value)| value.into_owned());
    let expected = (decoded.next(), decoded.next());
    assert_eq!(
        fuzzing::first_two_values(query, "token"),
        expected,
        "{query}"
    );
});
