//! Model-based testing: random sequences of calls against a backend and against a
//! simple reference model, which must agree after every step.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use collab_core::coordination::InProcessLocks;
use collab_core::sharing::granted;
use collab_core::{
    AccessConfigId, AccessConfigRepository, Error, ShareRequest, SharingService, Timestamp,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestCaseResult, TestError, TestRunner};
use proptest_state_machine::ReferenceStateMachine;

use crate::{Fixture, conformance::reset, unknown_config_id};

/// The users transitions pick from: some differ only in case or white space, so
/// normalisation is exercised too.
const USERS: &[&str] = &[
    "ann@example.com",
    "bob@example.com",
    "cy@example.com",
    "ANN@example.com",
    " dee@example.com ",
];
const TEAMS: &[&str] = &["acme", "globex"];

/// One call the test makes.
#[derive(Debug, Clone)]
pub enum Step {
    /// The owner creates or replaces the `WRITE` config with these users and teams.
    Share {
        /// Users to share with (may hold duplicates and odd spellings).
        users: Vec<&'static str>,
        /// Teams to share with.
        teams: Vec<&'static str>,
    },
    /// The owner, by another path ([`Fixture::elsewhere`]; `owner` when the fixture has
    /// none), creates or replaces the `WRITE` config: a change `owner`'s cache does not see.
    ShareElsewhere {
        /// Users to share with.
        users: Vec<&'static str>,
        /// Teams to share with.
        teams: Vec<&'static str>,
    },
    /// The owner grants users through `SharingService` over `owner`: a read-modify-write
    /// that must keep every user and team the config holds, wherever they were set.
    Grant {
        /// Users to add (at least one).
        users: Vec<&'static str>,
    },
    /// The owner deletes the current config (only when there is one).
    DeleteCurrent,
    /// The owner deletes a config id the dataset never had.
    DeleteUnknown,
    /// A user who is not the owner tries to share.
    StrangerShares,
    /// The owner lists a dataset the backend does not know.
    ListUnknownDataset,
}

/// The reference model: the normalised lists of the dataset's one `WRITE` config, if any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelState {
    /// `(users, teams)` of the config, or `None` when there is none.
    pub config: Option<(Vec<String>, Vec<String>)>,
}

/// The [`ReferenceStateMachine`] behind [`check_against_model`].
#[derive(Debug)]
pub struct SharingModel;

impl ReferenceStateMachine for SharingModel {
    type State = ModelState;
    type Transition = Step;

    fn init_state() -> BoxedStrategy<ModelState> {
        Just(ModelState::default()).boxed()
    }

    fn transitions(_state: &ModelState) -> BoxedStrategy<Step> {
        let share = (
            proptest::sample::subsequence(USERS, 0..=USERS.len()),
            proptest::sample::subsequence(TEAMS, 0..=TEAMS.len()),
        )
            .prop_map(|(users, teams)| Step::Share { users, teams });
        let elsewhere = (
            proptest::sample::subsequence(USERS, 0..=USERS.len()),
            proptest::sample::subsequence(TEAMS, 0..=TEAMS.len()),
        )
            .prop_map(|(users, teams)| Step::ShareElsewhere { users, teams });
        let grant = proptest::sample::subsequence(USERS, 1..=USERS.len())
            .prop_map(|users| Step::Grant { users });
        prop_oneof![
            4 => share,
            2 => elsewhere,
            2 => grant,
            2 => Just(Step::DeleteCurrent),
            1 => Just(Step::DeleteUnknown),
            1 => Just(Step::StrangerShares),
            1 => Just(Step::ListUnknownDataset),
        ]
        .boxed()
    }

    fn preconditions(state: &ModelState, step: &Step) -> bool {
        !matches!(step, Step::DeleteCurrent) || state.config.is_some()
    }

