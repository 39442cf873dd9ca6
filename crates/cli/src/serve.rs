//! `collab serve`: the API over an in-memory store, or over a durable store file with
//! `--data`, for offline work; users, datasets and configs from flags and `--seed`.

use std::path::Path;
use std::time::Duration;

use collab_core::{DatasetId, Timestamp};
use collab_fake::InMemoryStore;
use collab_server::{BoundServer, RepositoryProvider, ServerConfig, ShutdownSignals, WireMode};
use collab_store::{DatasetFixture, DurableStore, Fixtures, UserFixture};
use secrecy::ExposeSecret;

use crate::args::ServeArgs;
use crate::failure::Failure;

/// The demo user's id.
pub const DEMO_USER: &str = "demo";
/// The demo user's token: not a secret, it is printed for people to paste.
pub const DEMO_TOKEN: &str = "demo-token";
/// The demo dataset's id.
pub const DEMO_DATASET: &str = "5f0e4a6b2c1d3e4f5a6b7c8d";

/// Where the flags' users and datasets come from, in fixture errors.
const COMMAND_LINE: &str = "the command line";

/// The users and datasets of `--user`, `--dataset` and `--demo`, as fixtures.
fn flag_fixtures(args: &ServeArgs) -> Result<Fixtures, Failure> {
    let mut users = args
        .users
        .iter()
        .map(|flag| {
            flag.name_and_token
                .as_ref()
                .map(|(name, token)| UserFixture {
                    name: name.clone(),
                    token: Some(token.expose_secret().to_owned()),
                })
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| {
            Failure::Usage("a --user flag is not NAME=TOKEN with both parts non-empty".to_owned())
        })?;
    let mut datasets: Vec<DatasetFixture> = args
        .datasets
        .iter()
        .map(|(id, owner)| DatasetFixture {
            id: *id,
            owner: owner.clone(),
            configs: Vec::new(),
        })
        .collect();
    if args.demo {
        users.push(UserFixture {
            name: DEMO_USER.to_owned(),
            token: Some(DEMO_TOKEN.to_owned()),
        });
        let id: DatasetId = DEMO_DATASET
            .parse()
            .map_err(|e| Failure::Failed(format!("demo dataset id: {e}")))?;
        datasets.push(DatasetFixture {
            id,
            owner: DEMO_USER.to_owned(),
            configs: Vec::new(),
        });
    }
    Ok(Fixtures { users, datasets })
}

/// The flags' fixtures and `--seed`'s (`file`), checked together; `known_user` tells
/// the users a `--data` store already has.
fn wanted(
    args: &ServeArgs,
    file: Option<&Fixtures>,
    known_user: impl Fn(&str) -> bool,
) -> Result<Fixtures, Failure> {
    let flags = flag_fixtures(args)?;
    let seed_origin = args
        .seed
        .as_deref()
        .map(|path| path.display().to_string())
        .unwrap_or_default();
    let origins = std::iter::once((COMMAND_LINE, &flags))
        .chain(file.map(|file| (seed_origin.as_str(), file)));
    Fixtures::combine(origins, known_user).map_err(|e| Failure::Usage(e.to_string()))
}

/// The `--seed` file, parsed, if one was given.
fn seed_file(args: &ServeArgs) -> Result<Option<Fixtures>, Failure> {
    args.seed.as_deref().map(read_fixtures).transpose()
}

/// A fixture file, parsed; a bad one is a usage error naming the file.
pub(crate) fn read_fixtures(path: &Path) -> Result<Fixtures, Failure> {
    Fixtures::from_file(path).map_err(|e| Failure::Usage(e.to_string()))
}

/// A store file, opened; a refusal (not a store, locked, read-only, newer) fails the
/// command (exit 1) with the store's own message.
pub(crate) fn open_store(path: &Path) -> Result<DurableStore, Failure> {
    DurableStore::open(path).map_err(|e| Failure::Failed(format!("cannot use the store: {e}")))
}

/// Runs the server until SIGINT or SIGTERM, then stops within `--shutdown-grace`; a
/// second signal stops it at once. `wire` chooses the generation of the answers
/// (`--wire`).
pub async fn run(args: ServeArgs, wire: WireMode) -> Result<(), Failure> {
    match args.data.clone() {
        Some(path) => run_durable(args, &path, wire).await,
        None => run_in_memory(args, wire).await,
    }
}

async fn run_in_memory(args: ServeArgs, wire: WireMode) -> Result<(), Failure> {
    let file = seed_file(&args)?;
    let fixtures = wanted(&args, file.as_ref(), |_| false)?;
    let store = InMemoryStore::new();
    let now = Timestamp::now();
    for user in &fixtures.users {
        store.add_user(user.name.clone());
    }
    for dataset in &fixtures.datasets {
        store.add_dataset(dataset.id, dataset.owner.clone());
        for config in &dataset.configs {
            let config = config.to_config(&dataset.owner, now, || store.fresh_config_id());
            store.put_config(&dataset.id, config);
        }
    }
    let mut notes = Vec::new();
    if let Some(seed) = &args.seed {
        let configs: usize = fixtures.datasets.iter().map(|d| d.configs.len()).sum();
        notes.push(format!(
            "seeded from {}: {} users, {} datasets, {} configs (in memory: gone when the server stops)",
            seed.display(),
            fixtures.users.len(),
            fixtures.datasets.len(),
            configs
        ));
    }
    let users = tokens_of(fixtures.users.into_iter().map(|u| (u.name, u.token)));
    let provider = move |user: &str| store.session(user);
    serve(&args, provider, wire, users, notes).await
}

async fn run_durable(args: ServeArgs, path: &Path, wire: WireMode) -> Result<(), Failure> {
    // A malformed seed file or bad flags are refused before the store is touched.
    let file = seed_file(&args)?;
    flag_fixtures(&args)?;
    if !path.exists() {
        // A new store knows no users: check before the file is made.
        wanted(&args, file.as_ref(), |_| false)?;
    }
    let store = open_store(path)?;
    let stored = store.users().map_err(|e| Failure::Failed(e.to_string()))?;
    let fixtures = wanted(&args, file.as_ref(), |name| {
        stored.iter().any(|user| user.name == name)
    })?;
    let report = store
        .seed(&fixtures)
        .map_err(|e| Failure::Failed(format!("cannot seed the store: {e}")))?;
    let counts = store.counts().map_err(|e| Failure::Failed(e.to_string()))?;
    let mut notes = vec![format!(
        "state: {} (durable store: {counts})",
        store.path().display()
    )];
    if let Some(seed) = &args.seed {
        notes.push(format!("seeded from {}: {report}", seed.display()));
    } else if report.added != Default::default() || !report.notes.is_empty() {
        notes.push(format!("from the command line: {report}"));
    }
    let stored = store.users().map_err(|e| Failure::Failed(e.to_string()))?;
    let users = tokens_of(stored.into_iter().map(|user| {
        let token = user.token.map(|token| token.expose_secret().to_owned());
        (user.name, token)
    }));
    let provider = move |user: &str| store.session(user);
    serve(&args, provider, wire, users, notes).await
}

/// The users that have a token: the ones a server can authenticate.
fn tokens_of(users: impl IntoIterator<Item = (String, Option<String>)>) -> Vec<(String, String)> {
    users
        .into_iter()
        .filter_map(|(name, token)| Some((name, token?)))
        .collect()
}

/// Binds, prints the contract's first line and then `notes`, and serves.
async fn serve<P: RepositoryProvider>(
    args: &ServeArgs,
    provider: P,
    wire: WireMode,
    users: Vec<(String, String)>,
    notes: Vec<String>,
) -> Result<(), Failure> {
    let user_count = users.len();
    let mut config = ServerConfig::new(provider).with_wire_mode(wire);
    for (name, token) in users {
        config = config.with_user(name, token);
    }
    config = config
        .with_header_read_timeout(args.header_timeout.0)
        .with_idle_timeout(args.idle_timeout.0)
        .with_body_read_timeout(args.body_timeout.0)
        .with_request_timeout(args.request_timeout.0)
        .with_write_timeout(args.write_timeout.0)
        .with_max_connections(args.max_connections)
        .with_shutdown_grace(args.shutdown_grace.0);
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
    for note in &notes {
        println!("{note}");
    }
    if args.demo {
        print!("{}", demo_instructions(&url));
    }
    if user_count == 0 {
        eprintln!(
            "warning: no users, so every call is unauthorized: pass --user NAME=TOKEN or --demo"
        );
    }
    tracing::info!(%url, %wire, users = user_count, "serving");
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
