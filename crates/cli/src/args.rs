//! The command line, as `DESIGN.md`'s command-line contract fixes its spellings.
//!
//! Flags live where they apply: [`ClientArgs`] holds the flags of the client commands
//! (list, share, grant, revoke, delete), accepted before the command (`collab --json
//! list D`, the contract's spelling) or after it (`collab list D --json`); `serve` and
//! `completions` neither take nor list them. A new client flag goes in [`ClientArgs`],
//! a new flag of the server in [`ServeArgs`]; only `-v` and `--wire` (which both
//! `serve` and the client commands take) are global.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use clap_complete::Shell;
use collab_core::{AccessConfigId, DatasetId};
use collab_server::WireMode;
use secrecy::SecretString;

/// Manage who a Lightly dataset is shared with, against Lightly's API or against a
/// local `collab serve`.
#[derive(Debug, Parser)]
#[command(
    name = "collab",
    version,
    about,
    long_about = None,
    arg_required_else_help = true,
    after_help = TOP_LEVEL_HELP
)]
pub(crate) struct Cli {
    // Global flags come before the client flags so that they keep the plain
    // "Options" heading.
    /// `-v`: how much to log on stderr.
    #[arg(
        short,
        long,
        global = true,
        action = clap::ArgAction::Count,
        help = "Log on stderr (-v: this tool's debug logs, -vv: also the HTTP stack's, -vvv: everything) [RUST_LOG overrides]"
    )]
    pub(crate) verbose: u8,

    /// `--wire`: the generation of the wire; see [`WireMode`]. Global: it applies to
    /// `serve` and to the client commands alike.
    #[arg(
        long,
        global = true,
        value_name = "GENERATION",
        default_value = "auto",
        value_parser = parse_wire,
        help = "Wire generation (auto, current, 2022): `serve` answers each caller in the one it speaks (auto) or pins one; client commands write today's (auto, current) or the 2022 one"
    )]
    pub(crate) wire: WireMode,

    /// The client flags given before the command.
    #[command(flatten)]
    pub(crate) client: ClientArgs,

    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The environment variable read when `--timeout` is not given.
pub(crate) const TIMEOUT_ENV: &str = "COLLAB_TIMEOUT";
/// The whole command's deadline when neither `--timeout` nor [`TIMEOUT_ENV`] says.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// Flags of the client commands: where the API is, as whom to call it, how to print,
/// how long to wait.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Client options")]
pub(crate) struct ClientArgs {
    /// `--api-url`: the API's base URL; when absent, `LIGHTLY_SERVER_LOCATION`, then
    /// Lightly's.
    #[arg(
        long,
        value_name = "URL",
        help = "Base URL of the API [default: $LIGHTLY_SERVER_LOCATION if set and not empty, else https://api.lightly.ai]"
    )]
    pub(crate) api_url: Option<String>,

    /// `--token`: the API token; when absent, `LIGHTLY_TOKEN`.
    #[arg(
        long,
        value_name = "TOKEN",
        help = "API token, sent as the `token` query parameter [default: $LIGHTLY_TOKEN, trimmed]"
    )]
    pub(crate) token: Option<SecretString>,

    /// Print one JSON document on stdout (see the README); errors become JSON on stderr
    /// (`{"error": {"kind", "message", "requestId" when the service sent one}, "exitCode"}`).
    #[arg(long)]
    pub(crate) json: bool,

    /// `--timeout`: the whole command's deadline, retries included.
    // Not clap's `env`: that would parse the variable for `serve` too, and a bad value
    // there would stop a command that does not use it. `ClientArgs::timeout` reads it.
    #[arg(
        long,
        value_name = "SECS",
        value_parser = parse_timeout,
        help = "The whole command's deadline in seconds, retries included (time spent answering a question does not count) [default: $COLLAB_TIMEOUT, else 20]"
    )]
    pub(crate) timeout: Option<Duration>,

    /// `--redis`: the fleet's Redis; when absent, `REDIS_URL`. Read by
    /// [`ClientArgs::redis_url`], not by clap's `env`, for the reason `--timeout` is.
    #[arg(
        long,
        value_name = "URL",
        help = "Redis URL (e.g. redis://127.0.0.1:6379): grant, revoke and share take a per-dataset lock there, so that concurrent processes lose no change [default: $REDIS_URL if set and not empty]"
    )]
    pub(crate) redis: Option<SecretString>,
}

