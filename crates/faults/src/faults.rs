//! [`Faults`]: the armed rules, and the one matching that decides, call by call, which
//! rule fires.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use collab_core::DatasetId;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::draw::{Stream, draw, garbage, unit_interval};
use crate::rule::{DropMode, FaultAction, FaultRule, Operation};

/// The id of an armed rule: a small integer (`1`, `2`, ...), a JSON number on the
/// wire, never reused within one [`Faults`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FaultId(u64);

impl FaultId {
    /// The id as a number.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for FaultId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for FaultId {
    type Err = std::num::ParseIntError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.parse().map(Self)
    }
}

/// One call as a rule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Call<'a> {
    /// The port call made (never [`Operation::Any`]).
    pub operation: Operation,
    /// The dataset it is about, if known (a request whose path has no valid id has
    /// none, and matches only rules without a `dataset`).
    pub dataset: Option<&'a DatasetId>,
    /// The user making it, if known (matches only rules without a `user` otherwise).
    pub user: Option<&'a str>,
}

/// One request as a rule sees it, on any route: its path, and the operation, dataset
/// and user when it has them. A rule with an `operation` matches only requests of
/// that operation; a rule with a `path` only requests whose path it matches (a request
/// without a path matches only rules without one).
///
/// ```
/// use collab_faults::{FaultAction, FaultRule, Faults, Operation, RequestInfo};
/// let faults = Faults::from_rules([FaultRule::on_path("/v1/versions/*".parse()?, FaultAction::status(500))]);
/// assert!(faults.check_request(&RequestInfo::new("/v1/versions/pip/minimum")).is_some());
/// let list = RequestInfo::new("/v1/datasets/0123456789abcdef01234567/collaboration/access")
///     .with_operation(Operation::List);
/// assert!(faults.check_request(&list).is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestInfo<'a> {
    /// The port call it is, if any (never [`Operation::Any`]).
    pub operation: Option<Operation>,
    /// Its path (the query, if any, is ignored), if known.
    pub path: Option<&'a str>,
    /// The dataset it is about, if known.
    pub dataset: Option<&'a DatasetId>,
    /// The user making it, if known.
    pub user: Option<&'a str>,
}

impl<'a> RequestInfo<'a> {
    /// A request for `path`, of no operation, dataset or user.
    pub fn new(path: &'a str) -> Self {
        Self {
            path: Some(path),
            ..Self::default()
        }
    }

    /// The same request, as the port call `operation`.
    #[must_use]
    pub fn with_operation(mut self, operation: Operation) -> Self {
        self.operation = Some(operation);
        self
    }

    /// The same request, about `dataset`.
    #[must_use]
    pub fn on_dataset(mut self, dataset: &'a DatasetId) -> Self {
        self.dataset = Some(dataset);
        self
    }

    /// The same request, made as `user`.
    #[must_use]
    pub fn as_user(mut self, user: &'a str) -> Self {
        self.user = Some(user);
        self
    }
}

/// A call without a path: it matches only rules without a `path`.
impl<'a> From<&Call<'a>> for RequestInfo<'a> {
    fn from(call: &Call<'a>) -> Self {
        Self {
            operation: Some(call.operation),
            path: None,
            dataset: call.dataset,
            user: call.user,
        }
    }
}

/// What fired on a call: the rule's id, its action, and what it drew for this call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fired {
    /// The rule that fired.
    pub rule: FaultId,
    /// What to do, as the rule says.
    pub action: FaultAction,
    /// How long to wait first: the rule's `delayMs`, or the delay drawn from its
    /// `delay` for this call (from the rule's seed and the call's index among its
    /// matching calls); `None`: no wait.
    pub delay: Option<Duration>,
    /// With `drop: garbage`, the bytes to send (16 to 256, drawn from the rule's seed
    /// and the call's index, never starting as `HTTP/`); else `None`.
    pub garbage: Option<Vec<u8>>,
}

