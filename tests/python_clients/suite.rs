//! The pytest suite of `tests/python/suite`: Lightly's two official clients against
//! `collab serve` through collab-serve's pytest plugin only (no conftest), under
//! `pytest -n 2` as a user's suite runs: sharing, a stranger refused, a 503 and a 429
//! that reach the application, a dropped connection, verification of calls and
//! bodies, a failed start, and a server that ends with its killed pytest.
//!
//! The clients' venvs come from `tests/python/setup-clients.sh`, the plugin from the
//! collab-serve wheel that `tests/python/setup-package.sh` installs into them (both
//! run by `.ci/setup`). The suite runs the package's Python from this tree
//! (`PYTHONPATH=python`) and this build's binary (`--collab-bin`), so that neither
//! can be older than the code under test.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use crate::support::python::clients_dir;

const SUITE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/suite");

/// Runs `pytest -n 2 FILES` of the suite with the venv `client`'s Python; its stdout.
async fn run_suite(client: &str, files: &[&str]) -> String {
    let venv = clients_dir().join(client);
    let python = venv.join("bin/python");
    require_the_package(&venv);
    let mut command = tokio::process::Command::new(&python);
    command
        .args(["-m", "pytest", "-n", "2", "-q", "-p", "no:cacheprovider"])
        .arg(concat!("--collab-bin=", env!("CARGO_BIN_EXE_collab")))
        .args(files.iter().map(|file| Path::new(SUITE).join(file)))
        .current_dir(SUITE)
        .env("PYTHONPATH", concat!(env!("CARGO_MANIFEST_DIR"), "/python"))
        .env_remove("COLLAB_BIN")
        .env_remove("LIGHTLY_SERVER_LOCATION")
        .env_remove("LIGHTLY_TOKEN")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(300), command.output())
        .await
        .expect("the pytest suite finishes within 300 s")
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "the pytest suite failed under {client}:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The venv has collab-serve (its plugin and its `collab` command), or the test
/// fails saying how to install it.
fn require_the_package(venv: &Path) {
    let installed = std::process::Command::new(venv.join("bin/python"))
        .args([
            "-c",
            "import importlib.metadata as m; print(m.version('collab-serve'))",
        ])
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|output| output.status.success());
    assert!(
        installed && venv.join("bin/collab").is_file(),
        "collab-serve is not installed in {}: run `bash tests/python/setup-package.sh {}` \
         (as .ci/setup does; it builds the wheel with maturin from PyPI and installs it)",
        venv.display(),
        venv.parent()
            .map(Path::display)
            .map(|d| d.to_string())
            .unwrap_or_default()
    );
}

#[tokio::test]
async fn lightly_1_5_and_the_plugin_pass_with_two_workers() {
    let stdout = run_suite("lightly-1.5.26", &["test_plugin.py", "test_lightly_1_5.py"]).await;
    // 15 tests of the plugin, 11 of the client (4 of them parametrised).
    assert!(stdout.contains("26 passed"), "{stdout}");
}

#[tokio::test]
async fn lightly_1_2_passes_with_two_workers() {
    let stdout = run_suite("lightly-1.2.30", &["test_lightly_1_2.py"]).await;
    // 5 tests and 4 parametrised ones.
    assert!(stdout.contains("9 passed"), "{stdout}");
}