/// The environment variable read when `--redis` is not given.
pub(crate) const REDIS_URL_ENV: &str = "REDIS_URL";

impl ClientArgs {
    /// These flags, completed by `before` (the flags given before the command): a
    /// value given after the command wins.
    pub(crate) fn or(self, before: ClientArgs) -> ClientArgs {
        ClientArgs {
            api_url: self.api_url.or(before.api_url),
            token: self.token.or(before.token),
            json: self.json || before.json,
            timeout: self.timeout.or(before.timeout),
            redis: self.redis.or(before.redis),
        }
    }

    /// The fleet's Redis URL: `--redis`, else [`REDIS_URL_ENV`]; none when empty.
    pub(crate) fn redis_url(&self) -> Option<SecretString> {
        use secrecy::ExposeSecret;
        let url = match &self.redis {
            Some(url) => url.expose_secret().trim().to_owned(),
            None => std::env::var(REDIS_URL_ENV)
                .unwrap_or_default()
                .trim()
                .to_owned(),
        };
        (!url.is_empty()).then(|| SecretString::from(url))
    }

    /// Whether any client flag was given.
    pub(crate) fn any_given(&self) -> bool {
        self.api_url.is_some()
            || self.token.is_some()
            || self.json
            || self.timeout.is_some()
            || self.redis.is_some()
    }

    /// The command's deadline: `--timeout`, else [`TIMEOUT_ENV`] when set and not
    /// empty, else [`DEFAULT_TIMEOUT`].
    ///
    /// # Errors
    ///
    /// A message naming the variable when its value is not a number of seconds.
    pub(crate) fn timeout(&self) -> Result<Duration, String> {
        if let Some(timeout) = self.timeout {
            return Ok(timeout);
        }
        match std::env::var_os(TIMEOUT_ENV).filter(|value| !value.is_empty()) {
            None => Ok(DEFAULT_TIMEOUT),
            Some(value) => parse_timeout(&value.to_string_lossy())
                .map_err(|why| format!("{TIMEOUT_ENV} is not a usable timeout: {why}")),
        }
    }
}

/// Examples and exit codes, shown at the end of `collab --help`.
pub(crate) const TOP_LEVEL_HELP: &str = "\
Examples:
  collab serve --demo                        # an offline API with a demo user and dataset
  export LIGHTLY_SERVER_LOCATION=http://127.0.0.1:8080 LIGHTLY_TOKEN=demo-token
  collab grant 5f0e4a6b2c1d3e4f5a6b7c8d ann@example.com
  collab list 5f0e4a6b2c1d3e4f5a6b7c8d
  collab --json list 5f0e4a6b2c1d3e4f5a6b7c8d

Exit codes:
  0  success
  1  the command could not run (e.g. `serve` could not listen), or a question was answered no
  2  usage: bad arguments, a missing token, or a destructive change without --yes
  3  the API refused the call (not found, forbidden, unauthorized, invalid request)
  4  the API could not be reached, is unavailable (including rate limits) or did not
     answer within --timeout
  5  the API answered something unexpected (check the API URL)";

