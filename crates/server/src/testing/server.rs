//! A server for Rust tests: [`TestServer`].

use std::fmt;
use std::io;
use std::net::SocketAddr;

use collab_core::DatasetId;
use collab_core::admin::{fresh_dataset_id, fresh_token};
use collab_core::fixtures::{DatasetFixture, Fixtures, UserFixture};
use collab_fake::InMemoryStore;

use super::ControlClient;
use crate::{ServerConfig, ServerHandle, WireMode, bind};

/// The name of the user every [`TestServer`] starts with.
const TEST_USER: &str = "alice";

/// A `collab serve` in-process: the API and its control plane over a fresh in-memory
/// fake, on an ephemeral loopback port, with a user (`alice`), her token and a
/// dataset she owns ready, and the control plane opened with a fresh admin token.
///
/// The same surface as the binary: what a test does here works against `collab serve`
/// too, through [`ControlClient`]. Dropping it stops the server (without waiting);
/// [`shutdown`](Self::shutdown) waits.
pub struct TestServer {
    handle: ServerHandle,
    store: InMemoryStore,
    control: ControlClient,
    admin_token: String,
    user: String,
    token: String,
    dataset: DatasetId,
}

/// Settings of a [`TestServer`]: [`TestServer::builder`].
pub struct TestServerBuilder {
    fixtures: Fixtures,
    wire_mode: WireMode,
    journal_size: usize,
    configure: Box<dyn FnOnce(ServerConfig<Sessions>) -> ServerConfig<Sessions> + Send>,
}

/// The provider of a [`TestServer`]: sessions of its fake.
pub type Sessions = Box<dyn Fn(&str) -> collab_fake::Session + Send + Sync>;

impl TestServer {
    /// Starts a server with `alice`, a fresh token and a fresh dataset she owns.
    pub async fn start() -> io::Result<Self> {
        Self::builder().start().await
    }

    /// A server to set up before it starts.
    pub fn builder() -> TestServerBuilder {
        TestServerBuilder {
            fixtures: Fixtures::default(),
            wire_mode: WireMode::Auto,
            journal_size: crate::DEFAULT_JOURNAL_SIZE,
            configure: Box::new(|config| config),
        }
    }

    /// The base URL, such as `http://127.0.0.1:40123`: `LIGHTLY_SERVER_LOCATION` for a
    /// client under test.
    pub fn url(&self) -> String {
        self.handle.base_url()
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.handle.local_addr()
    }

    /// The list and create-or-update URL of `dataset`.
    pub fn access_url(&self, dataset: &DatasetId) -> String {
        format!("{}/v1/datasets/{dataset}/collaboration/access", self.url())
    }

    /// The user the server starts with (`alice`).
    pub fn user(&self) -> &str {
        &self.user
    }

    /// That user's API token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The dataset that user owns.
    pub fn dataset(&self) -> DatasetId {
        self.dataset
    }

    /// The admin token that opens the control plane.
    pub fn admin_token(&self) -> &str {
        &self.admin_token
    }

    /// The control plane, typed.
    pub fn control(&self) -> &ControlClient {
        &self.control
    }

    /// How many connections the server holds open now (those it answers `503` over its
    /// limit included).
    pub fn open_connections(&self) -> usize {
        self.handle.open_connections()
    }

    /// The fake behind the server, for assertions that bypass the API.
    pub fn store(&self) -> &InMemoryStore {
        &self.store
    }

    /// Stops the server, waiting for the requests in flight.
    pub async fn shutdown(self) {
        self.handle.shutdown().await;
    }
}

impl TestServerBuilder {
    /// Also holds these users, datasets and configs from the start (a reset goes back
    /// to them too).
    pub fn with_fixtures(mut self, fixtures: Fixtures) -> Self {
        self.fixtures = fixtures;
        self
    }

    /// Answers in this generation of the wire (default: each caller in its own).
    pub fn with_wire_mode(mut self, mode: WireMode) -> Self {
        self.wire_mode = mode;
        self
    }

    /// Keeps this many requests in the journal (default
    /// [`DEFAULT_JOURNAL_SIZE`](crate::DEFAULT_JOURNAL_SIZE)).
    pub fn with_journal_size(mut self, size: usize) -> Self {
        self.journal_size = size;
        self
    }

    /// Any other setting of the server's [`ServerConfig`] (timeouts, limits).
    pub fn configure(
        mut self,
        configure: impl FnOnce(ServerConfig<Sessions>) -> ServerConfig<Sessions> + Send + 'static,
    ) -> Self {
        self.configure = Box::new(configure);
        self
    }

    /// Starts the server on `127.0.0.1:0`.
    pub async fn start(self) -> io::Result<TestServer> {
        let token = fresh_token();
        let admin_token = fresh_token();
        let dataset = fresh_dataset_id();
        let ready = Fixtures {
            users: vec![UserFixture::new(TEST_USER, token.clone())],
            datasets: vec![DatasetFixture {
                id: dataset,
                owner: TEST_USER.to_owned(),
                configs: Vec::new(),
            }],
        };
        let start = Fixtures::combine(
            [
                ("the test server", &ready),
                ("the fixtures", &self.fixtures),
            ],
            |_| false,
        )
        .map_err(|error| io::Error::new(io::ErrorKind::InvalidInput, error))?;
        let store = InMemoryStore::new();
        store.restore(&start);
        let start = store
            .snapshot()
            .map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))?;
        let sessions = store.clone();
        let provider: Sessions = Box::new(move |user: &str| sessions.session(user));
        let config = ServerConfig::new(provider)
            .with_wire_mode(self.wire_mode)
            .with_journal_size(self.journal_size)
            .with_state_admin(store.clone(), start)
            .with_admin_token(admin_token.clone());
        let config = (self.configure)(config);
        let handle = bind(SocketAddr::from(([127, 0, 0, 1], 0)), config)
            .await?
            .spawn();
        let control = ControlClient::new(handle.base_url(), admin_token.clone());
        Ok(TestServer {
            handle,
            store,
            control,
            admin_token,
            user: TEST_USER.to_owned(),
            token,
            dataset,
        })
    }
}

impl fmt::Debug for TestServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestServer")
            .field("url", &self.url())
            .field("user", &self.user)
            .field("dataset", &self.dataset)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for TestServerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestServerBuilder")
            .field("wire_mode", &self.wire_mode)
            .field("journal_size", &self.journal_size)
            .finish_non_exhaustive()
    }
}