/// An armed rule with its counters: `{"id": 1, "matched": 3, "fired": 1, ...the
/// rule's fields...}` when serialised.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmedRule {
    /// Its id.
    pub id: FaultId,
    /// The rule.
    pub rule: FaultRule,
    /// How many calls it matched (operation, dataset and user), fired or not.
    pub matched: u64,
    /// How many times it fired.
    pub fired: u64,
}

impl Serialize for ArmedRule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut object = Map::new();
        object.insert("id".to_owned(), self.id.0.into());
        object.insert("matched".to_owned(), self.matched.into());
        object.insert("fired".to_owned(), self.fired.into());
        self.rule.write_fields(&mut object);
        Value::Object(object).serialize(serializer)
    }
}

/// The armed fault rules, shared by clones (so a test keeps one clone to arm rules
/// while a decorator or a server holds another), `Send + Sync`.
///
/// See the [crate docs](crate#when-a-rule-fires) for which rule fires on a call.
/// With no rule armed, [`check`](Self::check) is one atomic load: no lock, no
/// allocation.
///
/// ```
/// use collab_faults::{Call, FaultAction, FaultRule, Faults, Operation};
/// let faults = Faults::new();
/// let id = faults.arm(FaultRule::new(Operation::List, FaultAction::status(503)).times(1));
/// let list = Call { operation: Operation::List, dataset: None, user: None };
/// assert_eq!(faults.check(&list).map(|fired| fired.rule), Some(id));
/// assert_eq!(faults.check(&list), None); // `times` used up
/// assert_eq!((faults.rules()[0].matched, faults.rules()[0].fired), (2, 1));
/// ```
#[derive(Clone, Default)]
pub struct Faults {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    /// Whether any rule is armed: the lock-free fast path of `check`.
    any_armed: AtomicBool,
    /// Whether an armed rule has a `path`: the decorator builds its calls' paths only
    /// then.
    any_path: AtomicBool,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The last id handed out (ids start at 1).
    last_id: u64,
    /// In arming order.
    rules: Vec<ArmedRule>,
}

impl Faults {
    /// No rules armed.
    pub fn new() -> Self {
        Self::default()
    }

    /// These rules armed, in order (ids 1, 2, ...).
    pub fn from_rules(rules: impl IntoIterator<Item = FaultRule>) -> Self {
        let faults = Self::new();
        for rule in rules {
            faults.arm(rule);
        }
        faults
    }

    /// Arms `rule` after the rules already armed; its counters start at 0.
    pub fn arm(&self, rule: FaultRule) -> FaultId {
        let mut state = self.lock();
        state.last_id += 1;
        let id = FaultId(state.last_id);
        let has_path = rule.path.is_some();
        state.rules.push(ArmedRule {
            id,
            rule,
            matched: 0,
            fired: 0,
        });
        if has_path {
            self.shared.any_path.store(true, Ordering::Release);
        }
        self.shared.any_armed.store(true, Ordering::Release);
        id
    }

    /// Disarms the rule `id`; false when no such rule is armed.
    pub fn disarm(&self, id: FaultId) -> bool {
        let mut state = self.lock();
        let before = state.rules.len();
        state.rules.retain(|armed| armed.id != id);
        let removed = state.rules.len() != before;
        self.shared
            .any_armed
            .store(!state.rules.is_empty(), Ordering::Release);
        let any_path = state.rules.iter().any(|armed| armed.rule.path.is_some());
        self.shared.any_path.store(any_path, Ordering::Release);
        removed
    }

    /// Disarms every rule (ids are still not reused).
    pub fn clear(&self) {
        let mut state = self.lock();
        state.rules.clear();
        self.shared.any_armed.store(false, Ordering::Release);
        self.shared.any_path.store(false, Ordering::Release);
    }

    /// Whether any rule is armed: when none is, [`check`](Self::check) answers `None`
    /// at the cost of one atomic load.
    #[inline]
    pub fn any_armed(&self) -> bool {
        self.shared.any_armed.load(Ordering::Acquire)
    }

    /// Whether an armed rule has a `path` (a request's path matters only then).
    pub(crate) fn any_path(&self) -> bool {
        self.shared.any_path.load(Ordering::Acquire)
    }

