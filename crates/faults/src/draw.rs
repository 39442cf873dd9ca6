//! The numbers a rule draws from its seed: which calls fire, how long a varying delay
//! lasts, which garbage bytes are sent. Each is a function of the seed and the rule's
//! matching call index alone (SplitMix64), so the same rules and calls draw the same
//! values in every run.

/// Streams of one seed that do not overlap in use: which calls fire, the delays and
/// the garbage are drawn apart, so that (with a `probability` below 1) the calls that
/// fire do not get the shorter delays.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stream {
    /// Whether the call fires (the stream of the first versions: kept as it was, so
    /// that seeds users wrote down keep firing on the same calls).
    Fire,
    /// A varying delay.
    Delay,
    /// Garbage bytes.
    Garbage,
}

impl Stream {
    /// What the stream adds to the seed (0 for [`Stream::Fire`]).
    fn salt(self) -> u64 {
        match self {
            Self::Fire => 0,
            Self::Delay => 0xD1B5_4A32_D192_ED03,
            Self::Garbage => 0x8CB9_2BA7_2F3D_8DD7,
        }
    }
}

/// The `k`-th output (from 0) of the SplitMix64 generator seeded with `seed`: a
/// function of the two alone, so the same seed picks the same calls in every run.
pub(crate) fn splitmix64(seed: u64, k: u64) -> u64 {
    let mut z = seed.wrapping_add(k.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The `index`-th draw of `stream` for the rule's `k`-th matching call, as bits.
pub(crate) fn draw(seed: u64, stream: Stream, k: u64, index: u64) -> u64 {
    // A second SplitMix64 step keyed by the stream and call, so that the draws of one
    // call (`index` 0, 1, ...) and of consecutive calls never share an output.
    let key = splitmix64(seed ^ stream.salt(), k);
    match stream {
        Stream::Fire => key,
        _ => splitmix64(key, index),
    }
}

/// The top 53 bits of `bits` as a number in `[0, 1)`.
pub(crate) fn unit_interval(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// The fewest and most garbage bytes a `drop: garbage` sends.
pub(crate) const GARBAGE_LEN: std::ops::RangeInclusive<u64> = 16..=256;

/// The bytes a `drop: garbage` sends on the rule's `k`-th matching call: 16 to 256
/// bytes drawn from the seed, never starting as an HTTP status line does (`HTTP/`).
pub(crate) fn garbage(seed: u64, k: u64) -> Vec<u8> {
    let span = GARBAGE_LEN.end() - GARBAGE_LEN.start() + 1;
    let len = GARBAGE_LEN.start() + draw(seed, Stream::Garbage, k, 0) % span;
    let mut bytes: Vec<u8> = (0..len.div_ceil(8))
        .flat_map(|word| draw(seed, Stream::Garbage, k, word + 1).to_le_bytes())
        .take(usize::try_from(len).unwrap_or(usize::MAX))
        .collect();
    if bytes.starts_with(b"HTTP") {
        // A drawn `HTTP/...` would be read as an answer's start: bytes that are not
        // HTTP must not begin like it (1 in 2^32, but a test would find it one day).
        bytes[0] = 0;
    }
    bytes
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
        assert_eq!(
            draw(1_234_567, Stream::Fire, 1, 9),
            3_203_168_211_198_807_973
        );
    }

    #[test]
    fn unit_interval_spans_zero_to_below_one() {
        assert_eq!(unit_interval(0), 0.0);
        assert!(unit_interval(u64::MAX) < 1.0);
    }

    #[test]
    fn the_streams_of_one_seed_differ() {
        let fire = draw(7, Stream::Fire, 0, 0);
        let delay = draw(7, Stream::Delay, 0, 0);
        let garbage = draw(7, Stream::Garbage, 0, 0);
        assert_ne!(fire, delay);
        assert_ne!(delay, garbage);
        assert_ne!(draw(7, Stream::Delay, 0, 1), delay);
        assert_ne!(draw(7, Stream::Delay, 1, 0), delay);
    }

    #[test]
    fn garbage_is_bounded_and_never_a_status_line() {
        for k in 0..2_000 {
            let bytes = garbage(3, k);
            let len = u64::try_from(bytes.len()).expect("small");
            assert!(GARBAGE_LEN.contains(&len), "{len}");
            assert!(!bytes.starts_with(b"HTTP"));
        }
    }
}
