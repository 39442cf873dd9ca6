//! [`DelayDistribution`]: a delay that varies from call to call, drawn from the rule's
//! seed.

use std::time::Duration;

use crate::draw::{Stream, draw, unit_interval};

/// The longest delay a rule may ask for or draw, in milliseconds (one hour): a
/// `uniform` bound above it is refused, a `lognormal` draw is capped to it.
pub const MAX_DELAY_MS: u64 = 3_600_000;

/// A delay drawn anew for each call a rule fires on, from the rule's `seed` and the
/// call's index among the rule's matching calls: the same rules and calls draw the same
/// delays in every run. Wire form, under a rule's `delay`:
///
/// - `{"uniform": [LO, HI]}`: any whole number of milliseconds from `LO` to `HI`,
///   both included, equally likely (`LO <= HI <= 3600000`);
/// - `{"lognormal": {"medianMs": M, "sigma": S}}`: `M * exp(S * Z)` milliseconds for a
///   standard normal `Z` (half the calls wait less than `M`; `S` spreads them: at `1`,
///   one call in six waits more than `2.7 * M`), rounded to the millisecond and capped
///   at [`MAX_DELAY_MS`]; `M` and `S` are finite and `>= 0`.
///
/// ```
/// use std::time::Duration;
/// use collab_faults::DelayDistribution;
/// let uniform = DelayDistribution::Uniform { low: Duration::from_millis(100), high: Duration::from_millis(200) };
/// let drawn = uniform.draw(7, 0);
/// assert!((Duration::from_millis(100)..=Duration::from_millis(200)).contains(&drawn));
/// assert_eq!(drawn, uniform.draw(7, 0)); // the same seed and call: the same delay
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum DelayDistribution {
    /// Equally likely from `low` to `high` (whole milliseconds, both included).
    Uniform {
        /// The shortest delay.
        low: Duration,
        /// The longest delay.
        high: Duration,
    },
    /// Log-normal: `median_ms * exp(sigma * Z)` milliseconds, `Z` standard normal,
    /// capped at [`MAX_DELAY_MS`].
    LogNormal {
        /// The median delay, in milliseconds (finite, `>= 0`).
        median_ms: f64,
        /// The spread (the standard deviation of the delay's logarithm; finite, `>= 0`).
        sigma: f64,
    },
}

/// A parsed distribution holds finite numbers only (NaN is refused), so equality is
/// reflexive.
impl Eq for DelayDistribution {}

impl DelayDistribution {
    /// The delay drawn for the `k`-th matching call (from 0) of a rule seeded with
    /// `seed`: within the distribution's bounds, never above [`MAX_DELAY_MS`].
    pub fn draw(&self, seed: u64, k: u64) -> Duration {
        match *self {
            Self::Uniform { low, high } => {
                let low = millis(low);
                let high = millis(high).max(low);
                let span = high - low;
                let offset = match span.checked_add(1) {
                    Some(count) => draw(seed, Stream::Delay, k, 0) % count,
                    None => draw(seed, Stream::Delay, k, 0),
                };
                Duration::from_millis(low + offset)
            }
            Self::LogNormal { median_ms, sigma } => {
                // Box-Muller: two uniforms make one standard normal. `1 - u` is in
                // (0, 1], so its logarithm is finite.
                let u1 = 1.0 - unit_interval(draw(seed, Stream::Delay, k, 0));
                let u2 = unit_interval(draw(seed, Stream::Delay, k, 1));
                let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
                let drawn = median_ms * (sigma * z).exp();
                // A NaN (a hand-built NaN parameter, or 0 * inf) waits nothing; anything
                // above the cap, the cap.
                let capped = if drawn.is_nan() {
                    0.0
                } else {
                    drawn.clamp(0.0, MAX_DELAY_MS as f64)
                };
                Duration::from_millis(capped.round() as u64)
            }
        }
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
