//! A fault rule as data: what it matches, when it fires, and what it does.

use std::collections::BTreeMap;
use std::time::Duration;

use collab_core::{ApiErrorCode, DatasetId};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::delay::DelayDistribution;
use crate::path::PathPattern;

/// Which port call a rule matches. On the wire: `"list"`, `"createOrUpdate"`,
/// `"delete"`, or `"any"` for all three.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Operation {
    /// `list`: `GET .../collaboration/access`.
    List,
    /// `create_or_update`: `POST .../collaboration/access`.
    CreateOrUpdate,
    /// `delete`: `DELETE .../collaboration/access/{id}`.
    Delete,
    /// Every call of the three (in a rule only: a [`Call`](crate::Call) is never
    /// `Any`). A request that is none of them (the version routes, the OpenAPI
    /// document, an unknown route) is matched by a rule's `path` instead.
    Any,
}

impl Operation {
    /// Whether a rule on `self` matches a call of `call`.
    pub fn matches(self, call: Operation) -> bool {
        self == Operation::Any || self == call
    }
}

/// How a connection is dropped: `"reset"`, `"hang"`, `"empty"`, `"truncate"` or
/// `"garbage"`. The operation is never applied, except under `truncate`, which cuts
/// the operation's own answer (as a real answer is cut after the work was done).
///
/// Only `reset` and `hang` can be expressed by a repository; the others are the
/// wire's alone (`collab serve`), and [`FaultyRepository`](crate::FaultyRepository)
/// ignores rules that use them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum DropMode {
    /// The connection is closed without an answer.
    /// In-process: [`Error::Unavailable`](collab_core::Error::Unavailable).
    Reset,
    /// No answer, ever: the caller's own timeout (or the server's request deadline)
    /// ends the call.
    Hang,
    /// The connection is closed cleanly (no reset), with no answer. Wire only.
    Empty,
    /// The answer's status line and headers (with the full `Content-Length`), half its
    /// body, then the connection is closed. The answer is the operation's own: it
    /// was applied. Wire only.
    Truncate,
    /// Bytes that are not HTTP, drawn from the rule's seed ([`Fired::garbage`]), then
    /// the connection is closed. Wire only.
    ///
    /// [`Fired::garbage`]: crate::Fired::garbage
    Garbage,
}

impl DropMode {
    /// Whether only a connection can do it (not a repository): `empty`, `truncate`,
    /// `garbage`.
    pub fn is_wire_only(self) -> bool {
        !matches!(self, Self::Reset | Self::Hang)
    }
}

/// A rule's `body`: a string sent as it is, or a JSON value sent as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultBody {
    /// Sent as these bytes (UTF-8), with no `Content-Type` unless the rule's
    /// `headers` set one (`{"content-type": "text/html"}`).
    Text(String),
    /// Sent as this JSON, with `Content-Type: application/json` unless the rule's
    /// `headers` set another.
    Json(Value),
}

impl FaultBody {
    /// The bytes sent.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Self::Text(text) => text.as_bytes().to_vec(),
            Self::Json(value) => value.to_string().into_bytes(),
        }
    }

    /// The `Content-Type` it is sent with when the rule's headers set none.
    pub fn default_content_type(&self) -> Option<&'static str> {
        match self {
            Self::Text(_) => None,
            Self::Json(_) => Some("application/json"),
        }
    }
}

/// A rule's `dribble`: the answer's body sent in `chunks` pieces spread evenly over
/// `over`. Wire only. Wire form: `{"chunks": N, "overMs": T}`, `1 <= N <= 1000`,
/// `T <= 3600000`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Dribble {
    /// How many pieces (at least 1).
    pub chunks: u32,
    /// The time from the first piece to the last.
    pub over: Duration,
}

impl Dribble {
    /// The most pieces a body is cut into.
    pub const MAX_CHUNKS: u32 = 1000;

    /// `chunks` pieces over `over`.
    pub fn new(chunks: u32, over: Duration) -> Self {
        Self { chunks, over }
    }
}

