//! The overall deadline of a call, retries included: [`CallLimit`].

use std::time::Duration;

use tokio::time::Instant;

/// What bounds one call as a whole, on top of each attempt's own timeout and the
/// retry policy's budget; see `HttpRepositoryBuilder::with_call_timeout` and
/// `with_deadline`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CallLimit {
    /// How long one call may take from its start.
    pub(crate) timeout: Option<Duration>,
    /// An instant no call may run past.
    pub(crate) deadline: Option<std::time::Instant>,
}

/// A retried attempt always gets at least this long, so that it is a real attempt.
const MIN_ATTEMPT: Duration = Duration::from_millis(1);

impl CallLimit {
    /// When a call that started at `started` must end, if anything bounds it.
    pub(crate) fn end(&self, started: Instant) -> Option<Instant> {
        let by_timeout = self.timeout.map(|timeout| started + timeout);
        let by_deadline = self.deadline.map(Instant::from_std);
        match (by_timeout, by_deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// An attempt's timeout cut to what is left before `end`.
    pub(crate) fn attempt_timeout(timeout: Duration, end: Option<Instant>) -> Duration {
        match end {
            Some(end) => timeout.min(
                end.saturating_duration_since(Instant::now())
                    .max(MIN_ATTEMPT),
            ),
            None => timeout,
        }
    }

    /// A proposed wait, kept only if the next attempt could still start before `end`.
    pub(crate) fn wait(delay: Option<Duration>, end: Option<Instant>) -> Option<Duration> {
        let delay = delay?;
        match end {
            Some(end) if Instant::now() + delay >= end => None,
            _ => Some(delay),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_earlier_bound_ends_a_call() {
        let started = Instant::now();
        let limit = CallLimit {
            timeout: Some(Duration::from_secs(5)),
            deadline: None,
        };
        assert_eq!(limit.end(started), Some(started + Duration::from_secs(5)));
        assert_eq!(CallLimit::default().end(started), None);
    }

    #[tokio::test(start_paused = true)]
    async fn attempts_and_waits_stay_before_the_end() {
        let end = Some(Instant::now() + Duration::from_secs(2));
        assert_eq!(
            CallLimit::attempt_timeout(Duration::from_secs(30), end),
            Duration::from_secs(2)
        );
        assert_eq!(
            CallLimit::attempt_timeout(Duration::from_secs(1), end),
            Duration::from_secs(1)
        );
        assert_eq!(
            CallLimit::wait(Some(Duration::from_secs(1)), end),
            Some(Duration::from_secs(1))
        );
        assert_eq!(CallLimit::wait(Some(Duration::from_secs(2)), end), None);
        tokio::time::advance(Duration::from_secs(3)).await;
        assert_eq!(
            CallLimit::attempt_timeout(Duration::from_secs(30), end),
            MIN_ATTEMPT
        );
        assert_eq!(
            CallLimit::attempt_timeout(Duration::from_secs(30), None),
            Duration::from_secs(30)
        );
    }
}
