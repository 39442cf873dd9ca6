//! The durable store runs the whole conformance suite and the model test, directly,
//! through `Arc<dyn AccessConfigRepository>`, and after being closed and reopened.

mod support;

use std::sync::Arc;

use collab_core::AccessConfigRepository;
use collab_testkit::{Fixture, check_against_model, run_conformance};
use support::{Scratch, durable_fixture, populated_store};

#[tokio::test]
async fn session_conforms() {
    let scratch = Scratch::new("conforms");
    run_conformance(&durable_fixture(&scratch.fresh_file())).await;
}

#[tokio::test]
async fn arc_dyn_session_conforms() {
    let scratch = Scratch::new("conforms-dyn");
    let fixture = durable_fixture(&scratch.fresh_file())
        .map(|s| Arc::new(s) as Arc<dyn AccessConfigRepository>);
    run_conformance(&fixture).await;
}

#[tokio::test]
async fn a_reopened_store_conforms() {
    let scratch = Scratch::new("conforms-reopened");
    let path = scratch.fresh_file();
    drop(populated_store(&path));
    let store = collab_store::DurableStore::open(&path).unwrap();
    let fixture = Fixture::standard(
        store.session(collab_testkit::OWNER),
        store.session(collab_testkit::STRANGER),
        store.session("mallory"),
    );
    run_conformance(&fixture).await;
}

#[test]
fn session_agrees_with_the_model() {
    let scratch = Scratch::new("model");
    check_against_model(24, || async { durable_fixture(&scratch.fresh_file()) });
}

#[test]
fn arc_dyn_session_agrees_with_the_model() {
    let scratch = Scratch::new("model-dyn");
    check_against_model(8, || async {
        durable_fixture(&scratch.fresh_file())
            .map(|s| Arc::new(s) as Arc<dyn AccessConfigRepository>)
    });
}
