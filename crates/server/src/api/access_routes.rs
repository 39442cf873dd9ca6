//! The API's three operations, matched in front of axum's router: [`AccessRoutes`].
//!
//! Nearly every request a server answers is one of them, on a path of valid ids. For
//! those, axum's router would match the path in its tree, percent-decode each
//! parameter into an allocation of its own, store them in a request extension and
//! have the extractors read them back: about a tenth of the work of a whole `GET`.
//! Here, a path of exactly the API's shape, with ids of 24 lower-case hexadecimal
//! digits (which have nothing to decode), and the method of one of the three, goes to
//! the same handlers with its ids already parsed ([`AccessIds`]), each called as
//! axum's `HandlerService` rather than through a `MethodRouter` (whose route clones
//! a boxed service per request and sets a `Content-Length` that hyper sets anyway).
//! Anything else (a malformed or percent-encoded id, `HEAD`, another method, any
//! other path) goes to axum's router, which answers it as it always has.
//!
//! The paths are written once, here ([`ACCESS_PATH`], [`ACCESS_CONFIG_PATH`]): the
//! router routes them, and the matcher's prefix and suffix are cut from the same
//! strings when it is made.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request};
use axum::response::Response;
use collab_core::{AccessConfigId, DatasetId, OBJECT_ID_LEN};
use tower::Service;
use tower::util::BoxCloneSyncService;

use crate::request::notes::{self, AccessIds};

/// Path of the create-or-update and list operations.
pub(crate) const ACCESS_PATH: &str = "/v1/datasets/{datasetId}/collaboration/access";
/// Path of the delete operation: [`ACCESS_PATH`], then the config's id.
pub(crate) const ACCESS_CONFIG_PATH: &str =
    "/v1/datasets/{datasetId}/collaboration/access/{accessConfigId}";

/// The dataset's parameter in [`ACCESS_PATH`].
const DATASET_PARAMETER: &str = "{datasetId}";

/// [`ACCESS_PATH`] around its dataset id: what comes before and after it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape {
    before: &'static str,
    after: &'static str,
}

impl Shape {
    /// The shape of [`ACCESS_PATH`]; [`ACCESS_CONFIG_PATH`] must be it and one more
    /// segment (checked by a test).
    pub(crate) fn of_access_path() -> Self {
        let (before, after) = ACCESS_PATH
            .split_once(DATASET_PARAMETER)
            .unwrap_or((ACCESS_PATH, ""));
        Self { before, after }
    }
}

/// Which of the three operations a request is, if it is one with valid ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AccessRoute {
    /// `GET .../collaboration/access`.
    List,
    /// `POST .../collaboration/access`.
    CreateOrUpdate,
    /// `DELETE .../collaboration/access/{accessConfigId}`.
    Delete,
}

/// One operation's handler with its state, as axum's `Handler::with_state` makes it.
pub(crate) type Operation = BoxCloneSyncService<Request<Body>, Response, Infallible>;

/// The future of [`AccessRoutes`]: a handler's, or the router's.
pub(crate) type AccessFuture = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

/// The API's operations in front of the router they also are in (see the module docs).
#[derive(Clone)]
pub(crate) struct AccessRoutes {
    list: Operation,
    create_or_update: Operation,
    delete: Operation,
    /// Every route, these included.
    router: Router,
    shape: Shape,
}

impl AccessRoutes {
    pub(crate) fn new(
        list: Operation,
        create_or_update: Operation,
        delete: Operation,
        router: Router,
    ) -> Self {
        Self {
            list,
            create_or_update,
            delete,
            router,
            shape: Shape::of_access_path(),
        }
    }
}

impl std::fmt::Debug for AccessRoutes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessRoutes")
            .field("router", &self.router)
            .finish_non_exhaustive()
    }
}

