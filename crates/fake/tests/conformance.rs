//! The fake runs the whole conformance suite and the model test, directly and
//! through `Box` and `Arc<dyn AccessConfigRepository>`.

use std::sync::Arc;

use collab_core::AccessConfigRepository;
use collab_fake::Session;
use collab_testkit::fake::fake_fixture;
use collab_testkit::{Fixture, check_against_model, run_conformance};

fn fixture() -> Fixture<Session> {
    fake_fixture()
}

#[tokio::test]
async fn session_conforms() {
    run_conformance(&fixture()).await;
}

#[tokio::test]
async fn boxed_session_conforms() {
    run_conformance(&fixture().map(Box::new)).await;
}

#[tokio::test]
async fn arc_dyn_session_conforms() {
    let fixture = fixture().map(|s| Arc::new(s) as Arc<dyn AccessConfigRepository>);
    run_conformance(&fixture).await;
}

#[tokio::test]
async fn borrowed_session_conforms() {
    let owned = fixture();
    let borrowed = owned.clone().map(|_| ());
    let fixture = Fixture {
        owner: &owned.owner,
        stranger: &owned.stranger,
        unauthenticated: &owned.unauthenticated,
        owner_name: borrowed.owner_name,
        dataset: borrowed.dataset,
        elsewhere: borrowed.elsewhere,
        other_dataset: borrowed.other_dataset,
        unknown_dataset: borrowed.unknown_dataset,
    };
    run_conformance(&fixture).await;
}

#[test]
fn session_agrees_with_the_model() {
    check_against_model(64, || async { fixture() });
}

#[test]
fn arc_dyn_session_agrees_with_the_model() {
    check_against_model(16, || async {
        fixture().map(|s| Arc::new(s) as Arc<dyn AccessConfigRepository>)
    });
}
