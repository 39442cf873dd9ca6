//! The time budget of a call: [`CallLimit`] (what the builder was told) and
//! [`CallBudget`] (one call's budget in progress). The request timeout, the retry
//! policy's `max_elapsed` and the call timeout or deadline meet here, and only here;
//! `HttpRepositoryBuilder`'s docs ("The time budget of a call") say how.

use std::time::Duration;

use tokio::time::Instant;

use crate::RetryPolicy;

/// What bounds one call as a whole; see `HttpRepositoryBuilder::with_call_timeout` and
/// `with_deadline`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CallLimit {
    /// How long one call may take from its start.
    pub(crate) timeout: Option<Duration>,
    /// An instant no call may run past.
    pub(crate) deadline: Option<std::time::Instant>,
}

/// An attempt always gets at least this long, so that it is a real attempt, even when
/// the budget is (nearly) spent.
const MIN_ATTEMPT_TIMEOUT: Duration = Duration::from_millis(10);

impl CallLimit {
    /// When a call that started at `started` must end, if anything bounds it.
    fn end(&self, started: Instant) -> Option<Instant> {
        let by_timeout = self
            .timeout
            .and_then(|timeout| started.checked_add(timeout));
        let by_deadline = self.deadline.map(Instant::from_std);
        earlier(by_timeout, by_deadline)
    }
}

fn earlier(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The time budget of one call in progress.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CallBudget {
    request_timeout: Duration,
    /// No attempt runs past it: the call timeout or the deadline.
    end: Option<Instant>,
    /// No retry is scheduled or runs past it: the end, or `max_elapsed` after the
    /// start if earlier.
    retries_end: Option<Instant>,
}

impl CallBudget {
    /// The budget of a call starting now.
    pub(crate) fn start(
        limit: &CallLimit,
        policy: &RetryPolicy,
        request_timeout: Duration,
    ) -> Self {
        let started = Instant::now();
        let end = limit.end(started);
        let retries_end = earlier(end, started.checked_add(policy.max_elapsed));
        Self {
            request_timeout,
            end,
            retries_end,
        }
    }

    /// The timeout of attempt number `attempt` (from 1), starting now: the request
    /// timeout, cut to what is left before the end (for the first attempt) or before
    /// the retries' end (for a retry), but never under [`MIN_ATTEMPT_TIMEOUT`].
    pub(crate) fn attempt_timeout(&self, attempt: u32) -> Duration {
        let end = if attempt <= 1 {
            self.end
        } else {
            self.retries_end
        };
        match end {
            Some(end) => self.request_timeout.min(
                end.saturating_duration_since(Instant::now())
                    .max(MIN_ATTEMPT_TIMEOUT),
            ),
            None => self.request_timeout,
        }
    }

    /// A proposed wait before a retry, kept only if the retry could still start before
    /// the retries' end.
    pub(crate) fn wait(&self, delay: Option<Duration>) -> Option<Duration> {
        let delay = delay?;
        match self.retries_end {
            Some(end) if Instant::now() + delay >= end => None,
            _ => Some(delay),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(seconds: u64) -> Duration {
        Duration::from_secs(seconds)
    }

    fn policy(max_elapsed: Duration) -> RetryPolicy {
        RetryPolicy::new().with_max_elapsed(max_elapsed)
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_call_limit_max_elapsed_bounds_only_the_retries() {
        let budget = CallBudget::start(&CallLimit::default(), &policy(secs(10)), secs(30));
        assert_eq!(
            budget.attempt_timeout(1),
            secs(30),
            "the first attempt: all of it"
        );
        assert_eq!(budget.attempt_timeout(2), secs(10), "a retry: what is left");
        assert_eq!(budget.wait(Some(secs(9))), Some(secs(9)));
        assert_eq!(budget.wait(Some(secs(10))), None);
        tokio::time::advance(secs(9)).await;
        assert_eq!(budget.attempt_timeout(2), secs(1));
        tokio::time::advance(secs(5)).await;
        assert_eq!(budget.attempt_timeout(2), MIN_ATTEMPT_TIMEOUT);
        assert_eq!(budget.wait(Some(Duration::ZERO)), None);
    }

    #[tokio::test(start_paused = true)]
    async fn the_call_timeout_cuts_every_attempt_and_wait() {
        let limit = CallLimit {
            timeout: Some(secs(2)),
            deadline: None,
        };
        let budget = CallBudget::start(&limit, &policy(secs(90)), secs(30));
        assert_eq!(budget.attempt_timeout(1), secs(2));
        assert_eq!(budget.attempt_timeout(2), secs(2));
        assert_eq!(budget.wait(Some(secs(1))), Some(secs(1)));
        assert_eq!(budget.wait(Some(secs(2))), None);
        tokio::time::advance(secs(3)).await;
        assert_eq!(budget.attempt_timeout(1), MIN_ATTEMPT_TIMEOUT);
        let short = CallBudget::start(&limit, &policy(secs(90)), secs(1));
        assert_eq!(
            short.attempt_timeout(1),
            secs(1),
            "the request timeout, if shorter"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_earlier_of_the_call_timeout_and_the_deadline_ends_a_call() {
        let limit = CallLimit {
            timeout: Some(secs(5)),
            deadline: Some(std::time::Instant::now() + secs(60)),
        };
        let budget = CallBudget::start(&limit, &policy(secs(90)), secs(30));
        assert_eq!(budget.attempt_timeout(1), secs(5));
        let unbounded = RetryPolicy::new().with_max_elapsed(Duration::MAX);
        let budget = CallBudget::start(&CallLimit::default(), &unbounded, secs(30));
        assert_eq!(budget.attempt_timeout(2), secs(30), "no overflow, no bound");
    }
}
