//! `collab serve`: the API over an in-memory store, for offline work.

use std::collections::HashMap;

use collab_core::DatasetId;
use collab_fake::InMemoryStore;
use std::time::Duration;

use collab_server::{BoundServer, ServerConfig, ShutdownSignals, WireMode};
use secrecy::{ExposeSecret, SecretString};

use crate::args::ServeArgs;
use crate::failure::Failure;

/// The demo user's id.
pub const DEMO_USER: &str = "demo";
/// The demo user's token: not a secret, it is printed for people to paste.
pub const DEMO_TOKEN: &str = "demo-token";
/// The demo dataset's id.
pub const DEMO_DATASET: &str = "5f0e4a6b2c1d3e4f5a6b7c8d";

/// The users (name → token) and datasets the server starts with, checked.
struct Population {
    users: Vec<(String, SecretString)>,
    datasets: Vec<(DatasetId, String)>,
}

impl Population {
    fn from_args(args: &ServeArgs) -> Result<Self, Failure> {
        let mut users = args
            .users
            .iter()
            .map(|flag| flag.name_and_token.clone())
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                Failure::Usage(
                    "a --user flag is not NAME=TOKEN with both parts non-empty".to_owned(),
                )
            })?;
        let mut datasets = args.datasets.clone();
        if args.demo {
            users.push((DEMO_USER.to_owned(), SecretString::from(DEMO_TOKEN)));
            let dataset = DEMO_DATASET
                .parse()
                .map_err(|e| Failure::Failed(format!("demo dataset id: {e}")))?;
            datasets.push((dataset, DEMO_USER.to_owned()));
        }
        let mut owners_of_tokens: HashMap<&str, &str> = HashMap::new();
        for (name, token) in &users {
            if let Some(other) = owners_of_tokens.insert(token.expose_secret(), name)
                && other != name
            {
                return Err(Failure::Usage(format!(
                    "users {other:?} and {name:?} have the same token"
                )));
            }
        }
        for (dataset, owner) in &datasets {
            if !users.iter().any(|(name, _)| name == owner) {
                return Err(Failure::Usage(format!(
                    "dataset {dataset} is owned by unknown user {owner:?}: declare it with --user {owner}=TOKEN"
                )));
            }
        }
        Ok(Self { users, datasets })
    }
}

/// Runs the server until SIGINT or SIGTERM, then stops within `--shutdown-grace`; a
/// second signal stops it at once. `wire` chooses the generation of the answers
/// (`--wire`).
pub async fn run(args: ServeArgs, wire: WireMode) -> Result<(), Failure> {
    let population = Population::from_args(&args)?;
    let store = InMemoryStore::new();
    let provider_store = store.clone();
    let mut config = ServerConfig::new(move |user: &str| provider_store.session(user))
        .with_wire_mode(wire)
        .with_header_read_timeout(args.header_timeout.0)
        .with_idle_timeout(args.idle_timeout.0)
        .with_body_read_timeout(args.body_timeout.0)
        .with_write_timeout(args.write_timeout.0)
        .with_max_connections(args.max_connections)
        .with_shutdown_grace(args.shutdown_grace.0);
    for (name, token) in &population.users {
        store.add_user(name.clone());
        config = config.with_user(name.clone(), token.clone());
    }
    for (dataset, owner) in &population.datasets {
        store.add_dataset(*dataset, owner.clone());
    }
    // Listening from before the first line, so that no signal finds the default
    // action (which would end the process without the graceful stop).
    let signals = ShutdownSignals::new()
        .map_err(|e| Failure::Failed(format!("cannot listen for shutdown signals: {e}")))?;
    let server = collab_server::bind(args.listen, config)
        .await
        .map_err(|e| Failure::Failed(format!("cannot listen on {}: {e}", args.listen)))?;
    // The contract's first line names the address bound; the examples use a URL that
    // reaches it (a wildcard address is given as loopback).
    println!("listening on http://{}", server.local_addr());
    let url = server.base_url();
    if args.demo {
        print!("{}", demo_instructions(&url));
    }
    if population.users.is_empty() {
        eprintln!(
            "warning: no users, so every call is unauthorized: pass --user NAME=TOKEN or --demo"
        );
    }
    tracing::info!(%url, %wire, users = population.users.len(), datasets = population.datasets.len(), "serving");
    serve_until_signalled(server, signals, args.shutdown_grace.0).await
}

