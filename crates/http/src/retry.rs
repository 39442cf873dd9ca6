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
/// - `429 Too Many Requests`, waiting at least its `Retry-After` (seconds);
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
/// At most `max_attempts` attempts (the first one included). No retry is scheduled
/// whose wait would end after `max_elapsed` since the call began, and a retried attempt
/// gets only the time left of `max_elapsed` (or the request timeout, if shorter): a
/// call ends within the longer of the request timeout and `max_elapsed`.
///
/// ```
/// use std::time::Duration;
/// use collab_http::RetryPolicy;
///
/// let patient = RetryPolicy { max_attempts: 10, ..RetryPolicy::default() };
/// assert_eq!(patient.initial_backoff, Duration::from_secs(1));
/// assert_eq!(RetryPolicy::none().max_attempts, 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The most attempts one call makes, the first one included; `0` counts as `1`.
    pub max_attempts: u32,
    /// The wait before the first retry.
    pub initial_backoff: Duration,
    /// The longest wait between two attempts, `Retry-After` included.
    pub max_backoff: Duration,
    /// The time budget of one call, from its start: no retry is scheduled past it.
    pub max_elapsed: Duration,
    /// Whether to randomise each wait (see the type's docs).
    pub jitter: bool,
}

impl Default for RetryPolicy {
    /// Like Lightly's Python client: 5 retries (6 attempts), waits from 1 s doubling up
    /// to 32 s, with jitter, within 90 s in all.
    ///
    /// Worst case: a call that keeps failing returns its error after about 90 s
    /// (`max_elapsed`; longer only if the request timeout is longer). That suits a
    /// service; an interactive tool should bound its calls with
    /// [`HttpRepositoryBuilder::with_call_timeout`](crate::HttpRepositoryBuilder::with_call_timeout)
    /// or a policy of its own.
    fn default() -> Self {
        Self {
            max_attempts: 6,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(32),
            max_elapsed: Duration::from_secs(90),
            jitter: true,
        }
    }
}

impl RetryPolicy {
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

    /// The wait before the next attempt, or `None` to stop and hand back the error.
    ///
    /// `proposed` is the schedule's next wait (`None` once the attempts are used up),
    /// `retry_after` what the service asked for, `elapsed` the time since the call began.
    pub(crate) fn next_delay(
        &self,
        proposed: Option<Duration>,
        retry_after: Option<Duration>,
        elapsed: Duration,
    ) -> Option<Duration> {
        let backoff = proposed?.min(self.max_backoff);
        let delay = match retry_after {
            Some(asked) if asked > self.max_backoff => return None,
            Some(asked) => asked.max(backoff),
            None => backoff,
        };
        (elapsed.saturating_add(delay) < self.max_elapsed).then_some(delay)
    }

    /// The timeout of one attempt: the full request timeout for the first, and no more
    /// than what is left of `max_elapsed` for a retry.
    pub(crate) fn attempt_timeout(
        &self,
        request_timeout: Duration,
        attempt: u32,
        elapsed: Duration,
    ) -> Duration {
        if attempt <= 1 {
            return request_timeout;
        }
        let left = self.max_elapsed.saturating_sub(elapsed);
        request_timeout.min(left.max(MIN_ATTEMPT_TIMEOUT))
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

/// A retry always gets at least this long, so that it is a real attempt.
const MIN_ATTEMPT_TIMEOUT: Duration = Duration::from_millis(10);

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
        let delay = fast(3).next_delay(Some(ms(100)), wait_asked_by(&unavailable), Duration::ZERO);
        assert_eq!(delay, None, "2 s is over this policy's max backoff of 1 s");
        let delay = fast(3).next_delay(Some(ms(100)), Some(ms(700)), Duration::ZERO);
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
        let delay = fast(3).next_delay(Some(ms(100)), Some(ms(700)), Duration::ZERO);
        assert_eq!(delay, Some(ms(700)));
    }

    #[test]
    fn backoff_wins_when_longer_than_retry_after() {
        let delay = fast(3).next_delay(Some(ms(400)), Some(Duration::ZERO), Duration::ZERO);
        assert_eq!(delay, Some(ms(400)));
    }

    #[test]
    fn retry_after_beyond_max_backoff_stops_retrying() {
        let delay = fast(3).next_delay(Some(ms(100)), Some(ms(1001)), Duration::ZERO);
        assert_eq!(delay, None);
    }

    #[test]
    fn a_wait_past_the_time_budget_stops_retrying() {
        let policy = fast(3);
        assert_eq!(
            policy.next_delay(Some(ms(100)), None, ms(9_899)),
            Some(ms(100))
        );
        assert_eq!(policy.next_delay(Some(ms(100)), None, ms(9_900)), None);
    }

    #[test]
    fn exhausted_attempts_stop_retrying_even_with_retry_after() {
        assert_eq!(fast(3).next_delay(None, Some(ms(1)), Duration::ZERO), None);
    }

    #[test]
    fn a_retry_gets_only_what_is_left_of_the_budget() {
        let policy = fast(3);
        let timeout = Duration::from_secs(30);
        assert_eq!(policy.attempt_timeout(timeout, 1, ms(9_999)), timeout);
        assert_eq!(policy.attempt_timeout(timeout, 2, ms(9_000)), ms(1000));
        assert_eq!(policy.attempt_timeout(ms(100), 2, Duration::ZERO), ms(100));
        assert_eq!(
            policy.attempt_timeout(timeout, 2, ms(20_000)),
            MIN_ATTEMPT_TIMEOUT
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn waits_stay_within_max_backoff_and_the_budget(
            initial_ms in 0u64..2_000,
            max_ms in 0u64..5_000,
            budget_ms in 0u64..20_000,
            attempts in 0u32..12,
            retry_after_ms in proptest::option::of(0u64..6_000),
            elapsed_ms in 0u64..20_000,
        ) {
            let policy = RetryPolicy {
                max_attempts: attempts,
                initial_backoff: ms(initial_ms),
                max_backoff: ms(max_ms),
                max_elapsed: ms(budget_ms),
                jitter: true,
            };
            let retry_after = retry_after_ms.map(ms);
            let elapsed = ms(elapsed_ms);
            let mut schedule = policy.backoff().build();
            let mut retries = 0;
            while let Some(delay) = policy.next_delay(schedule.next(), retry_after, elapsed) {
                retries += 1;
                prop_assert!(delay <= policy.max_backoff);
                prop_assert!(elapsed + delay < policy.max_elapsed);
                if let Some(asked) = retry_after {
                    prop_assert!(delay >= asked);
                }
                prop_assert!(retries < 12, "the schedule must end");
            }
            prop_assert!(retries <= attempts.saturating_sub(1));
        }
    }
}
