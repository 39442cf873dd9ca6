# Everyday recipes; each is a plain cargo command (see README: `just` is optional).

# Run the tests (the README's test command).
test:
    bash .ci/setup && cargo test --workspace

# Lints as CI runs them.
lint:
    cargo clippy --workspace --all-targets --all-features -- -D warnings

# Format the code.
fmt:
    cargo fmt --all

# Check formatting without changing files.
fmt-check:
    cargo fmt --all -- --check

# Build the docs with warnings as errors, as CI does.
doc:
    RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --all-features

# Serve the API offline with a demo user and dataset.
demo:
    cargo run -- serve --demo

# All benchmarks (release builds; figures are ratios against a baseline in the same run).
bench:
    cargo bench -p collab-fake --bench fake
    cargo bench -p collab-cache --bench cache
    cargo bench -p collab-faults --bench faults
    cargo run --release -p collab-faults --example overhead
    cargo bench -p collab-redis --bench redis
    cargo bench -p collab-http --bench list
    cargo build --release --bin collab
    cargo run --release -p collab-server --example load

# Everything CI runs.
ci:
    bash .ci/run
