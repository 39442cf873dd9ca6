//! `collab`: manage who a Lightly dataset is shared with, from the command line, or
//! serve the Collaboration API offline with `collab serve`.
//!
//! This crate is the command line as a library; the `collab` binary (the workspace
//! root package) calls [`main`]. The spellings of commands and flags are a stable
//! contract, see `collab --help`.
#![warn(missing_docs, unreachable_pub)]

pub mod args;
mod client;
pub mod failure;
mod output;
pub mod serve;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use crate::args::{Cli, Command};
use crate::client::Connection;
use crate::failure::Failure;

/// Parses the process's arguments, runs the command and gives the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return usage_error(&error),
    };
    let log = init_logging(cli.verbose, matches!(cli.command, Command::Serve(_)));
    let json = cli.json;
    let result = run(cli);
    if let Some(guard) = log {
        serve::report_dropped_log_lines(guard); // flushes the lines still buffered
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(json),
    }
}

/// Help and version go to stdout as clap writes them; a bad command line is one line
/// on stderr (JSON when `--json` was among the arguments) and exit code 2.
fn usage_error(error: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        // Printing help can only fail when stdout is closed; there is nothing to add.
        let _ = error.print();
        return ExitCode::SUCCESS;
    }
    let text = error.render().to_string();
    let first = text.lines().next().unwrap_or("invalid arguments");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let json = std::env::args_os().any(|arg| arg == "--json");
    Failure::Usage(format!("{first} (see collab --help)")).report(json)
}

fn run(cli: Cli) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Failed(format!("cannot start the async runtime: {e}")))?;
    match cli.command {
        Command::Serve(args) => runtime.block_on(serve::run(args, cli.wire)),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "collab", &mut std::io::stdout());
            Ok(())
        }
        command => {
            let connection = Connection {
                api_url: cli.api_url,
                token: cli.token,
                wire: cli.wire,
            };
            let output = runtime.block_on(client::run(&connection, command, cli.json))?;
            print!("{output}");
            Ok(())
        }
    }
}

/// Logs go to stderr: `serve` logs requests at info by default, through a
/// non-blocking writer (see [`serve::log_writer`], whose guard this returns), the
/// client commands only warnings unless `-v`; `RUST_LOG` overrides both.
fn init_logging(verbose: u8, serving: bool) -> Option<collab_server::BatchedLogGuard> {
    let level = match (verbose, serving) {
        (0, false) => "warn",
        (0, true) => "info",
        (1, _) => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal());
    if serving {
        let (writer, guard) = serve::log_writer();
        builder.with_writer(move || writer.clone()).init();
        Some(guard)
    } else {
        builder.with_writer(std::io::stderr).init();
        None
    }
}