impl Service<Request<Body>> for AccessRoutes {
    type Response = Response;
    type Error = Infallible;
    type Future = AccessFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        // The ids go to the handlers in the request's notes (no router runs without
        // the record layer that makes them).
        let notes = notes::notes(request.extensions());
        match notes.zip(matched(self.shape, request.method(), request.uri().path())) {
            Some((notes, (route, ids))) => {
                notes.note_route(ids);
                // A handler's service is always ready (axum's `HandlerService`).
                match route {
                    AccessRoute::List => self.list.call(request),
                    AccessRoute::CreateOrUpdate => self.create_or_update.call(request),
                    AccessRoute::Delete => self.delete.call(request),
                }
            }
            None => Box::pin(self.router.call(request)),
        }
    }
}

/// The operation and ids of a request of one of the three operations with valid ids.
pub(crate) fn matched(
    shape: Shape,
    method: &Method,
    path: &str,
) -> Option<(AccessRoute, AccessIds)> {
    let rest = path.strip_prefix(shape.before)?;
    let dataset = rest.get(..OBJECT_ID_LEN)?.parse::<DatasetId>().ok()?;
    let rest = rest[OBJECT_ID_LEN..].strip_prefix(shape.after)?;
    match rest.strip_prefix('/') {
        None if rest.is_empty() && (method == Method::GET || method == Method::POST) => Some((
            if method == Method::GET {
                AccessRoute::List
            } else {
                AccessRoute::CreateOrUpdate
            },
            AccessIds {
                dataset,
                config: None,
            },
        )),
        Some(config) if method == Method::DELETE => Some((
            AccessRoute::Delete,
            AccessIds {
                dataset,
                config: Some(config.parse::<AccessConfigId>().ok()?),
            },
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "0123456789abcdef01234567";
    const C: &str = "aaaaaaaaaaaaaaaaaaaaaaaa";

    fn route(method: Method, path: &str) -> Option<AccessRoute> {
        matched(Shape::of_access_path(), &method, path).map(|(route, _)| route)
    }

    #[test]
    fn the_three_operations_with_valid_ids_are_matched_with_their_ids() {
        let list = format!("/v1/datasets/{D}/collaboration/access");
        let delete = format!("{list}/{C}");
        assert_eq!(route(Method::GET, &list), Some(AccessRoute::List));
        assert_eq!(
            route(Method::POST, &list),
            Some(AccessRoute::CreateOrUpdate)
        );
        let (route, ids) =
            matched(Shape::of_access_path(), &Method::DELETE, &delete).expect("matched");
        assert_eq!(route, AccessRoute::Delete);
        assert_eq!(ids.dataset.to_string(), D);
        assert_eq!(ids.config.map(|c| c.to_string()).as_deref(), Some(C));
    }

    #[test]
    fn the_matcher_has_the_shape_of_the_routes_the_router_has() {
        let shape = Shape::of_access_path();
        assert_eq!(
            (shape.before, shape.after),
            ("/v1/datasets/", "/collaboration/access")
        );
        assert_eq!(
            ACCESS_CONFIG_PATH,
            format!("{ACCESS_PATH}/{{accessConfigId}}")
        );
    }

    #[test]
    fn everything_else_is_left_to_the_router() {
        let list = format!("/v1/datasets/{D}/collaboration/access");
        for (method, path) in [
            (Method::HEAD, list.clone()),
            (Method::PUT, list.clone()),
            (Method::DELETE, list.clone()),
            (Method::GET, format!("{list}/")),
            (Method::GET, format!("{list}/{C}")),
            (Method::DELETE, format!("{list}/{C}/")),
            (Method::DELETE, format!("{list}/{}", &C[1..])),
            (Method::GET, list.replace(D, &D.to_uppercase())),
            (Method::GET, list.replace(D, "%30123456789abcdef0123456")),
            (Method::GET, list.replace(D, &D[1..])),
            (Method::GET, format!("{list}x")),
            (Method::GET, "/v1/datasets/".to_owned()),
            (Method::GET, "/_collab/health".to_owned()),
        ] {
            assert_eq!(route(method.clone(), &path), None, "{method} {path}");
        }
    }
}
