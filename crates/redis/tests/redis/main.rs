//! collab-redis against a real `redis-server` (one per test, ephemeral loopback port,
//! no persistence): the lease lock, cache coherence across replicas (with the port's
//! conformance suite), and faults (Redis down and back, a holder stalled past its lease).

mod coherence;
mod faults;
mod lock;
mod support;
