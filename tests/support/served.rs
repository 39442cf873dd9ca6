//! `collab serve` as a child process: started on an ephemeral loopback port, its
//! stdout read line by line (so that it never blocks on a full pipe), killed when
//! dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use super::collab_command;
use super::poll::until_closed;

/// How long a server may take to print a line it owes.
pub const LINE_DEADLINE: Duration = Duration::from_secs(30);

/// A running `collab serve`.
pub struct ServeProcess {
    pub child: Child,
    pub url: String,
    lines: Receiver<String>,
}

impl ServeProcess {
    /// Starts `collab serve --listen 127.0.0.1:0 ARGS` and waits for its first line.
    pub fn start(args: &[&str]) -> Self {
        let mut command = collab_command();
        command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args);
        Self::spawn(command)
    }

    /// Starts `command`, a whole `collab serve ...` command line (e.g. of the binary
    /// under another name), and waits for its first line.
    pub fn spawn(command: Command) -> Self {
        Self::spawn_announcing(command, "listening on ")
    }

    /// [`spawn`](Self::spawn), its stderr (the access log) going to `stderr`.
    pub fn spawn_with_stderr(command: Command, stderr: impl Into<Stdio>) -> Self {
        Self::start_child(command, "listening on ", stderr.into())
    }

    /// Starts `command`, a long-running `collab` command whose first line on stdout is
    /// `PREFIX URL` (`collab record`: "recording on "), and waits for that line.
    pub fn spawn_announcing(command: Command, prefix: &str) -> Self {
        Self::start_child(command, prefix, Stdio::null())
    }

    fn start_child(mut command: Command, prefix: &str, stderr: Stdio) -> Self {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("collab starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (send, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let mut served = Self {
            child,
            url: String::new(),
            lines,
        };
        let first = served.next_line();
        served.url = first
            .strip_prefix(prefix)
            .unwrap_or_else(|| panic!("first line is `{prefix}URL`, got {first:?}"))
            .to_owned();
        served
    }

    /// The next line on stdout, waited for at most [`LINE_DEADLINE`].
    pub fn next_line(&mut self) -> String {
        match self.lines.recv_timeout(LINE_DEADLINE) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => panic!("no line from collab serve in time"),
            Err(RecvTimeoutError::Disconnected) => {
                let status = self.child.wait();
                panic!("collab serve ended before printing a line: {status:?}")
            }
        }
    }

    /// The first line again and the `count` lines after it, each ending in a newline,
    /// as the server printed them.
    pub fn first_lines(&mut self, count: usize) -> String {
        let mut shown = format!("listening on {}\n", self.url);
        for _ in 0..count {
            shown.push_str(&self.next_line());
            shown.push('\n');
        }
        shown
    }

    /// SIGKILL, and wait for the process to be gone.
    pub fn kill(mut self) {
        self.child.kill().expect("the server is killed");
        self.child.wait().expect("the server is reaped");
    }

    /// SIGTERM, and wait (bounded) for a graceful exit; gives whether it exited 0.
    pub fn stop(mut self) -> bool {
        let pid = self.child.id().to_string();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        // The process's stdout closes when it exits: wait for that, bounded.
        assert!(
            until_closed(&self.lines, LINE_DEADLINE),
            "the server did not stop in time"
        );
        self.child.wait().expect("the server is reaped").success()
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

static NEXT: AtomicU64 = AtomicU64::new(0);

/// A folder of its own under the system's temporary folder; removed on drop.
pub struct Scratch {
    path: PathBuf,
}

impl Scratch {
    pub fn new(test: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "collab-e2e-{test}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).expect("a scratch folder");
        Self { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A file name in the folder, as a string for the command line.
    pub fn file(&self, name: &str) -> String {
        self.path.join(name).display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// The documented fixture file, as the tests load it.
pub fn example_fixtures() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/docs/fixtures.toml").to_owned()
}
