//! A fault rule as data: what it matches, when it fires, and what it does.

use std::time::Duration;

use collab_core::{ApiErrorCode, DatasetId};
use serde::{Deserialize, Serialize};

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
    /// Every call (in a rule only: a [`Call`](crate::Call) is never `Any`).
    Any,
}

impl Operation {
    /// Whether a rule on `self` matches a call of `call`.
    pub fn matches(self, call: Operation) -> bool {
        self == Operation::Any || self == call
    }
}

/// How a connection is dropped: `"reset"` or `"hang"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DropMode {
    /// The connection is closed without an answer; the operation is not applied.
    /// In-process: [`Error::Unavailable`](collab_core::Error::Unavailable).
    Reset,
    /// No answer, ever: the caller's own timeout (or the server's request deadline)
    /// ends the call. The operation is not applied.
    Hang,
}

/// What a firing rule does.
///
/// Wire form (camelCase, every field optional, at least one of `status`, `delayMs`,
/// `drop`): `"status"` (400..=599), `"code"` (an `ApiErrorCode`), `"retryAfter"`
/// (seconds), `"applied"` (with `status` only), `"delayMs"`, `"drop"` (`"reset"` or
/// `"hang"`, not with `status`). A parsed action always holds these rules; one built
/// by hand that breaks them is answered as far as it makes sense (a `drop` wins over
/// a `status`; `code`, `retryAfter` and `applied` without `status` do nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultAction {
    /// Answer with this status and an `ApiErrorResponse`.
    pub status: Option<u16>,
    /// The error body's code; without it a default for the status (see
    /// [`FaultAction::error_response`]).
    pub code: Option<ApiErrorCode>,
    /// `Retry-After`, in seconds.
    pub retry_after: Option<u64>,
    /// Apply the operation first, then answer the status: the outcome a client
    /// cannot tell from a failure.
    pub applied: bool,
    /// Wait this long first (before the status or the drop, or before answering
    /// normally when there is neither).
    pub delay: Option<Duration>,
    /// Drop the connection instead of answering.
    pub drop: Option<DropMode>,
}

/// A fault rule: what it matches, when it fires, and what it does.
///
/// Wire form: one JSON object (or TOML table), the action's fields beside the others:
///
/// ```json
/// {"operation": "list", "dataset": "0123456789abcdef01234567", "user": "alice",
///  "after": 1, "times": 2, "probability": 0.3, "seed": 7, "status": 503, "retryAfter": 1}
/// ```
///
/// Matching: `operation`, and when given `dataset` and `user`. Firing: the rule's
/// `k`-th matching call (from 0) may fire when `k >= after` and the rule has fired
/// fewer than `times` times, and then fires when a hash of `(seed, k)` is below
/// `probability` (see the [crate docs](crate#when-a-rule-fires)).
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    /// The call it matches.
    pub operation: Operation,
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
            operation,
            dataset: None,
            user: None,
            after: 0,
            times: None,
            probability: 1.0,
            seed: 0,
            action,
        }
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
}
