//! How many retries the clones of one repository may make together: [`RetryBudget`].

use std::sync::atomic::{AtomicU32, Ordering};

use collab_core::Error;

/// A budget of retries shared by every clone of one
/// [`HttpRepository`](crate::HttpRepository), in the manner of aws-sdk's *standard*
/// retry mode: a retry spends from it, a success refills it, and when it is spent a
/// failed attempt is returned at once instead of retried.
///
/// Without one, a fleet of callers facing a service that is down multiplies its load
/// by the attempt count; with one, it adds at most `capacity / retry_cost` retries to
/// the calls it makes, then backs off to one attempt per call until successes refill
/// the budget.
///
/// # Numbers
///
/// The default, [`RetryBudget::new`], is aws-sdk's: a capacity of **500** tokens, a
/// retry costs **5**, a successful call refills **1**. So a service that fails every
/// call sees at most **100** retries in all from one repository and its clones, then
/// one attempt per call: 1 000 calls from 8 clones with 3 attempts each make at most
/// 1 100 attempts instead of 3 000 (the `retry_budget` test measures it; see
/// `docs/benchmarks.md`). Once the service answers again, each success earns back a
/// fifth of a retry.
///
/// ```
/// use collab_http::{HttpRepository, RetryBudget};
///
/// let repo = HttpRepository::builder()
///     .with_api_token("t")
///     .with_retry_budget(RetryBudget::new().with_capacity(50).with_retry_cost(5))
///     .build()?;
/// assert_eq!(repo.retry_budget().capacity(), 50);
/// // Retrying on every failure whatever the others do, as before budgets:
/// let unbounded = HttpRepository::builder()
///     .with_api_token("t")
///     .with_retry_budget(RetryBudget::unlimited())
///     .build()?;
/// assert!(unbounded.retry_budget().is_unlimited());
/// # Ok::<(), collab_http::BuildError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryBudget {
    capacity: u32,
    retry_cost: u32,
    success_refill: u32,
}

/// aws-sdk's standard mode: the budget's capacity.
const DEFAULT_CAPACITY: u32 = 500;
/// aws-sdk's standard mode: what a retry costs.
const DEFAULT_RETRY_COST: u32 = 5;
/// aws-sdk's standard mode: what a success earns back.
const DEFAULT_SUCCESS_REFILL: u32 = 1;

impl Default for RetryBudget {
    fn default() -> Self {
        Self::new()
    }
}

impl RetryBudget {
    /// The default budget: capacity 500, a retry costs 5, a success refills 1.
    pub const fn new() -> Self {
        Self {
            capacity: DEFAULT_CAPACITY,
            retry_cost: DEFAULT_RETRY_COST,
            success_refill: DEFAULT_SUCCESS_REFILL,
        }
    }

    /// No budget: every call retries as its [`RetryPolicy`](crate::RetryPolicy) says,
    /// whatever the others do.
    pub const fn unlimited() -> Self {
        Self {
            capacity: u32::MAX,
            retry_cost: 0,
            success_refill: 0,
        }
    }

    /// The most tokens the budget holds, and what it starts with.
    pub const fn with_capacity(mut self, capacity: u32) -> Self {
        self.capacity = capacity;
        self
    }

    /// The tokens one retry spends; `0` makes the budget unlimited.
    pub const fn with_retry_cost(mut self, cost: u32) -> Self {
        self.retry_cost = cost;
        self
    }

    /// The tokens a successful call earns back (never beyond the capacity).
    pub const fn with_success_refill(mut self, refill: u32) -> Self {
        self.success_refill = refill;
        self
    }

    /// The most tokens the budget holds.
    pub const fn capacity(&self) -> u32 {
        self.capacity
    }

    /// The tokens one retry spends.
    pub const fn retry_cost(&self) -> u32 {
        self.retry_cost
    }

    /// The tokens a successful call earns back.
    pub const fn success_refill(&self) -> u32 {
        self.success_refill
    }

    /// Whether retries never wait for the budget.
    pub const fn is_unlimited(&self) -> bool {
        self.retry_cost == 0
    }
}

/// The tokens left of a [`RetryBudget`], shared by a repository's clones.
#[derive(Debug)]
pub(crate) struct Tokens {
    budget: RetryBudget,
    left: AtomicU32,
}

impl Tokens {
    pub(crate) fn new(budget: RetryBudget) -> Self {
        Self {
            budget,
            left: AtomicU32::new(budget.capacity),
        }
    }

    pub(crate) fn budget(&self) -> &RetryBudget {
        &self.budget
    }

    /// Spends the cost of one retry; `false` (and nothing spent) when too little is left.
    pub(crate) fn spend_on_retry(&self) -> bool {
        let cost = self.budget.retry_cost;
        cost == 0
            || self
                .left
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| {
                    left.checked_sub(cost)
                })
                .is_ok()
    }

    /// Earns back what a successful call is worth.
    pub(crate) fn refill_on_success(&self) {
        let (refill, capacity) = (self.budget.success_refill, self.budget.capacity);
        if refill == 0 {
            return;
        }
        let _ = self
            .left
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| {
                (left < capacity).then(|| left.saturating_add(refill).min(capacity))
            });
    }
}

/// What the error of a call says when its budget refused a retry.
const SPENT: &str = "not retried: the retry budget shared by this repository's clones is spent";

/// The error of a call whose retry the budget refused: an outage says so (first, so
/// that the service's request id stays at the message's end); a `429` is handed back
/// as it is, with its wait.
pub(crate) fn refused(error: Error) -> Error {
    tracing::debug!(%error, "collab-http: {SPENT}");
    match error {
        Error::Unavailable { message, source } => Error::Unavailable {
            message: format!("{SPENT}; {message}"),
            source,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_allows_a_hundred_retries_then_none_until_successes_refill_it() {
        let tokens = Tokens::new(RetryBudget::new());
        let granted = (0..1_000).filter(|_| tokens.spend_on_retry()).count();
        assert_eq!(granted, 100);
        for _ in 0..4 {
            tokens.refill_on_success();
        }
        assert!(!tokens.spend_on_retry(), "4 tokens do not pay a retry");
        tokens.refill_on_success();
        assert!(tokens.spend_on_retry(), "5 successes pay one retry");
    }

    #[test]
    fn refills_stop_at_the_capacity() {
        let tokens = Tokens::new(RetryBudget::new().with_capacity(10));
        for _ in 0..100 {
            tokens.refill_on_success();
        }
        let granted = (0..100).filter(|_| tokens.spend_on_retry()).count();
        assert_eq!(granted, 2);
    }

    #[test]
    fn an_unlimited_budget_always_pays() {
        let tokens = Tokens::new(RetryBudget::unlimited());
        assert!((0..10_000).all(|_| tokens.spend_on_retry()));
        assert!(RetryBudget::new().with_retry_cost(0).is_unlimited());
    }
}
