//! What a rule draws from its seed: delays and garbage are the same for the same seed
//! and calls, differ between seeds, and stay within their distribution's bounds.

use std::time::Duration;

use collab_faults::{
    DelayDistribution, DropMode, FaultAction, FaultRule, Faults, MAX_DELAY_MS, Operation,
    RequestInfo,
};
use proptest::prelude::*;

const PATH: &str = "/v1/versions/pip/latest";

fn uniform(low: u64, high: u64) -> DelayDistribution {
    DelayDistribution::Uniform {
        low: Duration::from_millis(low),
        high: Duration::from_millis(high),
    }
}

fn lognormal(median_ms: f64, sigma: f64) -> DelayDistribution {
    DelayDistribution::LogNormal { median_ms, sigma }
}

/// What `calls` requests draw from a fresh set of rules: each fired call's delay and
/// garbage.
fn draws(rule: &FaultRule, calls: usize) -> Vec<(Option<Duration>, Option<Vec<u8>>)> {
    let faults = Faults::from_rules([rule.clone()]);
    (0..calls)
        .map(|_| {
            let fired = faults
                .check_request(&RequestInfo::new(PATH))
                .expect("the rule fires on every call");
            (fired.delay, fired.garbage)
        })
        .collect()
}

fn drawing_rule(distribution: DelayDistribution, seed: u64) -> FaultRule {
    FaultRule::on_path(
        "/*".parse().expect("a valid pattern"),
        FaultAction::drop_connection(DropMode::Garbage).with_delay_distribution(distribution),
    )
    .with_probability(1.0, seed)
}

#[test]
fn the_same_seed_and_calls_draw_the_same_delays_and_garbage() {
    for distribution in [uniform(10, 5_000), lognormal(200.0, 1.0)] {
        let rule = drawing_rule(distribution, 42);
        let first = draws(&rule, 50);
        assert_eq!(first, draws(&rule, 50), "{distribution:?}");
        let delays: std::collections::BTreeSet<_> = first.iter().map(|(d, _)| *d).collect();
        assert!(delays.len() > 40, "the delays vary: {delays:?}");
        let garbage: std::collections::BTreeSet<_> =
            first.iter().map(|(_, bytes)| bytes.clone()).collect();
        assert_eq!(garbage.len(), 50, "every call gets its own garbage");
    }
}

#[test]
fn different_seeds_draw_different_delays_and_garbage() {
    for distribution in [uniform(10, 5_000), lognormal(200.0, 1.0)] {
        let one = draws(&drawing_rule(distribution, 1), 20);
        let two = draws(&drawing_rule(distribution, 2), 20);
        let delays = |draws: &[(Option<Duration>, Option<Vec<u8>>)]| {
            draws.iter().map(|(d, _)| *d).collect::<Vec<_>>()
        };
        assert_ne!(delays(&one), delays(&two), "{distribution:?}");
        for ((_, a), (_, b)) in one.iter().zip(&two) {
            assert_ne!(a, b, "garbage of seeds 1 and 2");
        }
    }
}

#[test]
fn the_delays_do_not_depend_on_which_calls_fire() {
    // With a probability below 1, the calls that fire are those whose firing draw is
    // low: the delays come from another stream, so they are not biased low.
    let rule = FaultRule::on_path(
        "/*".parse().expect("a valid pattern"),
        FaultAction::default().with_delay_distribution(uniform(0, 1_000)),
    )
    .with_probability(0.2, 9);
    let faults = Faults::from_rules([rule]);
    let delays: Vec<u128> = (0..2_000)
        .filter_map(|_| faults.check_request(&RequestInfo::new(PATH)))
        .filter_map(|fired| fired.delay.map(|delay| delay.as_millis()))
        .collect();
    assert!(
        (300..=500).contains(&delays.len()),
        "{} fired",
        delays.len()
    );
    let mean = delays.iter().sum::<u128>() / delays.len() as u128;
    assert!((400..=600).contains(&mean), "mean {mean} ms of 0..=1000");
}

