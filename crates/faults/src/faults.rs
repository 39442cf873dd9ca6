//! [`Faults`]: the armed rules, and the one matching that decides, call by call, which
//! rule fires.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use collab_core::DatasetId;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::rule::{FaultAction, FaultRule, Operation};

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

/// What fired on a call: the rule's id and its action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fired {
    /// The rule that fired.
    pub rule: FaultId,
    /// What to do.
    pub action: FaultAction,
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
        state.rules.push(ArmedRule {
            id,
            rule,
            matched: 0,
            fired: 0,
        });
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
        removed
    }

    /// Disarms every rule (ids are still not reused).
    pub fn clear(&self) {
        let mut state = self.lock();
        state.rules.clear();
        self.shared.any_armed.store(false, Ordering::Release);
    }

    /// Whether any rule is armed: when none is, [`check`](Self::check) answers `None`
    /// at the cost of one atomic load.
    #[inline]
    pub fn any_armed(&self) -> bool {
        self.shared.any_armed.load(Ordering::Acquire)
    }

    /// The armed rules in arming order, with their counters.
    pub fn rules(&self) -> Vec<ArmedRule> {
        self.lock().rules.clone()
    }

    /// Decides for one call, counting it: the first rule in arming order that fires
    /// on it, or `None`. Every rule whose scope matches counts the call, whether or
    /// not an earlier rule fired on it (see the [crate docs](crate#when-a-rule-fires)).
    pub fn check(&self, call: &Call<'_>) -> Option<Fired> {
        if !self.any_armed() {
            return None;
        }
        let mut state = self.lock();
        let mut fired = None;
        for armed in &mut state.rules {
            if !in_scope(&armed.rule, call) {
                continue;
            }
            let k = armed.matched;
            armed.matched += 1;
            if fired.is_none() && fires(&armed.rule, k, armed.fired) {
                armed.fired += 1;
                fired = Some(Fired {
                    rule: armed.id,
                    action: armed.rule.action.clone(),
                });
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

/// Whether `call` is in the rule's scope: its operation, and its dataset and user
/// when the rule names them.
fn in_scope(rule: &FaultRule, call: &Call<'_>) -> bool {
    rule.operation.matches(call.operation)
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
        && (rule.probability >= 1.0 || unit_interval(splitmix64(rule.seed, k)) < rule.probability)
}

/// The `k`-th output (from 0) of the SplitMix64 generator seeded with `seed`: a
/// function of the two alone, so the same seed picks the same calls in every run.
pub(crate) fn splitmix64(seed: u64, k: u64) -> u64 {
    let mut z = seed.wrapping_add(k.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The top 53 bits of `bits` as a number in `[0, 1)`.
fn unit_interval(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_is_the_reference_sequence() {
        // SplitMix64 seeded with 1234567: the published reference outputs. Pinned, because
        // a change would change which calls fire for every seed users wrote down.
        assert_eq!(splitmix64(1_234_567, 0), 6_457_827_717_110_365_317);
        assert_eq!(splitmix64(1_234_567, 1), 3_203_168_211_198_807_973);
    }

    #[test]
    fn unit_interval_spans_zero_to_below_one() {
        assert_eq!(unit_interval(0), 0.0);
        assert!(unit_interval(u64::MAX) < 1.0);
    }
}
