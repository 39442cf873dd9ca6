//! Proptest strategies for the port's inputs, and [`proptest_async`], which runs an
//! async property over a repository with one runtime for all its cases.
//!
//! Every value these strategies make passes the core's checks: a generated e-mail is
//! accepted by [`ShareRequest`], an id parses back from its text.
//!
//! ```
//! use collab_core::AccessConfigRepository;
//! use collab_testkit::strategies::{proptest_async, share_requests};
//! use proptest::prelude::*;
//!
//! # #[cfg(feature = "fake")] {
//! // Whatever the request, the owner reads back the normalised lists it wrote.
//! proptest_async(
//!     16,
//!     || collab_testkit::fake::fake_fixture(), // a fresh fixture per case
//!     share_requests(),
//!     |fixture, request| async move {
//!         fixture.owner.create_or_update(&fixture.dataset, &request).await.unwrap();
//!         let configs = fixture.owner.list(&fixture.dataset).await.unwrap();
//!         prop_assert_eq!(&configs[0].users, request.users());
//!         prop_assert_eq!(&configs[0].teams, request.teams());
//!         Ok(())
//!     },
//! );
//! # }
//! ```

use std::future::Future;

use collab_core::{AccessConfigId, DatasetId, ObjectId, ShareRequest};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};

/// Valid user e-mail addresses (`local@domain.tld`, lower and upper case ASCII, digits,
/// `.`, `_`, `+` and `-` in the local part), e.g. `Ann.b+1@example-2.io`.
pub fn emails() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9][a-zA-Z0-9._+-]{0,15}@[a-z0-9][a-z0-9-]{0,10}\\.(com|io|org|ai)"
}

/// Valid team names: 1 to 24 characters, letters (not only ASCII), digits, spaces
/// inside, `-` and `_`; never empty after trimming, no control character.
pub fn team_names() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9äöüé_-][a-zA-Z0-9äöüé _-]{0,22}[a-zA-Z0-9äöüé_-]?"
}

/// Any object id (24 lower-case hexadecimal digits).
pub fn object_ids() -> impl Strategy<Value = ObjectId> {
    any::<[u8; 12]>().prop_map(ObjectId::from_bytes)
}

/// Any dataset id.
pub fn dataset_ids() -> impl Strategy<Value = DatasetId> {
    object_ids().prop_map(DatasetId::new)
}

/// Any access config id.
pub fn config_ids() -> impl Strategy<Value = AccessConfigId> {
    object_ids().prop_map(AccessConfigId::new)
}

/// `WRITE` requests of 0 to 5 users and 0 to 3 teams (normalised: duplicates are
/// dropped, so a request may hold fewer).
pub fn share_requests() -> impl Strategy<Value = ShareRequest> {
    (
        prop::collection::vec(emails(), 0..=5),
        prop::collection::vec(team_names(), 0..=3),
    )
        .prop_map(|(users, teams)| {
            ShareRequest::write(users, teams).expect("generated users and teams are valid")
        })
}

/// Runs `body` on `cases` values of `strategy`, each with a fresh `T` from `make` (a
/// fixture, a repository, a store), on one current-thread tokio runtime made once for
/// all the cases. Panics with the shrunk failing value, as `proptest!` does.
///
/// `body` returns `Result<(), TestCaseError>`, so `prop_assert!` and friends work in
/// it. Call this from a plain `#[test]`, not inside a runtime. The runtime has tokio's
/// time and I/O drivers on, so a body may start an in-process server.
pub fn proptest_async<T, S, M, F, Fut>(cases: u32, make: M, strategy: S, body: F)
where
    S: Strategy,
    S::Value: std::fmt::Debug,
    M: Fn() -> T,
    F: Fn(T, S::Value) -> Fut,
    Fut: Future<Output = Result<(), TestCaseError>>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&strategy, |value| runtime.block_on(body(make(), value)));
    match result {
        Ok(()) => {}
        Err(TestError::Fail(why, value)) => {
            panic!("property failed: {why}\nminimal failing input: {value:#?}")
        }
        Err(error) => panic!("property test aborted: {error}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest! {
        #[test]
        fn every_generated_email_is_accepted(user in emails()) {
            let request = ShareRequest::users_only([&user]).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(request.users(), [user]);
        }

        #[test]
        fn every_generated_team_is_accepted(team in team_names()) {
            let request = ShareRequest::teams_only([&team]).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(request.teams(), [team.trim()]);
        }

        #[test]
        fn ids_parse_back_from_their_text(dataset in dataset_ids(), config in config_ids()) {
            prop_assert_eq!(dataset.to_string().parse::<DatasetId>().unwrap(), dataset);
            prop_assert_eq!(config.to_string().parse::<AccessConfigId>().unwrap(), config);
        }
    }

    #[test]
    #[should_panic(expected = "minimal failing input")]
    fn a_failing_async_property_panics_with_its_input() {
        proptest_async(
            8,
            || (),
            emails(),
            |(), user| async move {
                tokio::task::yield_now().await;
                prop_assert!(user.is_empty(), "not empty: {user}");
                Ok(())
            },
        );
    }
}