/// What a firing rule does.
///
/// Wire form (camelCase, every field optional, at least one of `status`, `delayMs`,
/// `delay`, `drop`, `dribble`): `"status"` (200..=599), `"code"` (an `ApiErrorCode`,
/// with a 4xx/5xx), `"retryAfter"` (seconds), `"applied"` (with a 4xx/5xx), `"body"`
/// and `"headers"` (with a status), `"delayMs"` or `"delay"`, `"drop"` (alone or with a
/// delay), `"dribble"` (see [`FaultRule::from_value`] for every check). A parsed
/// action always holds these rules; one built by hand that breaks them is answered as
/// far as it makes sense (a `drop` wins over a `status`; `code`, `retryAfter` and
/// `applied` without a status do nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultAction {
    /// Answer with this status: an `ApiErrorResponse` for a 4xx/5xx without `body`,
    /// an empty body below 400 without `body`.
    pub status: Option<u16>,
    /// The error body's code; without it a default for the status (see
    /// [`FaultAction::error_response`]).
    pub code: Option<ApiErrorCode>,
    /// `Retry-After`, in seconds: the only source of a fault's `Retry-After`.
    pub retry_after: Option<u64>,
    /// Apply the operation first, then answer the status: the outcome a client
    /// cannot tell from a failure.
    pub applied: bool,
    /// Wait this long first (before the status or the drop, or before answering
    /// normally when there is neither): the rule's `delayMs`.
    pub delay: Option<Duration>,
    /// Drop the connection instead of answering.
    pub drop: Option<DropMode>,
    /// Answer this body (with the status) instead of an `ApiErrorResponse`. Wire only.
    pub body: Option<FaultBody>,
    /// Answer these headers (with the status), names in lower case. Wire only.
    pub headers: BTreeMap<String, String>,
    /// Send the answer's body in pieces. Wire only.
    pub dribble: Option<Dribble>,
    /// Wait a delay drawn from this distribution first (the rule's `delay`; never
    /// beside [`delay`](Self::delay)). The drawn value is [`Fired::delay`].
    ///
    /// [`Fired::delay`]: crate::Fired::delay
    pub delay_distribution: Option<DelayDistribution>,
}

/// A fault rule: what it matches, when it fires, and what it does.
///
/// Wire form: one JSON object (or TOML table), the action's fields beside the others:
///
/// ```json
/// {"operation": "list", "dataset": "0123456789abcdef01234567", "user": "alice",
///  "after": 1, "times": 2, "probability": 0.3, "seed": 7, "status": 503, "retryAfter": 1}
/// {"path": "/v1/versions/*", "status": 200, "body": "<html>busy</html>",
///  "headers": {"content-type": "text/html"}, "delay": {"uniform": [100, 900]}}
/// ```
///
/// Matching: `operation` and/or `path`, and when given `dataset` and `user`. Firing: the rule's
/// `k`-th matching call (from 0) may fire when `k >= after` and the rule has fired
/// fewer than `times` times, and then fires when a hash of `(seed, k)` is below
/// `probability` (see the [crate docs](crate#when-a-rule-fires)).
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    /// The call it matches; `None`: any request, of an operation or not (the rule
    /// then has a `path`).
    pub operation: Option<Operation>,
    /// The request paths it matches; `None`: any path.
    pub path: Option<PathPattern>,
    /// Only calls on this dataset, when set.
    pub dataset: Option<DatasetId>,
    /// Only calls made as this user, when set.
    pub user: Option<String>,
    /// Let this many matching calls through first (default 0).
    pub after: u64,
    /// Fire at most this many times; `None` (default): no limit.
    pub times: Option<u64>,
    /// The share of eligible calls that fire, in `0.0..=1.0` (default 1.0).
    pub probability: f64,
    /// Picks which eligible calls fire when `probability < 1` (default 0).
    pub seed: u64,
    /// What it does when it fires.
    pub action: FaultAction,
}

impl FaultRule {
    /// A rule on `operation` with `action`, the other fields at their defaults
    /// (every dataset and user, from the first call, no limit, probability 1).
    ///
    /// ```
    /// use collab_faults::{FaultAction, FaultRule, Operation};
    /// let rule = FaultRule::new(Operation::List, FaultAction::status(503)).times(1);
    /// assert_eq!(rule, FaultRule::from_json(r#"{"operation":"list","status":503,"times":1}"#)?);
    /// # Ok::<(), collab_faults::RuleError>(())
    /// ```
    pub fn new(operation: Operation, action: FaultAction) -> Self {
        Self {
            operation: Some(operation),
            path: None,
            dataset: None,
            user: None,
            after: 0,
            times: None,
            probability: 1.0,
            seed: 0,
            action,
        }
    }

