//! `collab serve`: the API over an in-memory store, or over a durable store file with
//! `--data`, for offline work; users, datasets and configs from flags and `--seed`.

use std::path::Path;
use std::time::Duration;

use collab_core::DatasetId;
use collab_core::admin::StateAdmin;
use collab_fake::InMemoryStore;
use collab_faults::{FaultRule, parse_rules};
use collab_server::{BoundServer, ServerConfig, WireMode};
use collab_store::{DatasetFixture, DurableStore, Fixtures, UserFixture};
use secrecy::{ExposeSecret, SecretString};

use crate::args::ServeArgs;
use crate::failure::Failure;
use crate::logging::BatchedAccessLog;
use crate::signals::ShutdownSignals;

/// The demo user's id.
pub(crate) const DEMO_USER: &str = "demo";
/// The demo user's token: not a secret, it is printed for people to paste.
pub(crate) const DEMO_TOKEN: &str = "demo-token";
/// The demo's admin token (`--demo` without `--admin-token`): not a secret either, it
/// is printed for people to paste, like the demo user's.
pub(crate) const DEMO_ADMIN_TOKEN: &str = "demo-admin-token";
/// The demo dataset's id.
pub(crate) const DEMO_DATASET: &str = "5f0e4a6b2c1d3e4f5a6b7c8d";

/// The users and datasets of `--user`, `--dataset` and `--demo`, as fixtures, each
/// flag its own origin so that an error names the flag.
fn flag_fixtures(args: &ServeArgs) -> Result<Vec<(String, Fixtures)>, Failure> {
    let mut origins = Vec::new();
    for flag in &args.users {
        let Some((name, token)) = &flag.name_and_token else {
            return Err(Failure::Usage(match &flag.without_token {
                Some(text) => format!(
                    "--user {text:?} is not NAME=TOKEN: give the user's API token after an =, as in --user {text}=TOKEN"
                ),
                None => "a --user flag is not NAME=TOKEN with both parts non-empty".to_owned(),
            }));
        };
        let user = UserFixture::new(name.clone(), token.expose_secret().to_owned());
        origins.push((
            format!("--user {name}=…"),
            Fixtures {
                users: vec![user],
                datasets: Vec::new(),
            },
        ));
    }
    for (id, owner) in &args.datasets {
        origins.push((
            format!("--dataset {id}={owner}"),
            Fixtures {
                users: Vec::new(),
                datasets: vec![DatasetFixture {
                    id: *id,
                    owner: owner.clone(),
                    configs: Vec::new(),
                }],
            },
        ));
    }
    if args.demo {
        let id: DatasetId = DEMO_DATASET
            .parse()
            .map_err(|e| Failure::Failed(format!("demo dataset id: {e}")))?;
        origins.push((
            "--demo".to_owned(),
            Fixtures {
                users: vec![UserFixture::new(DEMO_USER, DEMO_TOKEN)],
                datasets: vec![DatasetFixture {
                    id,
                    owner: DEMO_USER.to_owned(),
                    configs: Vec::new(),
                }],
            },
        ));
    }
    Ok(origins)
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
    let origins = flags
        .iter()
        .map(|(origin, fixtures)| (origin.as_str(), fixtures))
        .chain(file.map(|file| (seed_origin.as_str(), file)));
    Fixtures::combine(origins, known_user).map_err(|e| Failure::Usage(e.to_string()))
}

