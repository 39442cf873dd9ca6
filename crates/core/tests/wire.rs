//! The status mapping both ways: every error the server sends, the client reads back
//! as the same variant.

use std::time::Duration;

use collab_core::wire::{CallTarget, error_from_response, error_to_response};
use collab_core::{AccessConfigId, DatasetId, Error};

fn target(config: bool) -> CallTarget {
    CallTarget {
        dataset: "0123456789abcdef01234567".parse::<DatasetId>().unwrap(),
        config: config.then(|| {
            "aaaaaaaaaaaaaaaaaaaaaaaa"
                .parse::<AccessConfigId>()
                .unwrap()
        }),
    }
}

#[test]
fn errors_survive_the_round_trip_through_http() {
    let t = target(true);
    let errors = [
        Error::DatasetNotFound {
            dataset: t.dataset,
            request_id: None,
        },
        Error::AccessConfigNotFound {
            dataset: t.dataset,
            config: t.config.unwrap(),
            request_id: None,
        },
        Error::Unauthorized {
            message: "m".into(),
        },
        Error::Forbidden {
            message: "m".into(),
        },
        Error::InvalidRequest {
            message: "m".into(),
        },
        Error::Conflict {
            message: "m".into(),
        },
        Error::Unavailable {
            message: "m".into(),
            source: None,
        },
    ];
    for error in errors {
        let (status, body) = error_to_response(&error);
        let back = error_from_response(status, Some(body), None, t);
        assert_eq!(
            std::mem::discriminant(&back),
            std::mem::discriminant(&error),
            "{error:?} came back as {back:?}"
        );
    }
}

#[test]
fn statuses_without_a_body_map_by_what_the_caller_can_do() {
    let t = target(false);
    // A 404 without the API's codes is a wrong URL, not a missing dataset or config.
    for target in [t, target(true)] {
        let wrong_url = error_from_response(404, None, None, target);
        assert!(
            matches!(&wrong_url, Error::UnexpectedResponse { status: Some(404), message } if message.contains("check the API URL")),
            "{wrong_url:?}"
        );
    }
    let route = collab_core::ApiErrorResponse::new(collab_core::ApiErrorCode::NotFound, "no route");
    assert!(matches!(
        error_from_response(404, Some(route), None, t),
        Error::UnexpectedResponse {
            status: Some(404),
            ..
        }
    ));
    assert!(
        matches!(
            error_from_response(502, None, None, t),
            Error::Unavailable { .. }
        ),
        "a proxy's 502 is retryable"
    );
    assert!(matches!(
        error_from_response(413, None, None, t),
        Error::InvalidRequest { .. }
    ));
    assert!(matches!(
        error_from_response(408, None, None, t),
        Error::Unavailable { .. }
    ));
    assert!(matches!(
        error_from_response(503, None, None, t),
        Error::Unavailable { .. }
    ));
    assert!(matches!(
        error_from_response(302, None, None, t),
        Error::UnexpectedResponse {
            status: Some(302),
            ..
        }
    ));
    let limited = error_from_response(429, None, Some(Duration::from_secs(3)), t);
    assert_eq!(limited.retry_after(), Some(Duration::from_secs(3)));
    assert!(limited.is_retryable());
    assert!(!error_from_response(400, None, None, t).is_retryable());
}

#[test]
fn a_conflict_is_409_conflict_in_both_directions() {
    let error = Error::Conflict {
        message: "the sharing changed since the plan was made".into(),
    };
    let (status, body) = error_to_response(&error);
    assert_eq!(
        (status, &body.code),
        (409, &collab_core::ApiErrorCode::Conflict)
    );
    let back = error_from_response(409, Some(body), None, target(false));
    assert!(
        matches!(&back, Error::Conflict { message } if message.contains("changed since the plan")),
        "{back:?}"
    );
    assert!(!back.is_retryable());
    let bare = error_from_response(409, None, None, target(false));
    assert!(matches!(bare, Error::Conflict { .. }), "{bare:?}");
}
