//! The pytest suite of `tests/python/suite` (the `conftest.py` that docs/testing.md
//! shows): Lightly's official client against `collab serve`, a server per xdist worker
//! (`-n 2`), a reset and a dataset of its own per test, assertions on the request
//! journal. Run here so that the documented recipe cannot rot.

mod support;

use std::process::Stdio;
use std::time::Duration;

use support::python::clients_dir;

#[tokio::test]
async fn the_documented_pytest_suite_passes_with_two_workers() {
    let python = clients_dir().join("lightly-1.5.26/bin/python");
    let suite = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/suite");
    let mut command = tokio::process::Command::new(&python);
    command
        .args([
            "-m",
            "pytest",
            "-n",
            "2",
            "-q",
            "-p",
            "no:cacheprovider",
            suite,
        ])
        .env("COLLAB_BIN", env!("CARGO_BIN_EXE_collab"))
        .env_remove("LIGHTLY_SERVER_LOCATION")
        .env_remove("LIGHTLY_TOKEN")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(300), command.output())
        .await
        .expect("the pytest suite finishes within 300 s")
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the pytest suite failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // 4 tests and 4 parametrised ones, over two workers.
    assert!(stdout.contains("8 passed"), "{stdout}");
}