/// The `--faults` file's rules, checked whole; a bad file is a usage error (exit 2)
/// naming the file and the field.
fn fault_rules(args: &ServeArgs) -> Result<Vec<FaultRule>, Failure> {
    let Some(path) = &args.faults else {
        return Ok(Vec::new());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::Usage(format!("{}: cannot read it: {e}", path.display())))?;
    parse_rules(&text, &path.display().to_string()).map_err(|e| Failure::Usage(e.to_string()))
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
pub(crate) async fn run(
    args: ServeArgs,
    wire: WireMode,
    access_log: Option<BatchedAccessLog>,
) -> Result<(), Failure> {
    // A bad rules file or admin token is refused before anything is read or served.
    let controls = Controls {
        admin_token: admin_token(&args)?,
        faults: fault_rules(&args)?,
        access_log,
    };
    match args.data.clone() {
        Some(path) => run_durable(args, &path, wire, controls).await,
        None => run_in_memory(args, wire, controls).await,
    }
}

async fn run_in_memory(args: ServeArgs, wire: WireMode, controls: Controls) -> Result<(), Failure> {
    let file = seed_file(&args)?;
    let fixtures = wanted(&args, file.as_ref(), |_| false)?;
    let store = InMemoryStore::new();
    store.restore(&fixtures);
    let start = store
        .snapshot()
        .map_err(|e| Failure::Failed(format!("cannot read the state back: {e}")))?;
    let mut notes = Vec::new();
    if let Some(seed) = &args.seed {
        notes.push(format!(
            "seeded from {}: {} users, {} datasets, {} configs (in memory: gone when the server stops)",
            seed.display(),
            fixtures.users.len(),
            fixtures.datasets.len(),
            fixtures.config_count()
        ));
    }
    let state = StartState {
        admin: store,
        start,
        controls,
    };
    serve(&args, |store, user| store.session(user), wire, state, notes).await
}

async fn run_durable(
    args: ServeArgs,
    path: &Path,
    wire: WireMode,
    controls: Controls,
) -> Result<(), Failure> {
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
    let start = store
        .export()
        .map_err(|e| Failure::Failed(format!("cannot read the store: {e}")))?;
    let state = StartState {
        admin: store,
        start,
        controls,
    };
    serve(&args, |store, user| store.session(user), wire, state, notes).await
}

/// What the control plane starts with: the store's administrative side, the state
/// a reset goes back to, and the flags that steer it.
struct StartState<A> {
    admin: A,
    start: Fixtures,
    controls: Controls,
}

/// The control plane's flags (the admin token and the fault rules armed at start) and
/// the access log.
struct Controls {
    admin_token: Option<SecretString>,
    faults: Vec<FaultRule>,
    /// Where the access lines go, when not as events (see `logging::init`).
    access_log: Option<BatchedAccessLog>,
}

/// The admin token: `--admin-token` (or `COLLAB_ADMIN_TOKEN`), else the demo's with
/// `--demo`.
fn admin_token(args: &ServeArgs) -> Result<Option<SecretString>, Failure> {
    match (&args.admin_token, args.demo) {
        (Some(token), _) if token.expose_secret().trim().is_empty() => {
            Err(Failure::Usage("--admin-token is empty".to_owned()))
        }
        (Some(token), _) => Ok(Some(token.clone())),
        (None, true) => Ok(Some(SecretString::from(DEMO_ADMIN_TOKEN))),
        (None, false) => Ok(None),
    }
}

fn refuse_admin_token_of_a_user(token: &SecretString, state: &Fixtures) -> Result<(), Failure> {
    match state
        .users
        .iter()
        .find(|user| user.token() == Some(token.expose_secret()))
    {
        Some(user) => Err(Failure::Usage(format!(
            "the admin token is the API token of user {:?}: the admin token must be no user's",
            user.name
        ))),
        None => Ok(()),
    }
}

/// Binds, prints the contract's first line and then `notes`, and serves the store of
/// `state`, each request through the `session` of its user.
async fn serve<A, R>(
    args: &ServeArgs,
    session: fn(&A, &str) -> R,
    wire: WireMode,
    state: StartState<A>,
    notes: Vec<String>,
) -> Result<(), Failure>
where
    A: StateAdmin + Clone + Send + Sync + 'static,
    R: collab_core::AccessConfigRepository + 'static,
{
    let StartState {
        admin,
        start,
        controls,
    } = state;
    if let Some(token) = &controls.admin_token {
        refuse_admin_token_of_a_user(token, &start)?;
    }
    let sessions = admin.clone();
    let provider = move |user: &str| session(&sessions, user);
    let user_count = start
        .users
        .iter()
        .filter(|user| user.token.is_some())
        .count();
    let demo_admin_token = controls
        .admin_token
        .as_ref()
        .filter(|_| args.demo && args.admin_token.is_none())
        .map(|token| token.expose_secret().to_owned());
    let mut config = ServerConfig::new(provider)
        .with_wire_mode(wire)
        .with_state_admin(admin, start)
        .with_journal_size(args.journal_size)
        .with_faults(controls.faults)
        .with_header_read_timeout(args.header_timeout.0)
        .with_idle_timeout(args.idle_timeout.0)
        .with_body_read_timeout(args.body_timeout.0)
        .with_request_timeout(args.request_timeout.0)
        .with_write_timeout(args.write_timeout.0)
        .with_max_connections(args.max_connections)
        .with_shutdown_grace(args.shutdown_grace.0);
    if let Some(access_log) = controls.access_log {
        config = config.with_access_log(access_log);
    }
    if let Some(token) = controls.admin_token {
        config = config.with_admin_token(token);
    }
    // Listening from before the first line, so that no signal finds the default
    // action (which would end the process without the graceful stop).
    let signals = ShutdownSignals::new()
        .map_err(|e| Failure::Failed(format!("cannot listen for shutdown signals: {e}")))?;
    let server = config
        .build()
        .map_err(|e| Failure::Failed(format!("cannot serve: {e}")))?
        .bind(args.listen)
        .await
        .map_err(|e| Failure::Failed(format!("cannot listen on {}: {e}", args.listen)))?;
    // The contract's first line names the address bound; the examples use a URL that
    // reaches it (a wildcard address is given as loopback).
    let url = server.base_url();
    let mut banner = format!("listening on http://{}\n", server.local_addr());
    for note in &notes {
        banner.push_str(note);
        banner.push('\n');
    }
    if args.demo {
        banner.push_str(&demo_instructions(&url, demo_admin_token.as_deref()));
    }
    crate::output::announce(&banner);
    if user_count == 0 {
        eprintln!(
            "warning: no users, so every call is unauthorized: pass --user NAME=TOKEN or --demo"
        );
    }
    tracing::info!(%url, %wire, users = user_count, "serving");
    let parent_gone = args.exit_with_parent.then(stdin_closed);
    serve_until_signalled(server, signals, parent_gone, args.shutdown_grace.0).await
}

/// `--exit-with-parent`: resolves when stdin reaches end-of-file (or cannot be read),
/// which happens when every process holding the pipe's write end has ended, however
/// it ended. A plain thread rather than tokio's stdin, whose blocking read would hold
/// the runtime's shutdown until stdin closes.
fn stdin_closed() -> tokio::sync::oneshot::Receiver<()> {
    let (closed, on_close) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        use std::io::Read;
        let mut stdin = std::io::stdin().lock();
        let mut buffer = [0u8; 512];
        // Whatever the parent writes is ignored: only the end matters.
        loop {
            match stdin.read(&mut buffer) {
                Ok(0) => break,
                Err(e) if e.kind() != std::io::ErrorKind::Interrupted => break,
                Ok(_) | Err(_) => {}
            }
        }
        let _ = closed.send(());
    });
    on_close
}

