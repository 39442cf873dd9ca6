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
//! One JSON object (or TOML table); only `operation` and one of `status`, `delayMs`,
//! `drop` are required:
//!
//! | field | meaning | default |
//! |---|---|---|
//! | `operation` | `"list"`, `"createOrUpdate"`, `"delete"` or `"any"` | required |
//! | `dataset` | only calls on this dataset (a 24-hex id) | every dataset |
//! | `user` | only calls made as this user (a name) | every user |
//! | `after` | let this many matching calls through first | `0` |
//! | `times` | fire at most this many times | `null`: no limit |
//! | `probability` | the share of eligible calls that fire, `0` to `1` | `1` |
//! | `seed` | picks which eligible calls fire | `0` |
//! | `status` | answer this status (400..=599) with an `ApiErrorResponse`; not applied | |
//! | `code` | the error's `ApiErrorCode` (with `status`) | [`default_code`] of the status |
//! | `retryAfter` | `Retry-After`, in seconds (with `status`) | |
//! | `applied` | apply the operation, then answer `status` | `false` |
//! | `delayMs` | wait this long first (alone: then answer normally) | |
//! | `drop` | `"reset"` (close, no answer) or `"hang"` (never answer); not with `status` | |
//!
//! Rules are checked whole when parsed ([`FaultRule::from_json`], [`parse_rules`]):
//! unknown fields, wrong types, values out of range and contradictions (`applied`
//! without `status`, `drop` with it) are refused, and the [`RuleError`] names the
//! field (`faults[1].status: must be 400..=599, found 200`).
//!
//! # When a rule fires
//!
//! - A call is **in a rule's scope** when its operation matches (`any` matches all
//!   three) and, when the rule names them, its dataset and its user.
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
//! - Concurrent calls are decided one at a time (a lock, taken only while a rule is
//!   armed): each gets a distinct `k`; which call gets which `k` is the order they
//!   reached the decision, so reproducible runs make their calls in a fixed order.
//!
//! # What a firing rule does
//!
//! In-process, see [`FaultyRepository`]: a `status` becomes exactly the [`Error`]
//! `collab-http` returns for that answer (core's one mapping,
//! [`collab_core::wire::error_from_response`], `Retry-After` included), via
//! [`FaultAction::to_error`]; [`FaultAction::error_response`] is the status and body
//! the server answers.
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
