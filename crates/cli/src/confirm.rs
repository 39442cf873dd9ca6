//! Asking before a destructive change: on a terminal a question, elsewhere `--yes`.

use std::io::{BufRead, IsTerminal, Write};

use crate::failure::Failure;

/// Goes on only with consent, when `--yes` was not given: "y" typed at the question
/// when stdin is a terminal. When stdin is not a terminal nobody can answer, so the
/// change is refused as a usage error that names the flag, and nothing is written.
pub(crate) fn confirm(what: &str) -> Result<(), Failure> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(Failure::Usage(format!(
            "{what}: pass --yes to confirm (stdin is not a terminal, so collab cannot ask); nothing was changed"
        )));
    }
    let mut stderr = std::io::stderr();
    // The question goes to stderr, so that stdout stays the command's output.
    let _ = write!(stderr, "{what}. Continue? [y/N] ");
    let _ = stderr.flush();
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Failure::Failed(format!("cannot read the answer: {e}")))?;
    if is_yes(&answer) {
        Ok(())
    } else {
        Err(Failure::Failed(
            "not confirmed: nothing was changed".to_owned(),
        ))
    }
}

fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_y_or_yes_consents() {
        for answer in ["y\n", "Y", " yes \n", "YES"] {
            assert!(is_yes(answer), "{answer:?}");
        }
        for answer in ["", "\n", "n", "no", "yeah", "ja"] {
            assert!(!is_yes(answer), "{answer:?}");
        }
    }
}
