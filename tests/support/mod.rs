//! Shared set-up of the end-to-end tests (the `cli` and `python_clients` binaries),
//! defined once: an in-process server over the fake on an ephemeral loopback port, the
//! real `collab` binary run against it, `collab serve` as a child process, and the
//! bounded waits (`poll`).

#![allow(dead_code, unreachable_pub, unused_imports)]

pub mod poll;
pub mod python;
pub mod recorded;
pub mod served;

pub use served::ServeProcess;

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use collab::core::DatasetId;
use collab::fake::{InMemoryStore, ManualClock};
use collab::server::{ServerConfig, ServerHandle};

pub const ALICE_TOKEN: &str = "alice-secret-token-1";
pub const BOB_TOKEN: &str = "bob-secret-token-2";
pub const DATASET: &str = "5f0e4a6b2c1d3e4f5a6b7c8d";
pub const UNKNOWN_DATASET: &str = "aaaaaaaaaaaaaaaaaaaaaaaa";

/// A running server over a fake where alice owns [`DATASET`] and bob owns nothing.
pub struct Api {
    pub store: InMemoryStore,
    pub clock: ManualClock,
    pub server: ServerHandle,
}

pub fn dataset() -> DatasetId {
    DATASET.parse().unwrap()
}

impl Api {
    pub async fn start() -> Self {
        let clock = ManualClock::new(collab::core::Timestamp::from_millis(1_700_000_000_000));
        let store = InMemoryStore::with_clock(clock.clone());
        store.add_dataset(dataset(), "alice");
        store.add_user("bob");
        let sessions = store.clone();
        let config = ServerConfig::new(move |user: &str| sessions.session(user))
            .with_user("alice", ALICE_TOKEN)
            .with_user("bob", BOB_TOKEN);
        let server = collab::server::bind("127.0.0.1:0".parse().unwrap(), config)
            .await
            .unwrap()
            .spawn();
        Self {
            store,
            clock,
            server,
        }
    }

    pub fn url(&self) -> String {
        self.server.base_url()
    }

    /// Runs `collab ARGS` as alice.
    pub async fn collab(&self, args: &[&str]) -> Run {
        self.collab_as(Some(ALICE_TOKEN), args).await
    }

    /// Runs `collab ARGS` with this token (or none) against this server.
    pub async fn collab_as(&self, token: Option<&str>, args: &[&str]) -> Run {
        run_collab(&self.url(), token, args).await
    }
}

/// What a run of the binary gave.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        Self {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// The binary with a clean environment: only what the test gives it.
pub fn collab_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_collab"));
    command
        .env_remove("LIGHTLY_TOKEN")
        .env_remove("LIGHTLY_SERVER_LOCATION")
        .env_remove("RUST_LOG")
        .env_remove("REDIS_URL")
        .env_remove("COLLAB_TIMEOUT")
        .env_remove("COLLAB_ADMIN_TOKEN")
        .env_remove("NO_COLOR")
        .env("TZ", "UTC")
        .stdin(Stdio::null());
    command
}

/// Runs the binary off the async runtime (so the in-process server keeps serving),
/// bounded in time.
pub async fn run_collab(url: &str, token: Option<&str>, args: &[&str]) -> Run {
    let mut command = collab_command();
    command.env("LIGHTLY_SERVER_LOCATION", url).args(args);
    if let Some(token) = token {
        command.env("LIGHTLY_TOKEN", token);
    }
    let run = tokio::task::spawn_blocking(move || command.output());
    let output = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("collab finished within 60 s")
        .unwrap()
        .expect("collab started");
    output.into()
}