/// The commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Serve the Collaboration API on ADDR over an in-memory store (or the store file
    /// given with --data), for offline work.
    #[command(after_help = SERVE_EXAMPLES)]
    Serve(ServeArgs),
    /// List the dataset's shared access configs.
    #[command(after_help = LIST_EXAMPLES)]
    List(ListArgs),
    /// Create or replace the dataset's WRITE config with exactly these users and teams.
    // clap's own usage line would show `--user <EMAIL>` as if it were required.
    #[command(
        after_help = SHARE_EXAMPLES,
        override_usage = "collab share <DATASET> [--user <EMAIL>]... [--team <TEAM>]... [OPTIONS]"
    )]
    Share(ShareArgs),
    /// Give users access, keeping everyone who has it.
    // A grant never leaves nobody with access: `--yes` has nothing to confirm there.
    #[command(after_help = GRANT_EXAMPLES, mut_arg("yes", |arg| arg.hide(true)))]
    Grant(ChangeArgs),
    /// Take access from users, keeping everyone else.
    #[command(after_help = REVOKE_EXAMPLES)]
    Revoke(ChangeArgs),
    /// Delete one config of the dataset.
    #[command(after_help = DELETE_EXAMPLES)]
    Delete(DeleteArgs),
    /// Look at or load a `collab serve --data` store (while no server holds it).
    #[command(subcommand, after_help = STORE_EXAMPLES)]
    Store(StoreCommand),
    /// Print shell completions for SHELL.
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(CompletionsArgs),
    /// Record a session through a proxy to the API at --upstream, without its
    /// credentials, into FILE (written when stopped: Ctrl-C, SIGTERM); see docs/fidelity.md.
    #[command(after_help = RECORD_EXAMPLES)]
    Record(RecordArgs),
    /// Replay a recording against a fresh in-memory fake and report where the fake
    /// answers otherwise (exit 0: no drift, 1: drift, 2: a file it cannot use).
    #[command(name = "check-drift", after_help = CHECK_DRIFT_EXAMPLES)]
    CheckDrift(CheckDriftArgs),
}

impl Command {
    /// The client flags given after the command, or `None` for `serve` and
    /// `completions`, which take none.
    pub(crate) fn client_args(&self) -> Option<&ClientArgs> {
        match self {
            Self::List(args) => Some(&args.client),
            Self::Share(args) => Some(&args.client),
            Self::Grant(args) | Self::Revoke(args) => Some(&args.client),
            Self::Delete(args) => Some(&args.client),
            Self::Serve(_)
            | Self::Store(_)
            | Self::Completions(_)
            | Self::Record(_)
            | Self::CheckDrift(_) => None,
        }
    }

    /// The command's name as typed.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Self::Serve(_) => "serve",
            Self::List(_) => "list",
            Self::Share(_) => "share",
            Self::Grant(_) => "grant",
            Self::Revoke(_) => "revoke",
            Self::Delete(_) => "delete",
            Self::Store(_) => "store",
            Self::Completions(_) => "completions",
            Self::Record(_) => "record",
            Self::CheckDrift(_) => "check-drift",
        }
    }
}

const SERVE_EXAMPLES: &str = "\
Examples:
  collab serve --demo
  collab serve --listen 127.0.0.1:9000 --user alice=tok-a --dataset 5f0e4a6b2c1d3e4f5a6b7c8d=alice
  collab serve --data state.db --seed docs/fixtures.toml   # state that lasts, from fixtures";
const STORE_EXAMPLES: &str = "\
Examples:
  collab store export state.db > captured.toml      # a stopped server's state, as fixtures
  collab store export state.db --json
  collab store import fresh.db docs/fixtures.toml   # add what the store lacks";
const LIST_EXAMPLES: &str = "\
Examples:
  collab list 5f0e4a6b2c1d3e4f5a6b7c8d
  collab list 5f0e4a6b2c1d3e4f5a6b7c8d --json        # the API's JSON";
const SHARE_EXAMPLES: &str = "\
Examples:
  collab share 5f0e4a6b2c1d3e4f5a6b7c8d --user ann@example.com --team acme
  collab share 5f0e4a6b2c1d3e4f5a6b7c8d --user ann@example.com --dry-run
  collab share 5f0e4a6b2c1d3e4f5a6b7c8d --yes        # nobody: empties the config";
const GRANT_EXAMPLES: &str = "\
Examples:
  collab grant 5f0e4a6b2c1d3e4f5a6b7c8d ann@example.com bob@example.com
  collab grant 5f0e4a6b2c1d3e4f5a6b7c8d --from-file users.txt --dry-run
  cut -d, -f1 people.csv | collab grant 5f0e4a6b2c1d3e4f5a6b7c8d --from-file -";
