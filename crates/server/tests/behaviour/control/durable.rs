//! The control plane over the durable store: a reset or a replaced state is durable
//! like any write.

use collab_core::admin::StateAdmin;
use collab_core::fixtures::{Fixtures, UserFixture};
use collab_server::testing::ControlClient;
use collab_server::{ServerConfig, bind};
use collab_store::DurableStore;
use serde_json::json;

#[tokio::test]
async fn reset_and_put_state_are_durable_with_the_store() {
    let folder = std::env::temp_dir().join(format!("collab-control-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let path = folder.join("state.db");
    let _ = std::fs::remove_file(&path);
    let dataset = "0123456789abcdef01234567".parse().unwrap();
    {
        let store = DurableStore::open(&path).unwrap();
        store
            .replace(&Fixtures {
                users: vec![UserFixture::new("alice", "alice-token")],
                datasets: vec![collab_core::fixtures::DatasetFixture {
                    id: dataset,
                    owner: "alice".into(),
                    configs: Vec::new(),
                }],
            })
            .unwrap();
        let start = StateAdmin::export(&store).await.unwrap();
        let sessions = store.clone();
        let config = ServerConfig::new(move |user: &str| sessions.session(user))
            .with_state_admin(store.clone(), start)
            .with_admin_token("admin-secret");
        let handle = bind("127.0.0.1:0".parse().unwrap(), config)
            .await
            .unwrap()
            .spawn();
        let control = ControlClient::new(handle.base_url(), "admin-secret");
        let added = control.add_user("bob", None).await.unwrap();
        let shared = reqwest::Client::new()
            .post(format!(
                "{}/v1/datasets/{dataset}/collaboration/access",
                handle.base_url()
            ))
            .bearer_auth("alice-token")
            .json(&json!({"accessType": "WRITE", "users": ["ann@example.com"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(shared.status(), 201);
        let with_config = control.state().await.unwrap();
        assert_eq!(with_config.dataset(&dataset).unwrap().configs.len(), 1);
        assert!(with_config.user("bob").is_some(), "{:?}", added.name);
        control.reset().await.unwrap();
        handle.shutdown().await;
    }
    // Reopened: the reset is what the file holds.
    let store = DurableStore::open(&path).unwrap();
    let after = StateAdmin::export(&store).await.unwrap();
    assert!(after.user("bob").is_none());
    assert!(after.dataset(&dataset).unwrap().configs.is_empty());
    drop(store);
    let _ = std::fs::remove_dir_all(&folder);
}
