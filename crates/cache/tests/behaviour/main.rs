//! Behaviour of `CachedRepository` over a controllable inner repository: hits,
//! coalescing, errors, read-your-writes (also with loads in flight), expiry and bounds.

mod coalescing;
mod errors;
mod expiry_and_bounds;
mod hits;
mod read_your_writes;
mod support;
