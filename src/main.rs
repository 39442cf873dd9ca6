//! The `collab` command: see `collab --help` and the README.

/// The allocator of the `collab` process: mimalloc's per-thread heaps make the many
/// small, short-lived allocations of a request (headers, bodies, the journal's
/// entries) cheaper than the system allocator, whose arenas the server's worker
/// threads share. Measured in `docs/benchmarks.md`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    collab_cli::main()
}