const REVOKE_EXAMPLES: &str = "\
Examples:
  collab revoke 5f0e4a6b2c1d3e4f5a6b7c8d bob@example.com
  collab revoke 5f0e4a6b2c1d3e4f5a6b7c8d --from-file leavers.txt --yes";
const DELETE_EXAMPLES: &str = "\
Examples:
  collab delete 5f0e4a6b2c1d3e4f5a6b7c8d 6565a0b1c2d3e4f5a6b7c8d9       # asks first on a terminal
  collab delete 5f0e4a6b2c1d3e4f5a6b7c8d 6565a0b1c2d3e4f5a6b7c8d9 --yes # in scripts
  collab list 5f0e4a6b2c1d3e4f5a6b7c8d --json | jq -r '.[].id'         # the ids";
const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  collab completions bash > ~/.local/share/bash-completion/completions/collab
  collab completions zsh > ~/.zfunc/_collab      # with fpath+=(~/.zfunc) before compinit
  collab completions fish > ~/.config/fish/completions/collab.fish";

/// Arguments of `list`.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// The dataset's id.
    #[arg(value_parser = parse_dataset)]
    pub(crate) dataset: DatasetId,
    /// The client flags given after the command.
    #[command(flatten)]
    pub(crate) client: ClientArgs,
}

/// Arguments of `share`.
#[derive(Debug, Args)]
pub(crate) struct ShareArgs {
    /// The dataset's id.
    #[arg(value_parser = parse_dataset)]
    pub(crate) dataset: DatasetId,
    /// A user's e-mail address (repeatable).
    #[arg(long = "user", value_name = "EMAIL")]
    pub(crate) users: Vec<String>,
    /// A team (repeatable).
    #[arg(long = "team", value_name = "TEAM", alias = "org")]
    pub(crate) teams: Vec<String>,
    /// Print the plan and write nothing (never asks).
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Share with nobody without asking: needed when stdin is not a terminal.
    #[arg(long)]
    pub(crate) yes: bool,
    /// The client flags given after the command.
    #[command(flatten)]
    pub(crate) client: ClientArgs,
}

/// Arguments of `grant` and `revoke`.
#[derive(Debug, Args)]
pub(crate) struct ChangeArgs {
    /// The dataset's id.
    #[arg(value_parser = parse_dataset)]
    pub(crate) dataset: DatasetId,
    /// Users' e-mail addresses.
    #[arg(required_unless_present = "from_file", value_name = "EMAIL")]
    pub(crate) users: Vec<String>,
    /// Read more e-mail addresses from FILE (`-`: stdin), one per line; blank lines and
    /// lines starting with `#` are skipped.
    #[arg(long, value_name = "FILE")]
    pub(crate) from_file: Option<PathBuf>,
    /// Print the plan and write nothing (never asks).
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Revoke without asking when the revoke would leave nobody with access: needed
    /// when stdin is not a terminal. (`grant` accepts and ignores it.)
    #[arg(long)]
    pub(crate) yes: bool,
    /// The client flags given after the command.
    #[command(flatten)]
    pub(crate) client: ClientArgs,
}

/// Arguments of `delete`.
#[derive(Debug, Args)]
pub(crate) struct DeleteArgs {
    /// The dataset's id.
    #[arg(value_parser = parse_dataset)]
    pub(crate) dataset: DatasetId,
    /// The config's id (see `collab list`).
    #[arg(value_parser = parse_config)]
    pub(crate) config: AccessConfigId,
    /// Delete without asking: needed when stdin is not a terminal.
    #[arg(long)]
    pub(crate) yes: bool,
    /// The client flags given after the command.
    #[command(flatten)]
    pub(crate) client: ClientArgs,
}

const RECORD_EXAMPLES: &str = "\
Examples:
  collab record --upstream https://api.lightly.ai --out session.json --dataset 5f0e4a6b2c1d3e4f5a6b7c8d
  export LIGHTLY_SERVER_LOCATION=http://ADDR   # the address of its first line: recording on http://ADDR
  collab record --upstream https://api.lightly.ai --out session.json --repeat-reads   # learn noisy fields";
