//! The `collab` command: see `collab --help` and the README.

fn main() -> std::process::ExitCode {
    collab_cli::main()
}
