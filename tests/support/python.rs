//! Lightly's official Python clients, in venvs that `tests/python/setup-clients.sh`
//! makes (as `.ci/setup` does): [`clients_dir`].

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::OnceLock;

/// The folder of the clients' venvs, installed once per test binary.
pub fn clients_dir() -> &'static PathBuf {
    static READY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let ready = READY.get_or_init(|| {
        let dir = std::env::var_os("COLLAB_PYTHON_CLIENTS")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/python-clients")
            });
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/setup-clients.sh");
        // `timeout` bounds the installation (pip from PyPI) in time.
        let output = std::process::Command::new("timeout")
            .args(["900", "bash", script])
            .arg(&dir)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {script} (needs bash and coreutils' timeout): {e}"))?;
        if output.status.success() {
            Ok(dir)
        } else {
            Err(format!(
                "Lightly's Python clients are missing and could not be installed into {} \
                 (needs python3 with venv and pip, and PyPI): {}",
                dir.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            ))
        }
    });
    match ready {
        Ok(dir) => dir,
        Err(missing) => panic!("{missing}"),
    }
}
