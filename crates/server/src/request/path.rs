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

#[cfg(test)]
mod tests {
    use super::*;

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
