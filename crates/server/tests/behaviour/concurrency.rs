//! Concurrent create-or-update through the server leaves exactly one config.

use crate::support::{ALICE, DATASET, TestServer};
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_concurrent_shares_of_one_dataset_leave_one_config_and_answer_one_id() {
    let server = TestServer::start().await;
    let url = server.access_url(DATASET);
    let requests = (0..32).map(|n| {
        let (client, url) = (server.client.clone(), url.clone());
        tokio::spawn(async move {
            let response = client
                .post(url)
                .bearer_auth(ALICE)
                .json(&serde_json::json!({"accessType": "WRITE", "users": [format!("user{n}@example.com")]}))
                .send()
                .await
                .expect("request");
            assert_eq!(response.status(), StatusCode::CREATED);
            let body: Value = response.json().await.expect("json");
            body["id"].as_str().expect("id").to_owned()
        })
    });
    let mut ids = Vec::new();
    for request in requests.collect::<Vec<_>>() {
        ids.push(request.await.expect("task"));
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");

    let configs = server.store.configs(&server.dataset).expect("dataset");
    assert_eq!(configs.len(), 1, "{configs:?}");
    assert_eq!(configs[0].id.to_string(), ids[0]);
    // The last write won whole: one of the requests' lists, not a mix.
    assert_eq!(configs[0].users.len(), 1, "{configs:?}");
}