/// Serves until the first signal (or, with `--exit-with-parent`, until stdin
/// closes), then stops within the grace period; a second signal gives up waiting and
/// ends at once, with a failure.
async fn serve_until_signalled(
    server: BoundServer,
    mut signals: ShutdownSignals,
    parent_gone: Option<tokio::sync::oneshot::Receiver<()>>,
    grace: Duration,
) -> Result<(), Failure> {
    let parent_gone = async move {
        match parent_gone {
            Some(closed) => {
                let _ = closed.await;
            }
            None => std::future::pending().await,
        }
    };
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
        () = parent_gone => {
            tracing::info!(grace_ms = grace.as_millis() as u64, "shutting down: stdin closed (--exit-with-parent)");
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

fn demo_instructions(url: &str, admin_token: Option<&str>) -> String {
    let collab = how_to_run();
    let (control, peek) = match admin_token {
        Some(token) => (
            format!("admin token: {token}   dashboard: {url}/_collab/#token={token}\n"),
            format!("  curl -s -H 'Authorization: Bearer {token}' {url}/_collab/requests\n"),
        ),
        None => (
            format!("dashboard: {url}/_collab/ (open it with the --admin-token you gave)\n"),
            String::new(),
        ),
    };
    format!(
        "\
demo user: {DEMO_USER}   token: {DEMO_TOKEN}   dataset: {DEMO_DATASET}
{control}
Try it from another shell:
  export LIGHTLY_SERVER_LOCATION={url} LIGHTLY_TOKEN={DEMO_TOKEN}
  {collab} grant {DEMO_DATASET} ann@example.com bob@example.com
  {collab} revoke {DEMO_DATASET} bob@example.com
  {collab} list {DEMO_DATASET}
  curl -s '{url}/v1/datasets/{DEMO_DATASET}/collaboration/access?token={DEMO_TOKEN}'
{peek}
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

    #[test]
    fn the_demo_banner_links_the_dashboard_with_the_demo_token_only() {
        let url = "http://127.0.0.1:8080";
        let demo = demo_instructions(url, Some("demo-admin-token"));
        assert!(
            demo.contains(
                "admin token: demo-admin-token   dashboard: http://127.0.0.1:8080/_collab/#token=demo-admin-token\n"
            ),
            "{demo}"
        );
        // A token of the user's own is never printed, in the link or elsewhere.
        let own = demo_instructions(url, None);
        assert!(
            own.contains("dashboard: http://127.0.0.1:8080/_collab/ (open it with the --admin-token you gave)\n"),
            "{own}"
        );
        assert!(!own.contains("#token="), "{own}");
    }
}
