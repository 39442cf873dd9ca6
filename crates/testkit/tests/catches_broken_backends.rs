//! The suite is only worth something if it fails: each test here runs it against a
//! backend broken in one way and expects the rule that names the break.

use async_trait::async_trait;
use collab_core::{
    AccessConfigId, AccessConfigList, AccessConfigRepository, DatasetId, Error, Result,
    ShareRequest,
};
use collab_fake::Session;
use collab_testkit::fake::fake_fixture;
use collab_testkit::{Fixture, check_against_model, conformance, dataset_ids};

#[derive(Debug, Clone, Copy)]
enum Break {
    /// Deletes and recreates on update, so the id changes.
    NewIdOnUpdate,
    /// Adds the request's users to the existing ones instead of replacing them.
    MergeOnUpdate,
    /// Says "not found" where the service says "forbidden".
    HideForbidden,
}

#[derive(Debug, Clone)]
struct Broken {
    inner: Session,
    how: Break,
}

#[async_trait]
impl AccessConfigRepository for Broken {
    async fn create_or_update(
        &self,
        dataset: &DatasetId,
        request: &ShareRequest,
    ) -> Result<AccessConfigId> {
        let current = self
            .inner
            .list(dataset)
            .await
            .ok()
            .and_then(|c| c.first().cloned());
        match (self.how, current) {
            (Break::NewIdOnUpdate, Some(config)) => {
                self.inner.delete(dataset, &config.id).await?;
                self.inner.create_or_update(dataset, request).await
            }
            (Break::MergeOnUpdate, Some(config)) => {
                let users = config.users.iter().chain(request.users());
                let merged = ShareRequest::write(users, request.teams())?;
                self.inner.create_or_update(dataset, &merged).await
            }
            _ => self.hide(self.inner.create_or_update(dataset, request).await),
        }
    }

    async fn delete(&self, dataset: &DatasetId, config: &AccessConfigId) -> Result<()> {
        self.hide(self.inner.delete(dataset, config).await)
    }

    async fn list(&self, dataset: &DatasetId) -> Result<AccessConfigList> {
        self.hide(self.inner.list(dataset).await)
    }
}

impl Broken {
    fn hide<T>(&self, result: Result<T>) -> Result<T> {
        match (self.how, result) {
            (Break::HideForbidden, Err(Error::Forbidden { .. })) => Err(Error::DatasetNotFound {
                dataset: dataset_ids().0,
                request_id: None,
            }),
            (_, result) => result,
        }
    }
}

fn fixture(how: Break) -> Fixture<Broken> {
    fake_fixture().map(|inner| Broken { inner, how })
}

#[tokio::test]
#[should_panic(expected = "an update answers the same id")]
async fn suite_catches_a_new_id_on_update() {
    conformance::update_replaces_and_keeps_identity(&fixture(Break::NewIdOnUpdate)).await;
}

#[tokio::test]
#[should_panic(expected = "users are replaced, not merged")]
async fn suite_catches_merging_updates() {
    conformance::update_replaces_and_keeps_identity(&fixture(Break::MergeOnUpdate)).await;
}

#[tokio::test]
#[should_panic(expected = "a stranger is Forbidden: list answered")]
async fn suite_catches_forbidden_reported_as_not_found() {
    conformance::stranger_is_forbidden_and_changes_nothing(&fixture(Break::HideForbidden)).await;
}

#[test]
#[should_panic(expected = "backend disagrees with the model")]
fn model_test_catches_merging_updates() {
    check_against_model(256, || async { fixture(Break::MergeOnUpdate) });
}

#[test]
#[should_panic(expected = "backend disagrees with the model")]
fn model_test_catches_a_new_id_on_update() {
    check_against_model(256, || async { fixture(Break::NewIdOnUpdate) });
}