    fn apply(mut state: ModelState, step: &Step) -> ModelState {
        match step {
            Step::Share { users, teams } | Step::ShareElsewhere { users, teams } => {
                let request = ShareRequest::write(users, teams).expect("pool entries are valid");
                state.config = Some((request.users().to_vec(), request.teams().to_vec()));
            }
            Step::Grant { users } => {
                let add = ShareRequest::users_only(users).expect("pool entries are valid");
                state.config = Some(match state.config.take() {
                    Some((current, teams)) => (granted(&current, add.users()), teams),
                    None => (add.users().to_vec(), Vec::new()),
                });
            }
            Step::DeleteCurrent => state.config = None,
            Step::DeleteUnknown | Step::StrangerShares | Step::ListUnknownDataset => {}
        }
        state
    }
}

/// What the test remembers of the backend between steps, to check identity rules.
#[derive(Debug, Default)]
struct Observed {
    id: Option<AccessConfigId>,
    created_at: Option<Timestamp>,
    last_modified_at: Option<Timestamp>,
    retired_ids: Vec<AccessConfigId>,
    /// Whether a change was made elsewhere since `owner` last wrote: `owner`'s cache may
    /// then answer the state from before it, until its time to live runs out, so the
    /// state is compared through [`Fixture::elsewhere`].
    changed_elsewhere: bool,
}

impl Observed {
    /// Checks the id a write answered against the config's, and remembers it.
    fn wrote(&mut self, id: AccessConfigId) -> Result<(), String> {
        match self.id {
            Some(current) if current != id => {
                Err(format!("update answered {id}, the config is {current}"))
            }
            _ if self.retired_ids.contains(&id) => Err(format!("a deleted id {id} came back")),
            _ => {
                self.id = Some(id);
                Ok(())
            }
        }
    }
}

/// Runs `cases` random sequences of up to 20 steps against the backend that `make`
/// builds (once per case, on a current-thread runtime this function owns) and against
/// [`SharingModel`], checking after every step that the owner's list matches the model
/// and that ids and timestamps follow the contract. Panics with the shrunk failing
/// sequence.
///
/// Call it from a plain `#[test]` (not inside a tokio runtime). A backend that needs a
/// server can start it inside `make`: it runs on the same runtime.
pub fn check_against_model<R, F, Fut>(cases: u32, make: F)
where
    R: AccessConfigRepository,
    F: Fn() -> Fut,
    Fut: Future<Output = Fixture<R>>,
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
    let result = runner.run(
        &SharingModel::sequential_strategy(1..20),
        |(initial, steps, seen)| {
            runtime.block_on(async {
                let fixture = make().await;
                run_case(&fixture, initial, steps, seen).await
            })
        },
    );
    match result {
        Ok(()) => {}
        Err(TestError::Fail(why, (_, steps, _))) => {
            panic!("backend disagrees with the model: {why}\nsteps: {steps:#?}")
        }
        Err(error) => panic!("model test aborted: {error}"),
    }
}

async fn run_case<R: AccessConfigRepository>(
    fixture: &Fixture<R>,
    mut model: ModelState,
    steps: Vec<Step>,
    seen: Option<Arc<AtomicUsize>>,
) -> TestCaseResult {
    reset(fixture).await;
    let mut observed = Observed::default();
    for (index, step) in steps.iter().enumerate() {
        if let Some(seen) = &seen {
            seen.fetch_add(1, Ordering::SeqCst);
        }
        model = SharingModel::apply(model, step);
        apply_step(fixture, step, &mut observed)
            .await
            .map_err(|why| TestCaseError::fail(format!("step {index} {step:?}: {why}")))?;
        compare(fixture, &model, &mut observed)
            .await
            .map_err(|why| TestCaseError::fail(format!("after step {index} {step:?}: {why}")))?;
    }
    Ok(())
}

