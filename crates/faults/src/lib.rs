//! Deterministic fault injection for the [`AccessConfigRepository`] port: fault rules,
//! their one matching, and [`FaultyRepository`], a decorator that applies them over any
//! repository (the fake, the durable store, a mock, the HTTP adapter).
//!
//! An application that shares datasets must survive Lightly's API being slow, rate
//! limited, down, or failing after it applied a write. A [`FaultRule`] says which calls
//! fail, when, and how; [`Faults`] holds the armed rules and decides, call by call,
//! which one fires. `collab serve` answers the same rules over the wire (its
//! `/_collab/faults` routes and `--faults FILE`), through this crate, so a rule does the
//! same in a Rust test and against the server.
//!
//! ```
//! use collab_core::{AccessConfigRepository, DatasetId, Error};
//! use collab_faults::{Faults, FaultyRepository, FaultRule};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dataset: DatasetId = "0123456789abcdef01234567".parse()?;
//! let store = collab_fake::InMemoryStore::new();
//! store.add_dataset(dataset, "alice");
//!
//! let faults = Faults::new(); // clones share the rules: keep one to arm them
//! let repo = FaultyRepository::new(store.session("alice"), faults.clone()).with_user("alice");
//!
//! // Fail the next list with 503.
//! faults.arm(FaultRule::from_json(r#"{"operation": "list", "status": 503, "times": 1}"#)?);
//! let error = repo.list(&dataset).await.unwrap_err();
//! assert!(matches!(error, Error::Unavailable { .. }));
//! assert!(repo.list(&dataset).await?.is_empty());
//! # Ok(())
//! # }
//! ```
//!
//! # A rule
//!
//! One JSON object (or TOML table, spelled alike); `operation` or `path` (or both) and
//! at least one of `status`, `delayMs`, `delay`, `drop`, `dribble` are required:
//!
//! | field | meaning | default |
//! |---|---|---|
//! | `operation` | `"list"`, `"createOrUpdate"`, `"delete"` or `"any"` (of the three) | required unless `path` |
//! | `path` | only requests for this path: exact, or a prefix ending in `*` ([`PathPattern`]); any route | every path |
//! | `dataset` | only calls on this dataset (a 24-hex id) | every dataset |
//! | `user` | only calls made as this user (a name) | every user |
//! | `after` | let this many matching calls through first | `0` |
//! | `times` | fire at most this many times | `null`: no limit |
//! | `probability` | the share of eligible calls that fire, `0` to `1` | `1` |
//! | `seed` | picks which eligible calls fire; draws `delay`s and `garbage` | `0` |
//! | `status` | answer this status (200..=599): a 4xx/5xx with an `ApiErrorResponse` unless `body`; not applied | |
//! | `code` | the error's `ApiErrorCode` (with a 4xx/5xx, not with `body`) | [`default_code`] of the status |
//! | `retryAfter` | `Retry-After`, in seconds (with `status`): its only source | none |
//! | `body` | answer this body (with `status`): a string as it is, another JSON value as JSON ([`FaultBody`]) | |
//! | `headers` | answer these headers (with `status`), an object of names to strings | |
//! | `applied` | apply the operation, then answer `status` (a 4xx/5xx) | `false` |
//! | `delayMs` | wait this long first (alone: then answer normally) | |
//! | `delay` | wait a drawn delay first: `{"uniform": [LO, HI]}` or `{"lognormal": {"medianMs": M, "sigma": S}}` ([`DelayDistribution`]); not with `delayMs` | |
//! | `drop` | `"reset"`, `"hang"`, `"empty"`, `"truncate"` or `"garbage"` ([`DropMode`]); alone or with a delay | |
//! | `dribble` | send the answer's body in pieces: `{"chunks": N, "overMs": T}` ([`Dribble`]) | |
//!
//! Rules are checked whole when parsed ([`FaultRule::from_json`], [`parse_rules`]):
//! unknown fields, wrong types, values out of range and what makes no sense together
//! (`applied` without a status or with a 2xx, `drop` with `status` or `body`, `delayMs`
//! with `delay`, a `content-length` header, ...; see [`FaultRule::from_value`]) are
//! refused, and the [`RuleError`] names the field, a part of one by its path
//! (`faults[1].delay.uniform: [LO, HI] with LO <= HI, found [500, 100]`).
//!
//! # When a rule fires
//!
//! - A call is **in a rule's scope** when, as far as the rule names them, its
//!   operation matches (`any` matches all three; a request of none of them, such as
//!   the version routes, matches only by `path`), its path matches, and its dataset and
//!   its user are the rule's. The server describes each request with a
//!   [`RequestInfo`] ([`Faults::check_request`]); a [`Call`] has no path
//!   ([`Faults::check`]), so rules with a `path` do not match it.
//! - Rules are consulted **in arming order**, and **every rule whose scope holds the
//!   call counts it** (`matched`), whether or not an earlier rule fired on it. So a
//!   rule's count of matching calls depends on its scope and the calls alone, never
//!   on the other rules.
//! - A rule's `k`-th matching call (from 0) is **eligible** when `k >= after` and the
//!   rule has fired fewer than `times` times; it then **fires** when the `k`-th
//!   output of SplitMix64 seeded with `seed`, as a number in `[0, 1)`, is below
//!   `probability` (always, at `1`). Which calls fire is therefore a function of the
//!   seed and the order of the matching calls alone: the same calls in the same order
//!   fire the same way in every run, in a fresh [`Faults`] too.
//! - **The first eligible rule that fires answers the call**; the later ones still
//!   count it as matched but do not fire (nor spend their `times`).
//! - A `delay` distribution and `drop: "garbage"`'s bytes are drawn from the seed and
//!   `k` too, from streams of their own ([`Fired::delay`], [`Fired::garbage`]): the
//!   same rules and calls wait the same delays and send the same bytes.
//! - Concurrent calls are decided one at a time (a lock, taken only while a rule is
//!   armed): each gets a distinct `k`; which call gets which `k` is the order they
//!   reached the decision, so reproducible runs make their calls in a fixed order.
//!
//! # What a firing rule does
//!
//! In-process, see [`FaultyRepository`]: a 4xx/5xx `status` becomes exactly the
//! [`Error`] `collab-http` returns for that answer (core's one mapping,
//! [`collab_core::wire::error_from_response`], a `retry_after` only from
//! `retryAfter`), via [`FaultAction::to_error`]. What only a connection can do
//! ([`FaultAction::is_wire_only`]: the drops `empty`, `truncate` and `garbage`,
//! `dribble`, a status below 400, `body`, `headers`) the decorator ignores; `collab
//! serve` answers it. [`FaultAction::answer`] is the exact answer the server sends:
//! the status, the rule's headers (and `Retry-After` only from `retryAfter`), the
//! rule's body or the API error body ([`FaultAction::error_response`]).
//!
//! # Recipes
//!
//! Each recipe is one rule, the same in a test (`faults.arm(FaultRule::from_json(..)?)`),
//! in a `--faults` file and in a `POST /_collab/faults` body.
//!
//! **Fail the next list with 503:** `{"operation": "list", "status": 503, "times": 1}`
//! (the example at the top).
//!
//! **Rate-limit a dataset for 3 calls with `Retry-After: 1`:**
//!
//! ```
//! # use collab_core::{AccessConfigRepository, DatasetId, Error};
//! # use collab_faults::{Faults, FaultyRepository, FaultRule};
//! # use std::time::Duration;
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dataset: DatasetId = "0123456789abcdef01234567".parse()?;
//! # let store = collab_fake::InMemoryStore::new();
//! # store.add_dataset(dataset, "alice");
//! # let faults = Faults::new();
//! # let repo = FaultyRepository::new(store.session("alice"), faults.clone());
//! faults.arm(FaultRule::from_json(r#"{"operation": "any", "dataset": "0123456789abcdef01234567",
//!     "times": 3, "status": 429, "retryAfter": 1}"#)?);
//! for _ in 0..3 {
//!     let error = repo.list(&dataset).await.unwrap_err();
//!     assert!(matches!(error, Error::RateLimited { retry_after: Some(wait), .. } if wait == Duration::from_secs(1)));
//! }
//! assert!(repo.list(&dataset).await.is_ok());
//! # Ok(())
//! # }
//! ```
//!
//! **Apply the grant, then answer 503** (the outcome a client cannot tell from a
//! failure):
//!
//! ```
//! # use collab_core::{AccessConfigRepository, DatasetId, Error, ShareRequest};
//! # use collab_faults::{Faults, FaultyRepository, FaultRule};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dataset: DatasetId = "0123456789abcdef01234567".parse()?;
//! # let store = collab_fake::InMemoryStore::new();
//! # store.add_dataset(dataset, "alice");
//! # let faults = Faults::new();
//! # let repo = FaultyRepository::new(store.session("alice"), faults.clone());
//! faults.arm(FaultRule::from_json(
//!     r#"{"operation": "createOrUpdate", "status": 503, "applied": true, "times": 1}"#,
//! )?);
//! let grant = ShareRequest::users_only(["ann@example.com"])?;
//! assert!(matches!(repo.create_or_update(&dataset, &grant).await, Err(Error::Unavailable { .. })));
//! assert_eq!(repo.list(&dataset).await?[0].users, ["ann@example.com"]); // yet it was applied
//! # Ok(())
//! # }
//! ```
//!
//! **Make 30 % of calls fail, reproducibly:**
//! `{"operation": "any", "probability": 0.3, "seed": 7, "status": 503}`. The same
//! seed fails the same calls in every run:
//!
//! ```
//! use collab_faults::{Call, FaultRule, Faults, Operation};
//! let rule = FaultRule::from_json(r#"{"operation": "any", "probability": 0.3, "seed": 7, "status": 503}"#)?;
//! let run = || {
//!     let faults = Faults::from_rules([rule.clone()]);
//!     let call = Call { operation: Operation::List, dataset: None, user: None };
//!     (0..100).map(|_| faults.check(&call).is_some()).collect::<Vec<_>>()
//! };
//! let first = run();
//! assert_eq!(first, run());
//! let failed = first.iter().filter(|fired| **fired).count();
//! assert!((15..=45).contains(&failed), "{failed} of 100");
//! # Ok::<(), collab_faults::RuleError>(())
//! ```
//!
//! **Fail the version check** (over the wire: a rule by `path` matches any route):
//! `{"path": "/v1/versions/*", "status": 500}`.
//!
//! **Answer slowly, varying, the same in every run:**
//!
//! ```
//! # use collab_core::{AccessConfigRepository, DatasetId};
//! # use collab_faults::{Faults, FaultyRepository, FaultRule};
//! # use std::time::Duration;
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dataset: DatasetId = "0123456789abcdef01234567".parse()?;
//! # let store = collab_fake::InMemoryStore::new();
//! # store.add_dataset(dataset, "alice");
//! # let faults = Faults::new();
//! # let repo = FaultyRepository::new(store.session("alice"), faults.clone());
//! faults.arm(FaultRule::from_json(
//!     r#"{"operation": "list", "delay": {"uniform": [100, 900]}, "seed": 1}"#,
//! )?);
//! let started = tokio::time::Instant::now();
//! repo.list(&dataset).await?;
//! let waited = started.elapsed();
//! assert!(Duration::from_millis(100) <= waited && waited <= Duration::from_millis(900));
//! # Ok(())
//! # }
//! ```
//!
//! **Hang the delete:** `{"operation": "delete", "drop": "hang"}`. The call never
//! answers, so the caller needs a timeout:
//!
//! ```
//! # use collab_core::{AccessConfigRepository, DatasetId};
//! # use collab_faults::{Faults, FaultyRepository, FaultRule};
//! # use std::time::Duration;
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dataset: DatasetId = "0123456789abcdef01234567".parse()?;
//! # let config = "0123456789abcdef0123abcd".parse()?;
//! # let store = collab_fake::InMemoryStore::new();
//! # store.add_dataset(dataset, "alice");
//! # let faults = Faults::new();
//! # let repo = FaultyRepository::new(store.session("alice"), faults.clone());
//! faults.arm(FaultRule::from_json(r#"{"operation": "delete", "drop": "hang"}"#)?);
//! let outcome = tokio::time::timeout(Duration::from_secs(5), repo.delete(&dataset, &config)).await;
//! assert!(outcome.is_err(), "the delete never answers");
//! # Ok(())
//! # }
//! ```
//!
//! # Files of rules
//!
//! [`parse_rules`] reads a file's text: JSON (an array of rules, or
//! `{"faults": [...]}`) or TOML, one `[[faults]]` table per rule:
//!
//! ```toml
//! [[faults]]
//! operation = "list"
//! status = 503
//! times = 1
//!
//! [[faults]]
//! operation = "createOrUpdate"
//! status = 503
//! applied = true
//!
//! [[faults]]
//! path = "/v1/versions/*"
//! status = 200
//! body = "<html>down for maintenance</html>"
//! headers = { "content-type" = "text/html" }
//! delay = { lognormal = { medianMs = 80, sigma = 0.5 } }
//! ```
//!
//! [`AccessConfigRepository`]: collab_core::AccessConfigRepository
//! [`Error`]: collab_core::Error

mod answer;
mod check;
mod delay;
mod draw;
mod error;
mod faults;
mod parse;
mod path;
mod repository;
mod rule;

pub use answer::{AnswerBody, FaultAnswer, default_code};
pub use delay::{DelayDistribution, MAX_DELAY_MS};
pub use error::RuleError;
pub use faults::{ArmedRule, Call, FaultId, Faults, Fired, RequestInfo};
pub use parse::parse_rules;
pub use path::{PathPattern, PathPatternError};
pub use repository::FaultyRepository;
pub use rule::{Dribble, DropMode, FaultAction, FaultBody, FaultRule, Operation};
