//! The README's five-minute tour, run as written: `collab serve --demo`, then every
//! command of the tour through bash, with `collab` found on the PATH as an installed
//! binary would be. Every shown output must be exactly what the commands print; only
//! the config's id and the times, which differ from run to run, are normalised.

use std::process::{Command, Stdio};

use crate::support::ServeProcess;

const README: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));
const DEMO_DATASET: &str = "5f0e4a6b2c1d3e4f5a6b7c8d";
/// The address the README shows; the test's server listens on an ephemeral port.
const README_URL: &str = "http://127.0.0.1:8080";

/// One `$ command` of a console block and the lines shown after it.
#[derive(Debug)]
struct Step {
    command: String,
    output: String,
}

/// The tour's console blocks, in order.
fn tour_blocks() -> Vec<Vec<Step>> {
    let tour = README
        .split_once("## A five-minute tour")
        .expect("the README has a five-minute tour")
        .1;
    let tour = tour.split("\n### ").next().unwrap();
    let mut blocks = Vec::new();
    let mut rest = tour;
    while let Some((_, after)) = rest.split_once("```console\n") {
        let (block, after) = after.split_once("```").expect("a closed block");
        let mut steps: Vec<Step> = Vec::new();
        for line in block.lines() {
            match line.strip_prefix("$ ") {
                Some(command) => steps.push(Step {
                    command: command.to_owned(),
                    output: String::new(),
                }),
                None => {
                    let step = steps.last_mut().expect("a block starts with a command");
                    step.output.push_str(line);
                    step.output.push('\n');
                }
            }
        }
        blocks.push(steps);
        rest = after;
    }
    blocks
}

