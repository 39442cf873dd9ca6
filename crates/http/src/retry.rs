//! When and how long to wait before trying a failed call again: [`RetryPolicy`].

use std::time::Duration;

use backon::ExponentialBuilder;
use collab_core::{Error, wire};

/// How [`HttpRepository`](crate::HttpRepository) retries calls that failed in a way that
/// trying again can fix.
///
/// # What is retried
///
/// A call is tried again when it failed with an error for which
/// [`collab_core::Error::is_retryable`] holds:
///
/// - a transport error (connection refused or reset, timeout, broken body);
/// - `429 Too Many Requests`, waiting at least its `Retry-After` (seconds or an HTTP date);
/// - `408` and every `5xx`, **including `500`**: Lightly's own Python client retries
///   5xx answers too, and all three operations are safe to repeat (see below). Their
///   `Retry-After` (a `503`'s, typically) is honoured as a `429`'s is.
///
/// Every other answer (`400`, `401`, `403`, `404`, a malformed success body) is final.
///
/// # Why repeating is safe
///
/// `GET` only reads. `POST .../access` is not idempotent by HTTP's rules, but it is in
/// effect: it *replaces* the dataset's config of that access type with the same lists,
/// so sending it twice leaves the state of sending it once. `DELETE` is idempotent in
/// state; a delete retried after an attempt with an unknown outcome that then finds no
/// config reports success, because the config is gone either way.
///
/// # Delays
///
/// The `n`-th retry waits `initial_backoff * 2^(n-1)`, never more than `max_backoff`.
/// With `jitter`, each wait is stretched by a random factor in `[1, 2)` (then capped by
/// `max_backoff` again), so that many clients failing at once do not retry in step.
/// A `429` or `503` (any retried answer) waits the larger of its `Retry-After` and the
/// computed backoff; a `Retry-After` longer than `max_backoff` ends the retries at
/// once and hands the caller the error with that wait, since asking earlier only earns
/// another refusal: [`Error::RateLimited`](collab_core::Error::RateLimited) for a
/// `429`, [`Error::Unavailable`](collab_core::Error::Unavailable) with a
/// [`wire::RetryAfter`](collab_core::wire::RetryAfter) source for the others. A
/// `Retry-After` given as an HTTP date is honoured like the seconds until that date.
///
/// # Bounds
///
/// At most `max_attempts` attempts (the first one included), within the call's time
/// budget: see [`HttpRepositoryBuilder`](crate::HttpRepositoryBuilder#the-time-budget-of-a-call),
/// where `max_elapsed`, the request timeout and the call timeout are one budget. And
/// each retry is paid from the [`RetryBudget`](crate::RetryBudget) that the
/// repository's clones share: when it is spent, the failure is returned at once.
///
/// Built with [`RetryPolicy::new`] (Lightly's defaults) and the `with_*` methods; the
/// fields can be read but, the type being `#[non_exhaustive]`, not written as a
/// literal, so that a field added later breaks no caller.
///
/// ```
/// use std::time::Duration;
/// use collab_http::RetryPolicy;
///
/// let patient = RetryPolicy::new().with_max_attempts(10);
/// assert_eq!(patient.initial_backoff, Duration::from_secs(1));
/// assert_eq!(RetryPolicy::none().max_attempts, 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// The most attempts one call makes, the first one included; `0` counts as `1`.
    pub max_attempts: u32,
    /// The wait before the first retry.
    pub initial_backoff: Duration,
    /// The longest wait between two attempts, `Retry-After` included.
    pub max_backoff: Duration,
    /// How long retrying may go on, from the call's start: no retry is scheduled past
    /// it, and a retry gets only what is left of it.
    pub max_elapsed: Duration,
    /// Whether to randomise each wait (see the type's docs).
    pub jitter: bool,
}

