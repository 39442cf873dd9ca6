//! `collab`: manage who a Lightly dataset is shared with, from the command line, or
//! serve the Collaboration API offline with `collab serve`.
//!
//! This crate is the command line as a library with one public item, [`main`], which
//! the `collab` binary (the workspace root package) calls: everything else is the
//! binary's business. What the commands are made of lives in the crates they concern
//! (`collab-fidelity` for `record` and `check-drift`, `collab-server` for `serve`,
//! ...). The spellings of commands and flags are a stable contract, see `collab --help`.
#![warn(missing_docs, unreachable_pub)]

mod args;
mod client;
mod confirm;
mod drift;
mod failure;
mod logging;
mod output;
mod progress;
mod record;
mod serve;
mod signals;
mod store;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use crate::args::{Cli, Command};
use crate::failure::Failure;

/// Parses the process's arguments, runs the command and gives the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return usage_error(&error),
    };
    let log = logging::init(cli.verbose, matches!(cli.command, Command::Serve(_)));
    let json = cli.command.client_args().is_some_and(|after| after.json)
        || cli.client.json
        || matches!(&cli.command, Command::CheckDrift(args) if args.json);
    let (guard, access_log) = match log {
        Some(log) => (Some(log.guard), log.access),
        None => (None, None),
    };
    let result = run(cli, access_log);
    if let Some(guard) = guard {
        logging::report_dropped_log_lines(guard); // flushes the lines still buffered
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(json),
    }
}

/// Help and version go to stdout as clap writes them. A bad command line keeps all of
/// clap's detail (what is wrong, a suggestion, the accepted values, the usage line) on
/// stderr, exit code 2; with `--json` among the arguments it is one JSON object whose
/// `message` is the first line and `detail` the rest. A bare `collab` prints the help
/// on stderr, exit code 2.
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
    let json = std::env::args_os().any(|arg| arg == "--json");
    let explained = explain(error);
    if json {
        let text = explained.unwrap_or_else(|| error.render().to_string());
        let mut lines = text.lines();
        let first = lines.next().unwrap_or("invalid arguments");
        let first = first.strip_prefix("error: ").unwrap_or(first);
        let detail = lines.collect::<Vec<_>>().join("\n");
        let body = serde_json::json!({
            "error": { "kind": "usage", "message": first, "detail": detail.trim() },
            "exitCode": 2,
        });
        eprintln!("{body}");
    } else if let Some(text) = explained {
        eprint!("{text}");
    } else {
        // clap writes usage errors (and the help of a bare `collab`) to stderr.
        let _ = error.print();
    }
    ExitCode::from(2)
}

/// clap's text for a mistake it cannot explain in our words, with our words: `collab
/// grant D --user x` gets clap's tip to write `-- --user`, which would grant access to
/// an "e-mail" `--user`. Says instead that `grant` and `revoke` take the e-mails as
/// arguments.
fn explain(error: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if error.kind() != ErrorKind::UnknownArgument {
        return None;
    }
    let Some(ContextValue::String(flag)) = error.get(ContextKind::InvalidArg) else {
        return None;
    };
    let flag = flag.split('=').next().unwrap_or_default();
    if !["--user", "--users", "--team", "--org"].contains(&flag) {
        return None;
    }
    let text = error.render().to_string();
    let command = ["grant", "revoke"]
        .into_iter()
        .find(|command| text.contains(&format!("Usage: collab {command} ")))?;
    let ours = format!(
        "tip: `grant` and `revoke` take the e-mail addresses as arguments, without {flag}: \
         collab {command} DATASET ann@example.com bob@example.com (teams are changed with `collab share`)"
    );
    let rewritten: Vec<String> = text
        .lines()
        .map(|line| match line.trim_start().strip_prefix("tip: ") {
            Some(_) => format!("  {ours}"),
            None => line.to_owned(),
        })
        .collect();
    Some(rewritten.join("\n") + "\n")
}

fn run(cli: Cli, access_log: Option<logging::BatchedAccessLog>) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Failed(format!("cannot start the async runtime: {e}")))?;
    let before = cli.client;
    let wire = cli.wire;
    let command = cli.command;
    let Some(after) = command.client_args().cloned() else {
        // `serve` and `completions` take no client flag; one given before them would
        // otherwise be ignored without a word.
        if before.any_given() {
            return Err(Failure::Usage(format!(
                "--api-url, --token, --json, --timeout and --redis apply to the client commands, not to `{}`",
                command.name()
            )));
        }
        return match command {
            Command::Serve(args) => runtime.block_on(serve::run(args, wire, access_log)),
            Command::Store(command) => {
                print!("{}", store::run(command)?);
                Ok(())
            }
            Command::Record(args) => runtime.block_on(record::run(args)),
            Command::CheckDrift(args) => {
                let (report, outcome) = runtime.block_on(drift::run(&args))?;
                print!("{report}");
                outcome
            }
            Command::Completions(args) => {
                clap_complete::generate(
                    args.shell,
                    &mut Cli::command(),
                    "collab",
                    &mut std::io::stdout(),
                );
                Ok(())
            }
            _ => Err(Failure::Usage("not a local command".to_owned())),
        };
    };
    let flags = after.or(before);
    let output = runtime.block_on(client::run(command, &flags, wire))?;
    print!("{output}");
    Ok(())
}