    /// A rule on the requests whose path `path` matches, whatever their operation
    /// (the version routes, the OpenAPI document, unknown routes too), with `action`.
    ///
    /// ```
    /// use collab_faults::{FaultAction, FaultRule};
    /// let rule = FaultRule::on_path("/v1/versions/*".parse()?, FaultAction::status(500));
    /// assert_eq!(rule, FaultRule::from_json(r#"{"path":"/v1/versions/*","status":500}"#)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn on_path(path: PathPattern, action: FaultAction) -> Self {
        Self {
            operation: None,
            path: Some(path),
            ..Self::new(Operation::Any, action)
        }
    }

    /// The same rule, only for requests whose path `path` matches.
    #[must_use]
    pub fn with_path(mut self, path: PathPattern) -> Self {
        self.path = Some(path);
        self
    }

    /// The same rule, only for calls on `dataset`.
    #[must_use]
    pub fn on_dataset(mut self, dataset: DatasetId) -> Self {
        self.dataset = Some(dataset);
        self
    }

    /// The same rule, only for calls made as `user`.
    #[must_use]
    pub fn for_user(mut self, user: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self
    }

    /// The same rule, letting `after` matching calls through first.
    #[must_use]
    pub fn after(mut self, after: u64) -> Self {
        self.after = after;
        self
    }

    /// The same rule, firing at most `times` times.
    #[must_use]
    pub fn times(mut self, times: u64) -> Self {
        self.times = Some(times);
        self
    }

    /// The same rule, firing on a `probability` share of eligible calls, picked by
    /// `seed`.
    #[must_use]
    pub fn with_probability(mut self, probability: f64, seed: u64) -> Self {
        self.probability = probability;
        self.seed = seed;
        self
    }
}

impl FaultAction {
    /// Answer `status` (not applied).
    pub fn status(status: u16) -> Self {
        Self {
            status: Some(status),
            ..Self::default()
        }
    }

    /// Wait `delay`, then answer normally.
    pub fn delay(delay: Duration) -> Self {
        Self {
            delay: Some(delay),
            ..Self::default()
        }
    }

    /// Drop the connection (`reset`) or never answer (`hang`).
    pub fn drop_connection(mode: DropMode) -> Self {
        Self {
            drop: Some(mode),
            ..Self::default()
        }
    }

    /// The same action with this error code.
    #[must_use]
    pub fn with_code(mut self, code: ApiErrorCode) -> Self {
        self.code = Some(code);
        self
    }

    /// The same action with `Retry-After: seconds`.
    #[must_use]
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// The same action, applying the operation before answering the status.
    #[must_use]
    pub fn applied(mut self) -> Self {
        self.applied = true;
        self
    }

    /// The same action, waiting `delay` first.
    #[must_use]
    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    /// The same action, waiting a delay drawn from `distribution` first.
    #[must_use]
    pub fn with_delay_distribution(mut self, distribution: DelayDistribution) -> Self {
        self.delay_distribution = Some(distribution);
        self
    }

    /// The same action, answering `body` (with its status).
    #[must_use]
    pub fn with_body(mut self, body: FaultBody) -> Self {
        self.body = Some(body);
        self
    }

    /// The same action, answering the header `name` (kept in lower case) with `value`.
    #[must_use]
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.insert(name.to_ascii_lowercase(), value.into());
        self
    }

    /// The same action, sending the answer's body as `dribble` says.
    #[must_use]
    pub fn with_dribble(mut self, dribble: Dribble) -> Self {
        self.dribble = Some(dribble);
        self
    }

    /// Whether only a connection can do it, not a repository: a `drop` of `empty`,
    /// `truncate` or `garbage`, a `dribble`, a status below 400, a `body` or
    /// `headers`. [`FaultyRepository`](crate::FaultyRepository) ignores such rules;
    /// `collab serve` answers them.
    ///
    /// ```
    /// use collab_faults::{FaultAction, FaultBody};
    /// assert!(!FaultAction::status(503).is_wire_only());
    /// assert!(FaultAction::status(200).is_wire_only());
    /// assert!(FaultAction::status(503).with_body(FaultBody::Text("<html>".into())).is_wire_only());
    /// ```
    pub fn is_wire_only(&self) -> bool {
        self.drop.is_some_and(DropMode::is_wire_only)
            || self.dribble.is_some()
            || self.status.is_some_and(|status| status < 400)
            || self.body.is_some()
            || !self.headers.is_empty()
    }
}
