//! Capturing `tracing` events in tests that run in parallel: [`keep_every_callsite_interested`].

use std::sync::LazyLock;

/// A dispatcher that is interested in everything, alive for the whole test binary.
static EVERY_CALLSITE: LazyLock<tracing::Dispatch> =
    LazyLock::new(|| tracing::Dispatch::new(tracing_subscriber::registry()));

/// Call before installing a capturing subscriber with `set_default` or `with_default`.
///
/// `tracing` caches each callsite's interest for the whole process, computed on the
/// thread that reaches the callsite first. With a single dispatcher registered, a
/// sibling test that reaches a callsite without any subscriber caches it as "never",
/// and the capturing test then misses the event. A second dispatcher that is always
/// interested, kept alive for the binary, makes every interest the union of both, so
/// each event reaches whatever subscriber its own thread has.
///
/// ```
/// collab_testkit::keep_every_callsite_interested();
/// let _guard = tracing::subscriber::set_default(tracing_subscriber::registry());
/// ```
pub fn keep_every_callsite_interested() {
    LazyLock::force(&EVERY_CALLSITE);
}