    /// The armed rules in arming order, with their counters.
    pub fn rules(&self) -> Vec<ArmedRule> {
        self.lock().rules.clone()
    }

    /// Decides for one call, counting it: the first rule in arming order that fires
    /// on it, or `None`. Every rule whose scope matches counts the call, whether or
    /// not an earlier rule fired on it (see the [crate docs](crate#when-a-rule-fires)).
    /// The call has no path: rules with a `path` do not match it (see
    /// [`check_request`](Self::check_request)).
    #[inline]
    pub fn check(&self, call: &Call<'_>) -> Option<Fired> {
        if !self.any_armed() {
            return None;
        }
        self.decide(&RequestInfo::from(call), Scope::Wire)
    }

    /// Decides for one request on any route (the server's API, version and OpenAPI
    /// routes, unknown routes), counting it, as [`check`](Self::check) does for a
    /// call: rules match by `operation` and/or `path`, then `dataset` and `user`.
    /// One atomic load while no rule is armed.
    #[inline]
    pub fn check_request(&self, request: &RequestInfo<'_>) -> Option<Fired> {
        if !self.any_armed() {
            return None;
        }
        self.decide(request, Scope::Wire)
    }

    /// [`check_request`](Self::check_request) for a repository's call: rules that
    /// only a connection can express ([`FaultAction::is_wire_only`]) are out of its
    /// scope (neither matched nor fired).
    pub(crate) fn check_in_process(&self, request: &RequestInfo<'_>) -> Option<Fired> {
        if !self.any_armed() {
            return None;
        }
        self.decide(request, Scope::InProcess)
    }

    fn decide(&self, request: &RequestInfo<'_>, scope: Scope) -> Option<Fired> {
        let mut state = self.lock();
        let mut fired = None;
        for armed in &mut state.rules {
            if !in_scope(&armed.rule, request)
                || (scope == Scope::InProcess && armed.rule.action.is_wire_only())
            {
                continue;
            }
            let k = armed.matched;
            armed.matched += 1;
            if fired.is_none() && fires(&armed.rule, k, armed.fired) {
                armed.fired += 1;
                fired = Some(firing(armed, k));
            }
        }
        fired
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Counters stay consistent whatever a panicking holder was doing: every update
        // is one field at a time.
        self.shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for Faults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Faults")
            .field("rules", &self.lock().rules)
            .finish()
    }
}

/// Who decides: the server (every rule) or a repository's decorator (not the rules
/// only a connection can express).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Wire,
    InProcess,
}

/// What the rule `armed` does on its `k`-th matching call.
fn firing(armed: &ArmedRule, k: u64) -> Fired {
    let rule = &armed.rule;
    let action = &rule.action;
    let delay = match action.delay_distribution {
        Some(distribution) => Some(distribution.draw(rule.seed, k)),
        None => action.delay,
    };
    Fired {
        rule: armed.id,
        action: action.clone(),
        delay,
        garbage: (action.drop == Some(DropMode::Garbage)).then(|| garbage(rule.seed, k)),
    }
}

/// Whether `call` is in the rule's scope: its operation and its path when the rule
/// names them (a rule with neither, built by hand, matches every request), and its
/// dataset and user when the rule names them.
fn in_scope(rule: &FaultRule, call: &RequestInfo<'_>) -> bool {
    rule.operation.is_none_or(|operation| {
        call.operation
            .is_some_and(|called| operation.matches(called))
    }) && rule
        .path
        .as_ref()
        .is_none_or(|path| call.path.is_some_and(|called| path.matches(called)))
        && rule
            .dataset
            .as_ref()
            .is_none_or(|dataset| call.dataset == Some(dataset))
        && rule
            .user
            .as_deref()
            .is_none_or(|user| call.user == Some(user))
}

/// Whether the rule fires on its `k`-th matching call (from 0), having fired `fired`
/// times before.
fn fires(rule: &FaultRule, k: u64, fired: u64) -> bool {
    k >= rule.after
        && rule.times.is_none_or(|times| fired < times)
        && (rule.probability >= 1.0
            || unit_interval(draw(rule.seed, Stream::Fire, k, 0)) < rule.probability)
}