impl Default for RetryPolicy {
    /// [`RetryPolicy::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl RetryPolicy {
    /// Like Lightly's Python client: 5 retries (`max_attempts` 6), waits from 1 s
    /// (`initial_backoff`) doubling up to 32 s (`max_backoff`), with `jitter`, within
    /// 90 s in all (`max_elapsed`).
    ///
    /// Worst case: a call that keeps failing returns its error after about 90 s
    /// (`max_elapsed`; longer only if the request timeout is longer). That suits a
    /// service; an interactive tool should bound its calls with
    /// [`HttpRepositoryBuilder::with_call_timeout`](crate::HttpRepositoryBuilder::with_call_timeout)
    /// or a policy of its own.
    pub const fn new() -> Self {
        Self {
            max_attempts: 6,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(32),
            max_elapsed: Duration::from_secs(90),
            jitter: true,
        }
    }

    /// The most attempts one call makes, the first one included; `0` counts as `1`.
    pub const fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// The wait before the first retry.
    pub const fn with_initial_backoff(mut self, wait: Duration) -> Self {
        self.initial_backoff = wait;
        self
    }

    /// The longest wait between two attempts, `Retry-After` included.
    pub const fn with_max_backoff(mut self, wait: Duration) -> Self {
        self.max_backoff = wait;
        self
    }

    /// How long retrying may go on, from the call's start.
    pub const fn with_max_elapsed(mut self, budget: Duration) -> Self {
        self.max_elapsed = budget;
        self
    }

    /// Whether to randomise each wait.
    pub const fn with_jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// No retries: every call makes exactly one attempt.
    pub const fn none() -> Self {
        Self {
            max_attempts: 1,
            initial_backoff: Duration::ZERO,
            max_backoff: Duration::ZERO,
            max_elapsed: Duration::ZERO,
            jitter: false,
        }
    }

    /// The backoff schedule for one call: yields the proposed wait before each retry.
    pub(crate) fn backoff(&self) -> ExponentialBuilder {
        let retries = self.max_attempts.saturating_sub(1);
        let builder = ExponentialBuilder::new()
            .with_factor(2.0)
            .with_min_delay(self.initial_backoff)
            .with_max_delay(self.max_backoff)
            .with_max_times(usize::try_from(retries).unwrap_or(usize::MAX));
        if self.jitter {
            builder.with_jitter()
        } else {
            builder
        }
    }

    /// The wait before the next attempt, or `None` to stop and hand back the error;
    /// whether it fits in the call's time budget is the budget's to say
    /// ([`CallBudget::wait`](crate::call_limit::CallBudget::wait)).
    ///
    /// `proposed` is the schedule's next wait (`None` once the attempts are used up),
    /// `retry_after` what the service asked for.
    pub(crate) fn next_delay(
        &self,
        proposed: Option<Duration>,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        let backoff = proposed?.min(self.max_backoff);
        match retry_after {
            Some(asked) if asked > self.max_backoff => None,
            Some(asked) => Some(asked.max(backoff)),
            None => Some(backoff),
        }
    }
}