const CHECK_DRIFT_EXAMPLES: &str = "\
Examples:
  collab check-drift session.json
  collab check-drift session.json --json     # the report as JSON
  collab check-drift --lint session.json     # look for anything that looks like a credential";

/// Arguments of `record`.
#[derive(Debug, Args)]
pub(crate) struct RecordArgs {
    /// The API to forward to, e.g. `https://api.lightly.ai` or a `collab serve`.
    #[arg(long, value_name = "URL")]
    pub(crate) upstream: String,
    /// Where to write the recording (JSON) when stopped.
    #[arg(long, value_name = "FILE")]
    pub(crate) out: PathBuf,
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
    pub(crate) listen: SocketAddr,
    /// A dataset the session may touch (repeatable); requests on any other dataset are
    /// refused by the proxy and never forwarded. Without it, every dataset may be touched.
    #[arg(long = "dataset", value_name = "ID", value_parser = parse_dataset)]
    pub(crate) datasets: Vec<DatasetId>,
    /// Ask the upstream every read twice and record the fields that changed on their
    /// own, so that check-drift leaves them out.
    #[arg(long)]
    pub(crate) repeat_reads: bool,
}

/// Arguments of `check-drift`.
#[derive(Debug, Args)]
pub(crate) struct CheckDriftArgs {
    /// The recording made by `collab record`.
    #[arg(value_name = "FILE")]
    pub(crate) file: PathBuf,
    /// Print the report as one JSON document.
    #[arg(long)]
    pub(crate) json: bool,
    /// Do not replay: only look for values in FILE that look like credentials
    /// (exit 0: none, 1: some, named by where they are).
    #[arg(long)]
    pub(crate) lint: bool,
}

/// Arguments of `completions`.
#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell.
    pub(crate) shell: Shell,
}