/// Replaces what differs from run to run: config ids (24 hex digits other than the
/// demo dataset's) become `<ID>`, local times (`2026-11-28 18:47:10+00:00`) `<TIME>`.
fn normalised(text: &str) -> String {
    const TIME_SHAPE: &[u8] = b"dddd-dd-dd dd:dd:dd+dd:dd";
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < bytes.len() {
        let is_time = bytes.len() - i >= TIME_SHAPE.len()
            && TIME_SHAPE
                .iter()
                .zip(&bytes[i..])
                .all(|(shape, byte)| match shape {
                    b'd' => byte.is_ascii_digit(),
                    b'+' => *byte == b'+' || *byte == b'-',
                    other => other == byte,
                });
        if is_time {
            out.push_str("<TIME>");
            i += TIME_SHAPE.len();
            continue;
        }
        let hex = |b: &u8| b.is_ascii_digit() || (b'a'..=b'f').contains(b);
        let starts_word = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        let run = bytes[i..].iter().take_while(|b| hex(b)).count();
        let ends_word = bytes
            .get(i + run)
            .is_none_or(|b| !b.is_ascii_alphanumeric());
        if starts_word && ends_word && run == 24 && &text[i..i + 24] != DEMO_DATASET {
            out.push_str("<ID>");
            i += 24;
            continue;
        }
        let c = text[i..].chars().next().unwrap();
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// A directory holding `collab` (a link to the binary under test), to put on the PATH.
struct Installed(std::path::PathBuf);

impl Installed {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("collab-readme-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let link = dir.join("collab");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_collab"), &link).unwrap();
        Self(dir)
    }

    /// `PATH` with this directory first.
    fn path(&self) -> String {
        format!(
            "{}:{}",
            self.0.display(),
            std::env::var("PATH").unwrap_or_default()
        )
    }

    /// A command found on that PATH, with a clean environment, as a user's shell
    /// would start it (no cargo variables).
    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command
            .env("PATH", self.path())
            .env("TZ", "UTC")
            .env_remove("LIGHTLY_TOKEN")
            .env_remove("LIGHTLY_SERVER_LOCATION")
            .env_remove("COLLAB_TIMEOUT")
            .env_remove("RUST_LOG")
            .env_remove("NO_COLOR")
            .env_remove("CARGO")
            .env_remove("CARGO_PKG_NAME");
        command
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The server, stopped when dropped.

#[test]
fn the_readme_tour_prints_what_it_shows() {
    let blocks = tour_blocks();
    assert_eq!(
        blocks.len(),
        2,
        "the tour has a server block and a client block"
    );
    let installed = Installed::new();

    // The server block: the command, then its stdout.
    let [serve] = &blocks[0][..] else {
        panic!("the server block is one command: {:?}", blocks[0]);
    };
    assert_eq!(serve.command, "collab serve --demo");
    let mut command = installed.command("collab");
    command.args(["serve", "--demo", "--listen", "127.0.0.1:0"]);
    let mut server = ServeProcess::spawn(command);
    let shown = server.first_lines(serve.output.lines().count() - 1);
    let url = server.url.clone();
    assert_eq!(shown.replace(&url, README_URL), serve.output);

    // The client block, through bash; a marker line before each command's output.
    let marker = |i: usize| format!("@@ step {i} @@");
    let mut script = String::from("exec 2>&1\n");
    for (i, step) in blocks[1].iter().enumerate() {
        script.push_str(&format!("echo '{}'\n", marker(i)));
        script.push_str(&step.command.replace(README_URL, &url));
        script.push('\n');
    }
    let output = installed
        .command("timeout")
        .args(["60", "bash", "-c", &script])
        .stdin(Stdio::null())
        .output()
        .expect("bash and coreutils' timeout are installed");
    drop(server);
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{printed}");
    let mut chunks = printed.split('\n').peekable();
    for (i, step) in blocks[1].iter().enumerate() {
        assert_eq!(chunks.next(), Some(marker(i).as_str()), "{printed}");
        let mut got = String::new();
        while let Some(line) = chunks.next_if(|line| !line.starts_with("@@ step ")) {
            if chunks.peek().is_none() && line.is_empty() {
                break;
            }
            got.push_str(line);
            got.push('\n');
        }
        assert_eq!(
            normalised(&got),
            normalised(&step.output),
            "`$ {}` printed:\n{got}",
            step.command
        );
    }
}

#[test]
fn normalising_keeps_everything_but_ids_and_times() {
    assert_eq!(
        normalised(
            "6b0b21ae0000000000000001  WRITE 2026-11-28 18:47:10+00:00 5f0e4a6b2c1d3e4f5a6b7c8d"
        ),
        "<ID>  WRITE <TIME> 5f0e4a6b2c1d3e4f5a6b7c8d"
    );
    assert_eq!(normalised("6565..."), "6565...", "a shortened id stays");
    assert_eq!(
        normalised("x6b0b21ae0000000000000001"),
        "x6b0b21ae0000000000000001"
    );
}

/// Whether a line holds a `<PLACEHOLDER>`: pasted into a shell, it is a redirection.
fn holds_placeholder(line: &str) -> bool {
    line.split('<').skip(1).any(|after| {
        after.split_once('>').is_some_and(|(name, _)| {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c == '_' || c == '-')
        })
    })
}

/// A README block a reader pastes into a shell holds no placeholder, and no link
/// points where a clone has nothing.
#[test]
fn the_readme_holds_no_paste_trap() {
    assert!(holds_placeholder("$ collab delete $D <CONFIG_ID>"));
    assert!(!holds_placeholder(
        "$ collab list $D | awk 'NR == 2 { print $1 }'"
    ));
    for block in README.split("```").skip(1).step_by(2) {
        if block.starts_with("console") || block.starts_with("sh") {
            for line in block.lines() {
                assert!(!holds_placeholder(line), "a paste trap: {line}");
            }
        }
    }
    let docs = [
        ("README.md", README),
        (
            "docs/architecture.md",
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/architecture.md")),
        ),
        (
            "docs/decisions.md",
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/decisions.md")),
        ),
        (
            "docs/wire-contract.md",
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/docs/wire-contract.md"
            )),
        ),
    ];
    for (name, text) in docs {
        assert!(
            !text.contains("../shared/"),
            "{name}: a clone has no ../shared/"
        );
    }
}
