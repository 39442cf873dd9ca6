//! Lightly's official Python clients (`lightly==1.5.26` and `lightly==1.2.30`) against
//! `collab serve`, in one test binary: `scenarios` (each client's scenario, the wire
//! faults they meet, the README's Python snippets, a recorded session replayed) and
//! `suite` (the pytest suite of `tests/python/suite` through collab-serve's plugin).
//!
//! The clients' venvs come from `tests/python/setup-clients.sh` (run by `.ci/setup`,
//! or on first use); without Python or PyPI the tests fail saying what is missing.

#[path = "../support/mod.rs"]
mod support;

mod scenarios;
mod suite;
