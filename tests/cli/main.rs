//! End-to-end tests of the `collab` binary and of the stacks it composes, in one test
//! binary (linked once). One module per concern, each its own file:
//!
//! - the client commands: `commands` (every command and error class), `cli_wire` (the
//!   wire's generations), `terminal` (on a pseudo-terminal), `readme` (the README's
//!   tour, run as written), `store` (`--data`, fixtures, `collab store`);
//! - `collab serve`: `serve` (start, demo, refusals, SIGTERM), `serve_control` (the
//!   control plane), `serve_faults` (fault rules met by the CLI's retries),
//!   `serve_limits` (grace, signals, deadline flags), `crash` (SIGKILL and restart over
//!   `--data`), `dashboard` (the page in Chromium);
//! - recordings: `record_drift` (`collab record`, `collab check-drift`);
//! - composed stacks: `stack` (cache → HTTP → server → fake), `fleet` (several stacks
//!   through Redis), `lost_update` (concurrent grants, processes and in-process).
//!
//! Shared set-up is `tests/support/` (also used by the `python_clients` binary).
//! Tests run in parallel (libtest's threads); none changes the process's environment,
//! working directory or a global subscriber: each child process gets its environment
//! through its `Command`, and each scratch folder is its own (`support::served::Scratch`).

#[path = "../support/mod.rs"]
mod support;

mod cli_wire;
mod commands;
mod crash;
mod dashboard;
mod fleet;
mod lost_update;
mod readme;
mod record_drift;
mod serve;
mod serve_control;
mod serve_faults;
mod serve_limits;
mod stack;
mod store;
mod terminal;
