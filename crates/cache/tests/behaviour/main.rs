//! Behaviour of `CachedRepository` over a controllable inner repository: hits,
//! coalescing, errors, read-your-writes (also with loads in flight), expiry and bounds,
//! coherence with other caches through shared generations, fresh reads.

mod coalescing;
mod coherence;
mod errors;
mod events;
mod expiry_and_bounds;
mod fresh_reads;
mod hits;
mod read_your_writes;
mod support;