/// Arguments of `serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on: HOST:PORT, localhost:PORT or PORT (on 127.0.0.1); port 0 picks a free one, which the first line of output names.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR", value_parser = parse_listen)]
    pub(crate) listen: SocketAddr,
    /// A user NAME whose API token is TOKEN (repeatable); NAME is the `owner` of their datasets' configs.
    #[arg(long = "user", value_name = "NAME=TOKEN", value_parser = parse_user)]
    pub(crate) users: Vec<UserFlag>,
    /// A dataset ID owned by the user OWNER (repeatable).
    #[arg(long = "dataset", value_name = "ID=OWNER", value_parser = parse_dataset_owner)]
    pub(crate) datasets: Vec<(DatasetId, String)>,
    /// Add a demo user, token and dataset, and print a ready-to-run example.
    #[arg(long)]
    pub(crate) demo: bool,
    /// Keep users, datasets and configs in the store file PATH (created if missing), so
    /// that they survive a restart or a crash; without it they live in memory.
    #[arg(long, value_name = "PATH")]
    pub(crate) data: Option<PathBuf>,
    /// Users, datasets and configs declared in FILE (TOML or JSON, see
    /// docs/fixtures.toml); with --data, only what the store lacks is added.
    #[arg(long, value_name = "FILE")]
    pub(crate) seed: Option<PathBuf>,
    /// The control plane's admin token (routes under /_collab: state, reset, users, datasets, the request journal); without it the control plane is closed. --demo makes one when none is given.
    #[arg(
        long,
        env = "COLLAB_ADMIN_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub(crate) admin_token: Option<SecretString>,
    /// How many requests the journal (GET /_collab/requests) keeps, the newest; 0 turns it off.
    #[arg(long, value_name = "N", default_value_t = collab_server::DEFAULT_JOURNAL_SIZE)]
    pub(crate) journal_size: usize,
    /// Fault rules armed at start, from FILE (JSON: an array of rules or an object with `faults`; TOML: a `[[faults]]` table per rule); a reset arms them again.
    #[arg(long, value_name = "FILE")]
    pub(crate) faults: Option<PathBuf>,
    /// Seconds a client has to send a request's head: from connecting for its first request, from the head's first byte for a later one.
    #[arg(long, value_name = "SECS", default_value_t = Seconds(collab_server::DEFAULT_HEADER_READ_TIMEOUT))]
    pub(crate) header_timeout: Seconds,
    /// Seconds a keep-alive connection may stay silent after an answer before it is closed.
    #[arg(long, value_name = "SECS", default_value_t = Seconds(collab_server::DEFAULT_IDLE_TIMEOUT))]
    pub(crate) idle_timeout: Seconds,
    /// Seconds a request body may take to arrive (then 400).
    #[arg(long, value_name = "SECS", default_value_t = Seconds(collab_server::DEFAULT_BODY_READ_TIMEOUT))]
    pub(crate) body_timeout: Seconds,
    /// Seconds one request may take before it is answered 503 with Retry-After (the body read gets at most half of it).
    #[arg(long, value_name = "SECS", default_value_t = Seconds(collab_server::DEFAULT_REQUEST_TIMEOUT))]
    pub(crate) request_timeout: Seconds,
    /// Seconds writing an answer may make no progress (the client does not read) before the connection is dropped.
    #[arg(long, value_name = "SECS", default_value_t = Seconds(collab_server::DEFAULT_WRITE_TIMEOUT))]
    pub(crate) write_timeout: Seconds,
    /// The most connections served at once; past it, connections are answered 503 with Retry-After, or closed.
    #[arg(long, value_name = "N", default_value_t = collab_server::DEFAULT_MAX_CONNECTIONS, value_parser = parse_connections)]
    pub(crate) max_connections: usize,
    /// Seconds a shutdown (SIGTERM, Ctrl-C) waits for requests in flight before closing what is left; a second signal exits at once.
    #[arg(long, value_name = "SECS", default_value_t = Seconds(collab_server::DEFAULT_SHUTDOWN_GRACE))]
    pub(crate) shutdown_grace: Seconds,
    /// Stop (as on SIGTERM) when stdin reaches end-of-file: give the server a pipe as stdin and never write to it, and the server ends with the process holding the pipe's other end, however that process ends (even SIGKILL); collab_serve and its pytest plugin start it so.
    #[arg(long)]
    pub(crate) exit_with_parent: bool,
}

/// `collab store`: what a `collab serve --data` store holds, as fixtures.
#[derive(Debug, Subcommand)]
pub(crate) enum StoreCommand {
    /// Print the store's users (with tokens), datasets and configs as a fixture file
    /// (TOML; JSON with --json).
    Export {
        /// The store file.
        path: PathBuf,
        /// Print JSON instead of TOML.
        #[arg(long)]
        json: bool,
        /// Unused here; see [`StoreCommand::Import::wire`].
        #[arg(long, hide = true, value_name = "GENERATION", default_value = "auto", value_parser = parse_wire)]
        wire: WireMode,
    },
    /// Add to the store (created if missing) what it lacks of a fixture file.
    Import {
        /// The store file.
        path: PathBuf,
        /// The fixture file (TOML or JSON).
        file: PathBuf,
        /// Unused: a store's fixtures have one spelling whatever the wire says. Declared
        /// hidden so that the global `--wire` (which clap does not propagate where a
        /// subcommand declares its own) stays out of this command's help, and is still
        /// accepted, as everywhere.
        #[arg(long, hide = true, value_name = "GENERATION", default_value = "auto", value_parser = parse_wire)]
        wire: WireMode,
    },
}

/// A duration given in seconds on the command line, such as `10` or `0.5`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Seconds(pub Duration);

impl FromStr for Seconds {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let seconds: f64 = text
            .trim()
            .parse()
            .map_err(|_| format!("not a number of seconds: {text:?}"))?;
        match Duration::try_from_secs_f64(seconds) {
            Ok(duration) if !duration.is_zero() => Ok(Self(duration)),
            _ => Err(format!("not a positive number of seconds: {text:?}")),
        }
    }
}

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.as_secs_f64())
    }
}

fn parse_connections(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(connections) if connections > 0 => Ok(connections),
        _ => Err(format!("not a positive number of connections: {text:?}")),
    }
}