/// How long the service asked to wait before trying again: a `429`'s `Retry-After`
/// ([`Error::retry_after`]) or another retryable answer's (a `503`'s), which
/// [`wire::error_from_response`] keeps as the error's [`wire::RetryAfter`] source.
pub(crate) fn wait_asked_by(error: &Error) -> Option<Duration> {
    error.retry_after().or_else(|| match error {
        Error::Unavailable {
            source: Some(source),
            ..
        } => source
            .downcast_ref::<wire::RetryAfter>()
            .map(|asked| asked.0),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use backon::BackoffBuilder;
    use proptest::prelude::*;

    use super::*;

    fn ms(millis: u64) -> Duration {
        Duration::from_millis(millis)
    }

    fn answered(status: u16, retry_after: Option<Duration>) -> Error {
        let target = wire::CallTarget {
            dataset: "0123456789abcdef01234567".parse().expect("id"),
            config: None,
        };
        wire::error_from_response(status, None, retry_after, target)
    }

    #[test]
    fn the_wait_asked_by_a_503_is_honoured_as_a_429s() {
        assert_eq!(
            wait_asked_by(&answered(503, Some(ms(2000)))),
            Some(ms(2000))
        );
        assert_eq!(
            wait_asked_by(&answered(429, Some(ms(3000)))),
            Some(ms(3000))
        );
        assert_eq!(wait_asked_by(&answered(503, None)), None);
        assert_eq!(wait_asked_by(&answered(404, Some(ms(1000)))), None);
        let unavailable = answered(503, Some(ms(2000)));
        assert!(unavailable.is_retryable(), "{unavailable:?}");
        let delay = fast(3).next_delay(Some(ms(100)), wait_asked_by(&unavailable));
        assert_eq!(delay, None, "2 s is over this policy's max backoff of 1 s");
        let delay = fast(3).next_delay(Some(ms(100)), Some(ms(700)));
        assert_eq!(delay, Some(ms(700)));
    }

    fn fast(max_attempts: u32) -> RetryPolicy {
        RetryPolicy {
            max_attempts,
            initial_backoff: ms(100),
            max_backoff: ms(1000),
            max_elapsed: ms(10_000),
            jitter: false,
        }
    }

    #[test]
    fn schedule_doubles_up_to_the_cap_and_stops_after_the_attempts() {
        // backon computes in f32: compare whole milliseconds.
        let delays: Vec<_> = fast(7).backoff().build().map(|d| d.as_millis()).collect();
        assert_eq!(delays, [100, 200, 400, 800, 1000, 1000]);
    }

    #[test]
    fn default_schedule_is_lightlys_five_retries_from_one_second_to_32() {
        let policy = RetryPolicy {
            jitter: false,
            ..RetryPolicy::default()
        };
        let delays: Vec<_> = policy.backoff().build().collect();
        let secs: Vec<_> = delays.iter().map(Duration::as_secs).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16]);
    }

    #[test]
    fn no_retries_means_an_empty_schedule() {
        assert_eq!(RetryPolicy::none().backoff().build().next(), None);
        assert_eq!(fast(0).backoff().build().next(), None);
    }

    #[test]
    fn retry_after_is_honoured_when_longer_than_the_backoff() {
        let delay = fast(3).next_delay(Some(ms(100)), Some(ms(700)));
        assert_eq!(delay, Some(ms(700)));
    }

    #[test]
    fn backoff_wins_when_longer_than_retry_after() {
        let delay = fast(3).next_delay(Some(ms(400)), Some(Duration::ZERO));
        assert_eq!(delay, Some(ms(400)));
    }

    #[test]
    fn retry_after_beyond_max_backoff_stops_retrying() {
        let delay = fast(3).next_delay(Some(ms(100)), Some(ms(1001)));
        assert_eq!(delay, None);
    }

    #[test]
    fn exhausted_attempts_stop_retrying_even_with_retry_after() {
        assert_eq!(fast(3).next_delay(None, Some(ms(1))), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn waits_stay_within_max_backoff_and_the_attempts(
            initial_ms in 0u64..2_000,
            max_ms in 0u64..5_000,
            budget_ms in 0u64..20_000,
            attempts in 0u32..12,
            retry_after_ms in proptest::option::of(0u64..6_000),
        ) {
            let policy = RetryPolicy {
                max_attempts: attempts,
                initial_backoff: ms(initial_ms),
                max_backoff: ms(max_ms),
                max_elapsed: ms(budget_ms),
                jitter: true,
            };
            let retry_after = retry_after_ms.map(ms);
            let mut schedule = policy.backoff().build();
            let mut retries = 0;
            while let Some(delay) = policy.next_delay(schedule.next(), retry_after) {
                retries += 1;
                prop_assert!(delay <= policy.max_backoff);
                if let Some(asked) = retry_after {
                    prop_assert!(delay >= asked);
                }
                prop_assert!(retries < 12, "the schedule must end");
            }
            prop_assert!(retries <= attempts.saturating_sub(1));
        }
    }
}