/// Serves until the first signal, then stops within the grace period; a second
/// signal gives up waiting and ends at once, with a failure.
async fn serve_until_signalled(
    server: BoundServer,
    mut signals: ShutdownSignals,
    grace: Duration,
) -> Result<(), Failure> {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = server.serve(async move {
        let _ = stopped.await;
    });
    tokio::pin!(serving);
    let failed = |e: std::io::Error| Failure::Failed(format!("server failed: {e}"));
    tokio::select! {
        served = &mut serving => return served.map_err(failed),
        signal = signals.recv() => {
            tracing::info!(%signal, grace_ms = grace.as_millis() as u64, "shutting down: a second signal stops at once");
            let _ = stop.send(());
        }
    }
    tokio::select! {
        served = serving => served.map_err(failed),
        signal = signals.recv() => Err(Failure::Failed(format!(
            "{signal} during the shutdown: stopped without waiting for the requests in flight"
        ))),
    }
}

/// The writer of `serve`'s log: lines go in batches to a background thread that
/// writes them to stderr, so that requests never wait for stderr (see
/// [`collab_server::BatchedLog`]: when stderr falls behind, batches are dropped and
/// counted rather than slowing the server down; [`report_dropped_log_lines`] says
/// how many were lost).
pub fn log_writer() -> (collab_server::BatchedLog, collab_server::BatchedLogGuard) {
    // Buffered: the writer thread drains every waiting batch, then flushes.
    collab_server::BatchedLog::new(std::io::BufWriter::new(std::io::stderr()))
}

/// Flushes the log, then says on stderr how many batches of it were dropped, if any.
pub fn report_dropped_log_lines(guard: collab_server::BatchedLogGuard) {
    let dropped = guard.dropped_batches();
    drop(guard);
    if dropped > 0 {
        eprintln!(
            "warning: stderr fell behind: {dropped} batches of log lines (up to {} KiB each) were dropped",
            collab_server::LOG_BATCH_BYTES / 1024
        );
    }
}

/// How to run this binary again, as it was started: `cargo run -q --` under `cargo
/// run` of this package, otherwise the program name it was given (`collab` when found
/// on the `PATH`, the path when started by one), quoted for a shell if it must be.
fn how_to_run() -> String {
    let under_cargo = std::env::var_os("CARGO").is_some()
        && std::env::var("CARGO_PKG_NAME").is_ok_and(|name| name == "collab");
    if under_cargo {
        return "cargo run -q --".to_owned();
    }
    let program = std::env::args_os()
        .next()
        .map(|arg| arg.to_string_lossy().into_owned())
        .filter(|arg| !arg.is_empty())
        .unwrap_or_else(|| "collab".to_owned());
    shell_quoted(&program)
}

fn shell_quoted(word: &str) -> String {
    let plain = word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+:@%".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

fn demo_instructions(url: &str) -> String {
    let collab = how_to_run();
    format!(
        "\
demo user: {DEMO_USER}   token: {DEMO_TOKEN}   dataset: {DEMO_DATASET}

Try it from another shell:
  export LIGHTLY_SERVER_LOCATION={url} LIGHTLY_TOKEN={DEMO_TOKEN}
  {collab} grant {DEMO_DATASET} ann@example.com bob@example.com
  {collab} revoke {DEMO_DATASET} bob@example.com
  {collab} list {DEMO_DATASET}
  curl -s '{url}/v1/datasets/{DEMO_DATASET}/collaboration/access?token={DEMO_TOKEN}'

Press Ctrl-C to stop.
"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_program_name_is_quoted_only_when_a_shell_needs_it() {
        assert_eq!(shell_quoted("collab"), "collab");
        assert_eq!(
            shell_quoted("/usr/local/bin/collab"),
            "/usr/local/bin/collab"
        );
        assert_eq!(
            shell_quoted("/opt/my tools/collab"),
            "'/opt/my tools/collab'"
        );
        assert_eq!(shell_quoted("it's"), "'it'\\''s'");
    }
}
