//! Helpers shared by the server's behaviour tests, defined once: a server over the
//! fake on an ephemeral loopback port, backends that misbehave on purpose, raw
//! HTTP/1.1, and the bounded waits.

pub(crate) mod backends;
pub(crate) mod poll;
pub(crate) mod raw;

use collab_core::{ApiErrorCode, ApiErrorResponse, DatasetId};
use collab_fake::InMemoryStore;
use collab_server::{RepositoryProvider, ServerConfig, ServerHandle, bind};
use reqwest::{Response, StatusCode};

/// The dataset alice owns.
pub(crate) const DATASET: &str = "0123456789abcdef01234567";
/// A well-formed id no dataset has.
pub(crate) const UNKNOWN_DATASET: &str = "ffffffffffffffffffffffff";
/// A well-formed id no config has.
pub(crate) const UNKNOWN_CONFIG: &str = "eeeeeeeeeeeeeeeeeeeeeeee";
/// alice's token: she owns [`DATASET`].
pub(crate) const ALICE: &str = "alice-token-3f9c";
/// bob's token: a known user who owns nothing.
pub(crate) const BOB: &str = "bob-token-77ad";
/// A token the server knows for a user the store does not.
pub(crate) const GHOST: &str = "ghost-token-0000";

/// A server over a fresh in-memory store holding [`DATASET`], owned by alice.
pub(crate) struct TestServer {
    pub(crate) handle: ServerHandle,
    pub(crate) store: InMemoryStore,
    pub(crate) dataset: DatasetId,
    pub(crate) client: reqwest::Client,
}

/// The users every test server knows.
pub(crate) fn with_test_users<P>(config: ServerConfig<P>) -> ServerConfig<P> {
    config
        .with_user("alice", ALICE)
        .with_user("bob", BOB)
        .with_user("ghost", GHOST)
}

impl TestServer {
    pub(crate) async fn start() -> Self {
        Self::start_with(|config| config).await
    }

    /// Starts with extra settings applied to the config.
    pub(crate) async fn start_with(
        configure: impl FnOnce(ServerConfig<StoreProvider>) -> ServerConfig<StoreProvider>,
    ) -> Self {
        let store = InMemoryStore::new();
        let dataset: DatasetId = DATASET.parse().expect("valid id");
        store.add_dataset(dataset, "alice");
        store.add_user("bob");
        let config = configure(with_test_users(ServerConfig::new(StoreProvider(
            store.clone(),
        ))));
        Self {
            handle: spawn(config).await,
            store,
            dataset,
            client: reqwest::Client::new(),
        }
    }

    /// `base_url` + `path`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.handle.base_url())
    }

    /// The list / create URL of a dataset id (any text).
    pub(crate) fn access_url(&self, dataset: &str) -> String {
        self.url(&format!("/v1/datasets/{dataset}/collaboration/access"))
    }

    /// The delete URL of a config.
    pub(crate) fn config_url(&self, dataset: &str, config: &str) -> String {
        self.url(&format!(
            "/v1/datasets/{dataset}/collaboration/access/{config}"
        ))
    }

    /// Shares [`DATASET`] as alice; returns the config id.
    pub(crate) async fn share(&self, users: &[&str]) -> String {
        let response = self
            .client
            .post(self.access_url(DATASET))
            .bearer_auth(ALICE)
            .json(&serde_json::json!({"accessType": "WRITE", "users": users}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: serde_json::Value = response.json().await.expect("json");
        body["id"].as_str().expect("id").to_owned()
    }
}

/// The provider over the fake (a named type so that test configs can be written down).
#[derive(Clone)]
pub(crate) struct StoreProvider(pub(crate) InMemoryStore);

impl RepositoryProvider for StoreProvider {
    type Repository = collab_fake::Session;
    fn for_user(&self, user: &str) -> Self::Repository {
        self.0.session(user)
    }
}

/// Binds 127.0.0.1 on an ephemeral port and serves `config` on a task.
pub(crate) async fn spawn<P: RepositoryProvider>(config: ServerConfig<P>) -> ServerHandle {
    bind("127.0.0.1:0".parse().expect("addr"), config)
        .await
        .expect("bind")
        .spawn()
}

/// The URL of the test dataset's configs on a spawned server.
pub(crate) fn list_url(server: &ServerHandle) -> String {
    format!(
        "{}/v1/datasets/{DATASET}/collaboration/access",
        server.base_url()
    )
}

/// Lists the test dataset's configs on a spawned server, as alice.
pub(crate) async fn list_as_alice(server: &ServerHandle) -> reqwest::Response {
    reqwest::Client::new()
        .get(list_url(server))
        .bearer_auth(ALICE)
        .send()
        .await
        .expect("request")
}

/// Asserts the response is `status` with a JSON `ApiErrorResponse` of `code`; returns it.
pub(crate) async fn expect_error(
    response: Response,
    status: StatusCode,
    code: ApiErrorCode,
) -> ApiErrorResponse {
    assert_eq!(response.status(), status, "status");
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(content_type, "application/json", "content type");
    let text = response.text().await.expect("body");
    let body: ApiErrorResponse = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("not an ApiErrorResponse ({e}): {text}"));
    assert_eq!(body.code, code, "code in {text}");
    assert!(!body.message.is_empty(), "empty message in {text}");
    body
}
