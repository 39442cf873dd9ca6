//! What a request's path says before any route reads it: whether it is the control
//! plane's, and the dataset it names.

use collab_core::DatasetId;

/// The prefix of the control plane's routes, which the journal leaves out.
pub(crate) const CONTROL_PREFIX: &str = "/_collab";

/// Whether `path` is the control plane's: [`CONTROL_PREFIX`] as a whole segment
/// (`/_collab`, `/_collab/...`), not a path that only begins with its letters.
pub(crate) fn is_control_path(path: &str) -> bool {
    path.strip_prefix(CONTROL_PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The dataset a path of the API names: `/v1/datasets/{datasetId}` and what follows,
/// with a valid id.
pub(crate) fn dataset_named_by(path: &str) -> Option<DatasetId> {
    let rest = path.strip_prefix("/v1/datasets/")?;
    let id = rest.split('/').next()?;
    id.parse().ok()
}

/// The operation of the API a request of `method` on `path` asks for, as the journal
/// names it: `list`, `createOrUpdate`, `delete`, `versions`, `openapi`, or none for
/// anything else (whatever its answer was).
///
/// An operation is named for exactly the paths that axum's router sends to its
/// handler, an empty dataset id included (`/v1/datasets//collaboration/access`: the
/// handler refuses the id with a `400`, and that is still a list call that failed);
/// the fuzz target `path_and_query` checks the two agree.
pub(crate) fn operation_of(method: &str, path: &str) -> Option<&'static str> {
    if let Some(rest) = path.strip_prefix("/v1/datasets/") {
        let mut segments = rest.split('/');
        let _dataset = segments.next();
        let access = segments.next() == Some("collaboration") && segments.next() == Some("access");
        if !access {
            return None;
        }
        return match (segments.next(), segments.next(), method) {
            (None, _, "GET") => Some("list"),
            (None, _, "POST") => Some("createOrUpdate"),
            // The router sends no empty config id to the delete (unlike a dataset id).
            (Some(config), None, "DELETE") if !config.is_empty() => Some("delete"),
            _ => None,
        };
    }
    match (method, path) {
        ("GET", "/openapi.json" | "/openapi-2022.json") => Some("openapi"),
        ("GET", versions) if versions.starts_with("/v1/versions/") => Some("versions"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_names_its_operation_by_method_and_path() {
        let list = "/v1/datasets/0123456789abcdef01234567/collaboration/access";
        let config = format!("{list}/65a000000000000000000001");
        let no_config = format!("{list}/");
        for (method, path, operation) in [
            ("GET", list, Some("list")),
            ("POST", list, Some("createOrUpdate")),
            ("DELETE", config.as_str(), Some("delete")),
            ("DELETE", list, None),
            ("DELETE", no_config.as_str(), None),
            ("PUT", list, None),
            ("GET", config.as_str(), None),
            ("GET", "/v1/versions/pip/minimum", Some("versions")),
            ("GET", "/openapi.json", Some("openapi")),
            ("GET", "/openapi-2022.json", Some("openapi")),
            // The router sends an empty id to the handler, which refuses it: still a
            // list call (the journal named none before the fuzz target found it).
            ("GET", "/v1/datasets//collaboration/access", Some("list")),
            ("GET", "/elsewhere", None),
        ] {
            assert_eq!(operation_of(method, path), operation, "{method} {path}");
        }
    }

    #[test]
    fn the_control_prefix_is_a_whole_segment() {
        for control in ["/_collab", "/_collab/", "/_collab/state"] {
            assert!(is_control_path(control), "{control}");
        }
        for other in ["/_collabX/state", "/_collab-x", "/v1/_collab/state", "/"] {
            assert!(!is_control_path(other), "{other}");
        }
    }

    #[test]
    fn a_path_names_a_dataset_only_with_a_valid_id_in_its_place() {
        let id = "0123456789abcdef01234567";
        let named = |path: &str| dataset_named_by(path).map(|d| d.to_string());
        assert_eq!(
            named(&format!("/v1/datasets/{id}/collaboration/access")).as_deref(),
            Some(id)
        );
        assert_eq!(named(&format!("/v1/datasets/{id}")).as_deref(), Some(id));
        assert_eq!(named("/v1/datasets/nope/collaboration/access"), None);
        assert_eq!(named(&format!("/v2/datasets/{id}")), None);
    }
}