async fn apply_step<R: AccessConfigRepository>(
    fixture: &Fixture<R>,
    step: &Step,
    observed: &mut Observed,
) -> Result<(), String> {
    match step {
        Step::Share { users, teams } => {
            let request = ShareRequest::write(users, teams).map_err(|e| e.to_string())?;
            let id = fixture
                .owner
                .create_or_update(&fixture.dataset, &request)
                .await
                .map_err(|e| format!("share failed: {e}"))?;
            observed.wrote(id)?;
            observed.changed_elsewhere = false;
        }
        Step::ShareElsewhere { users, teams } => {
            let request = ShareRequest::write(users, teams).map_err(|e| e.to_string())?;
            let id = match &fixture.elsewhere {
                Some(elsewhere) => {
                    observed.changed_elsewhere = true;
                    elsewhere.create_or_update(&fixture.dataset, &request).await
                }
                None => {
                    fixture
                        .owner
                        .create_or_update(&fixture.dataset, &request)
                        .await
                }
            }
            .map_err(|e| format!("share elsewhere failed: {e}"))?;
            observed.wrote(id)?;
        }
        Step::Grant { users } => {
            let sharing =
                SharingService::new(&fixture.owner).with_local_locks(InProcessLocks::new());
            let applied = sharing
                .grant(&fixture.dataset, users)
                .await
                .map_err(|e| format!("grant failed: {e}"))?;
            if let Some(id) = applied.written {
                observed.wrote(id)?;
                observed.changed_elsewhere = false;
            }
        }
        Step::DeleteCurrent => {
            let id = observed
                .id
                .take()
                .ok_or("the model has a config but the test saw no id")?;
            fixture
                .owner
                .delete(&fixture.dataset, &id)
                .await
                .map_err(|e| format!("delete failed: {e}"))?;
            observed.retired_ids.push(id);
            observed.changed_elsewhere = false;
            observed.created_at = None;
            observed.last_modified_at = None;
        }
        Step::DeleteUnknown => {
            let unknown = unknown_config_id();
            match fixture.owner.delete(&fixture.dataset, &unknown).await {
                Err(Error::AccessConfigNotFound { config, .. }) if config == unknown => {}
                other => return Err(format!("expected AccessConfigNotFound, got {other:?}")),
            }
        }
        Step::StrangerShares => {
            let request =
                ShareRequest::write(["eve@example.com"], [""; 0]).map_err(|e| e.to_string())?;
            match fixture
                .stranger
                .create_or_update(&fixture.dataset, &request)
                .await
            {
                Err(Error::Forbidden { .. }) => {}
                other => return Err(format!("expected Forbidden, got {other:?}")),
            }
        }
        Step::ListUnknownDataset => match fixture.owner.list(&fixture.unknown_dataset).await {
            Err(Error::DatasetNotFound { dataset, .. }) if dataset == fixture.unknown_dataset => {}
            other => return Err(format!("expected DatasetNotFound, got {other:?}")),
        },
    }
    Ok(())
}

async fn compare<R: AccessConfigRepository>(
    fixture: &Fixture<R>,
    model: &ModelState,
    observed: &mut Observed,
) -> Result<(), String> {
    let configs = match &fixture.elsewhere {
        Some(elsewhere) if observed.changed_elsewhere => elsewhere.list(&fixture.dataset).await,
        _ => fixture.owner.list(&fixture.dataset).await,
    }
    .map_err(|e| format!("list failed: {e}"))?;
    match (&model.config, configs.as_ref()) {
        (None, []) => Ok(()),
        (Some((users, teams)), [config]) => {
            let checks = [
                (
                    Some(config.id) == observed.id,
                    "the listed id is the one create answered",
                ),
                (&config.users == users, "users match the model"),
                (&config.teams == teams, "teams match the model"),
                (
                    config.owner == fixture.owner_name,
                    "owner is the dataset's owner",
                ),
                (
                    config.created_at <= config.last_modified_at,
                    "createdAt <= lastModifiedAt",
                ),
                (
                    observed.created_at.is_none_or(|c| c == config.created_at),
                    "createdAt is kept across updates",
                ),
                (
                    observed
                        .last_modified_at
                        .is_none_or(|m| m <= config.last_modified_at),
                    "lastModifiedAt never goes back",
                ),
            ];
            if let Some((_, rule)) = checks.iter().find(|(holds, _)| !holds) {
                return Err(format!(
                    "{rule}: model {model:?}, backend {config:?}, observed {observed:?}"
                ));
            }
            observed.created_at = Some(config.created_at);
            observed.last_modified_at = Some(config.last_modified_at);
            Ok(())
        }
        (expected, actual) => Err(format!("model {expected:?}, backend lists {actual:?}")),
    }
}