fn parse_wire(text: &str) -> Result<WireMode, String> {
    text.parse().map_err(|e| format!("{e}, or `auto`"))
}

fn parse_dataset(text: &str) -> Result<DatasetId, String> {
    text.parse().map_err(|e| format!("not a dataset id: {e}"))
}

fn parse_config(text: &str) -> Result<AccessConfigId, String> {
    text.parse()
        .map_err(|e| format!("not an access config id: {e}"))
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .trim()
        .parse()
        .map_err(|_| "expected a number of seconds, e.g. 10 or 2.5".to_owned())?;
    if !(seconds > 0.0 && seconds <= 86_400.0) {
        return Err("expected more than 0 and at most 86400 seconds".to_owned());
    }
    Ok(Duration::from_secs_f64(seconds))
}

fn split_pair<'a>(text: &'a str, shape: &str) -> Result<(&'a str, &'a str), String> {
    match text.split_once('=') {
        Some((left, right)) if !left.trim().is_empty() && !right.trim().is_empty() => {
            Ok((left.trim(), right.trim()))
        }
        _ => Err(format!("expected {shape}")),
    }
}

/// One `--user NAME=TOKEN` flag as given; checked by `serve`, never echoed whole (it
/// holds a token, and clap's own errors repeat the value they reject).
#[derive(Debug, Clone)]
pub(crate) struct UserFlag {
    /// The user's id, or `None` when the flag is not `NAME=TOKEN` with both parts.
    pub(crate) name_and_token: Option<(String, SecretString)>,
    /// The flag's text when it has no `=` (so no token part), to repeat in its error.
    pub(crate) without_token: Option<String>,
}

fn parse_user(text: &str) -> Result<UserFlag, std::convert::Infallible> {
    let name_and_token = split_pair(text, "")
        .ok()
        .map(|(name, token)| (name.to_owned(), SecretString::from(token.to_owned())));
    let without_token = (!text.contains('=')).then(|| text.to_owned());
    Ok(UserFlag {
        name_and_token,
        without_token,
    })
}

/// `--listen`: `HOST:PORT`, `localhost:PORT` (loopback) or `PORT` (on 127.0.0.1).
fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    let text = text.trim();
    if let Ok(port) = text.parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    if let Some(port) = text.strip_prefix("localhost:") {
        let port: u16 = port
            .parse()
            .map_err(|_| format!("not a port: {port:?} (expected localhost:PORT)"))?;
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    text.parse().map_err(|_| {
        format!("not an address: {text:?} (expected HOST:PORT, localhost:PORT or PORT)")
    })
}

fn parse_dataset_owner(text: &str) -> Result<(DatasetId, String), String> {
    let (id, owner) = split_pair(text, "ID=OWNER, both non-empty")?;
    Ok((parse_dataset(id)?, owner.to_owned()))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn listen_takes_an_address_a_port_or_localhost_and_a_port() {
        assert_eq!(parse_listen("9000"), Ok("127.0.0.1:9000".parse().unwrap()));
        assert_eq!(
            parse_listen("localhost:0"),
            Ok("127.0.0.1:0".parse().unwrap())
        );
        assert_eq!(
            parse_listen("0.0.0.0:8080"),
            Ok("0.0.0.0:8080".parse().unwrap())
        );
        assert_eq!(parse_listen("[::1]:80"), Ok("[::1]:80".parse().unwrap()));
        let bad = parse_listen("localhost:http").unwrap_err();
        assert!(bad.contains("localhost:PORT"), "{bad}");
        let bad = parse_listen("nowhere").unwrap_err();
        assert!(bad.contains("HOST:PORT"), "{bad}");
    }

    #[test]
    fn a_timeout_is_positive_seconds() {
        assert_eq!(parse_timeout("2.5"), Ok(Duration::from_millis(2500)));
        assert!(parse_timeout("0").is_err());
        assert!(parse_timeout("-1").is_err());
        assert!(parse_timeout("NaN").is_err());
        assert!(parse_timeout("ten").is_err());
    }
}
