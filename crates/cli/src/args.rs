//! The command line, as `../shared/DESIGN.md` fixes its spellings.

use std::fmt;
use std::net::SocketAddr;
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
#[command(name = "collab", version, about, long_about = None, after_help = EXIT_CODES)]
pub struct Cli {
    /// `--api-url`: the API's base URL; when absent, `LIGHTLY_SERVER_LOCATION`, then
    /// Lightly's.
    #[arg(
        long,
        global = true,
        value_name = "URL",
        help = "Base URL of the API [default: $LIGHTLY_SERVER_LOCATION if set and not empty, else https://api.lightly.ai]"
    )]
    pub api_url: Option<String>,

    /// `--token`: the API token; when absent, `LIGHTLY_TOKEN`.
    #[arg(
        long,
        global = true,
        value_name = "TOKEN",
        help = "API token, sent as the `token` query parameter [default: $LIGHTLY_TOKEN, trimmed]"
    )]
    pub token: Option<SecretString>,

    /// `--wire`: the generation of the wire; see [`WireMode`].
    #[arg(
        long,
        global = true,
        value_name = "GENERATION",
        default_value = "auto",
        value_parser = parse_wire,
        help = "Wire generation (auto, current, 2022): `serve` answers each caller in the one it speaks (auto) or pins one; client commands write today's (auto, current) or the 2022 one"
    )]
    pub wire: WireMode,

    /// Print the API's JSON instead of text; errors become JSON on stderr.
    #[arg(long, global = true)]
    pub json: bool,

    /// Log what happens on stderr (-v: debug, -vv: trace). RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Exit codes, shown at the end of `--help`.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the command could not run (e.g. `serve` could not listen)
  2  usage: bad arguments or a missing token
  3  the API refused the call (not found, forbidden, unauthorized, invalid request)
  4  the API could not be reached or is unavailable (including rate limits)
  5  the API answered something unexpected";

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the Collaboration API on ADDR over an in-memory store, for offline work.
    Serve(ServeArgs),
    /// List the dataset's shared access configs.
    List {
        /// The dataset's id.
        #[arg(value_parser = parse_dataset)]
        dataset: DatasetId,
    },
    /// Create or replace the dataset's WRITE config with exactly these users and teams.
    Share {
        /// The dataset's id.
        #[arg(value_parser = parse_dataset)]
        dataset: DatasetId,
        /// A user's e-mail address (repeatable).
        #[arg(long = "user", value_name = "EMAIL")]
        users: Vec<String>,
        /// A team (repeatable).
        #[arg(long = "team", value_name = "TEAM", alias = "org")]
        teams: Vec<String>,
        /// Print the plan and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Give users access, keeping everyone who has it.
    Grant(ChangeArgs),
    /// Take access from users, keeping everyone else.
    Revoke(ChangeArgs),
    /// Delete one config of the dataset.
    Delete {
        /// The dataset's id.
        #[arg(value_parser = parse_dataset)]
        dataset: DatasetId,
        /// The config's id.
        #[arg(value_parser = parse_config)]
        config: AccessConfigId,
    },
    /// Print shell completions for SHELL.
    Completions {
        /// The shell.
        shell: Shell,
    },
}

/// Arguments of `grant` and `revoke`.
#[derive(Debug, Args)]
pub struct ChangeArgs {
    /// The dataset's id.
    #[arg(value_parser = parse_dataset)]
    pub dataset: DatasetId,
    /// Users' e-mail addresses.
    #[arg(required = true, value_name = "EMAIL")]
    pub users: Vec<String>,
    /// Print the plan and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Arguments of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// A user NAME whose API token is TOKEN (repeatable); NAME is the `owner` of their datasets' configs.
    #[arg(long = "user", value_name = "NAME=TOKEN", value_parser = parse_user)]
    pub users: Vec<UserFlag>,
    /// A dataset ID owned by the user OWNER (repeatable).
    #[arg(long = "dataset", value_name = "ID=OWNER", value_parser = parse_dataset_owner)]
    pub datasets: Vec<(DatasetId, String)>,
    /// Add a demo user, token and dataset, and print a ready-to-run example.
    #[arg(long)]
    pub demo: bool,
    /// Seconds a client has to send a request's head: from connecting for its first request, from the head's first byte for a later one.
    #[arg(long, value_name = "SECS", default_value_t = Seconds(collab_server::DEFAULT_HEADER_READ_TIMEOUT))]
    pub header_timeout: Seconds,
    /// Seconds a keep-alive connection may stay silent after an answer before it is closed.
    #[arg(long, value_name = "SECS", default_value_t = Seconds(collab_server::DEFAULT_IDLE_TIMEOUT))]
    pub idle_timeout: Seconds,
    /// Seconds a request body may take to arrive (then 400).
    #[arg(long, value_name = "SECS", default_value_t = Seconds(collab_server::DEFAULT_BODY_READ_TIMEOUT))]
    pub body_timeout: Seconds,
    /// Seconds writing an answer may make no progress (the client does not read) before the connection is dropped.
    #[arg(long, value_name = "SECS", default_value_t = Seconds(collab_server::DEFAULT_WRITE_TIMEOUT))]
    pub write_timeout: Seconds,
    /// The most connections served at once; past it, connections are answered 503 with Retry-After, or closed.
    #[arg(long, value_name = "N", default_value_t = collab_server::DEFAULT_MAX_CONNECTIONS, value_parser = parse_connections)]
    pub max_connections: usize,
    /// Seconds a shutdown (SIGTERM, Ctrl-C) waits for requests in flight before closing what is left; a second signal exits at once.
    #[arg(long, value_name = "SECS", default_value_t = Seconds(collab_server::DEFAULT_SHUTDOWN_GRACE))]
    pub shutdown_grace: Seconds,
}

/// A duration given in seconds on the command line, such as `10` or `0.5`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seconds(pub Duration);

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

fn split_pair<'a>(text: &'a str, shape: &str) -> Result<(&'a str, &'a str), String> {
    match text.split_once('=') {
        Some((left, right)) if !left.trim().is_empty() && !right.trim().is_empty() => {
            Ok((left.trim(), right.trim()))
        }
        _ => Err(format!("expected {shape}")),
    }
}

/// One `--user NAME=TOKEN` flag as given; checked by `serve`, never echoed (it holds
/// a token, and clap's own errors repeat the value they reject).
#[derive(Debug, Clone)]
pub struct UserFlag {
    /// The user's id, or `None` when the flag is not `NAME=TOKEN` with both parts.
    pub name_and_token: Option<(String, SecretString)>,
}

fn parse_user(text: &str) -> Result<UserFlag, std::convert::Infallible> {
    let name_and_token = split_pair(text, "")
        .ok()
        .map(|(name, token)| (name.to_owned(), SecretString::from(token.to_owned())));
    Ok(UserFlag { name_and_token })
}

fn parse_dataset_owner(text: &str) -> Result<(DatasetId, String), String> {
    let (id, owner) = split_pair(text, "ID=OWNER, both non-empty")?;
    Ok((parse_dataset(id)?, owner.to_owned()))
}
