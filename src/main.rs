//! The `collab` command: see `collab --help` and the README.

/// The binary's allocator: a request of `collab serve` makes about twenty small
/// allocations, and with mimalloc it takes 5 % fewer instructions than with glibc's
/// (docs/decisions.md, "Issue 25's throughput: the server's CPU per request").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    collab_cli::main()
}