#[test]
fn a_fixed_delay_is_the_same_on_every_call_and_only_garbage_draws_bytes() {
    let rule = FaultRule::new(
        Operation::List,
        FaultAction::status(503).with_delay(Duration::from_millis(70)),
    );
    let faults = Faults::from_rules([rule]);
    let call = collab_faults::Call {
        operation: Operation::List,
        dataset: None,
        user: None,
    };
    for _ in 0..3 {
        let fired = faults.check(&call).expect("fires");
        assert_eq!(fired.delay, Some(Duration::from_millis(70)));
        assert_eq!(fired.garbage, None);
    }
}

#[test]
fn a_lognormal_of_sigma_zero_is_its_median_and_a_huge_one_is_capped() {
    for k in 0..100 {
        assert_eq!(lognormal(250.0, 0.0).draw(3, k), Duration::from_millis(250));
        assert_eq!(uniform(40, 40).draw(3, k), Duration::from_millis(40));
    }
    let capped = (0..1_000)
        .map(|k| lognormal(MAX_DELAY_MS as f64, 50.0).draw(5, k))
        .max()
        .expect("draws");
    assert_eq!(capped, Duration::from_millis(MAX_DELAY_MS));
}

#[test]
fn a_lognormals_median_is_its_median() {
    let mut delays: Vec<Duration> = (0..4_001)
        .map(|k| lognormal(100.0, 1.0).draw(8, k))
        .collect();
    delays.sort();
    let median = delays[2_000].as_millis();
    assert!((85..=115).contains(&median), "median {median} ms");
}

proptest! {
    #[test]
    fn a_uniform_draw_is_within_its_bounds(
        low in 0..=MAX_DELAY_MS,
        width in 0..=MAX_DELAY_MS,
        seed in any::<u64>(),
        k in any::<u64>(),
    ) {
        let high = (low + width).min(MAX_DELAY_MS);
        let drawn = uniform(low, high).draw(seed, k);
        prop_assert!(drawn >= Duration::from_millis(low) && drawn <= Duration::from_millis(high));
        prop_assert_eq!(drawn, uniform(low, high).draw(seed, k));
    }

    #[test]
    fn a_lognormal_draw_is_finite_and_capped(
        median_ms in 0.0..=(MAX_DELAY_MS as f64),
        sigma in prop_oneof![0.0..=3.0f64, 0.0..=1e6f64],
        seed in any::<u64>(),
        k in any::<u64>(),
    ) {
        let drawn = lognormal(median_ms, sigma).draw(seed, k);
        prop_assert!(drawn <= Duration::from_millis(MAX_DELAY_MS));
        prop_assert_eq!(drawn, lognormal(median_ms, sigma).draw(seed, k));
        if median_ms == 0.0 {
            prop_assert_eq!(drawn, Duration::ZERO);
        }
    }

    #[test]
    fn garbage_is_16_to_256_bytes_that_never_start_as_http(seed in any::<u64>(), calls in 1..20usize) {
        let rule = drawing_rule(uniform(0, 0), seed);
        for (_, garbage) in draws(&rule, calls) {
            let bytes = garbage.expect("drop: garbage draws bytes");
            prop_assert!((16..=256).contains(&bytes.len()), "{} bytes", bytes.len());
            prop_assert!(!bytes.starts_with(b"HTTP"));
        }
    }

    #[test]
    fn a_written_delay_parses_back_to_the_same_distribution(
        low in 0..=MAX_DELAY_MS,
        high in 0..=MAX_DELAY_MS,
        median_ms in 0.0..=(MAX_DELAY_MS as f64),
        sigma in 0.0..=10.0f64,
    ) {
        let (low, high) = (low.min(high), low.max(high));
        for distribution in [uniform(low, high), lognormal(median_ms, sigma)] {
            let rule = drawing_rule(distribution, 1);
            prop_assert_eq!(FaultRule::from_value(rule.to_value()), Ok(rule));
        }
    }
}
