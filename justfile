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

# Instructions per GET-list request of a collab binary under callgrind (repeatable on
# a busy machine): `just instructions target/release/collab`.
instructions BIN SECONDS="5":
    crates/server/examples/instructions.sh {{BIN}} {{SECONDS}}

# CPU time per GET-list request of a collab binary and of bare hyper, under wrk,
# alternated (perf stat): `just cpu target/release/collab`.
cpu BIN SECONDS="4" ROUNDS="3":
    cargo build --release -p collab-server --example load
    crates/server/examples/cpu.sh {{BIN}} {{SECONDS}} {{ROUNDS}}

# Fuzz one target for SECONDS (`fuzz/run.sh`; needs cargo-fuzz, see docs/testing.md).
fuzz TARGET SECONDS="60":
    fuzz/run.sh {{SECONDS}} {{TARGET}}

# Fuzz every target for SECONDS each.
fuzz-all SECONDS:
    fuzz/run.sh {{SECONDS}}

# Everything CI runs.
ci:
    bash .ci/run

# The collab-serve wheel (python/: the binary and the Python package), release build,
# into target/wheels; `pip install target/wheels/collab_serve-*.whl` needs no Rust.
wheel:
    bash tests/python/setup-package.sh target/python-clients
    cd python && ../target/python-clients/maturin/bin/maturin build --release --out ../target/wheels

# What the pytest plugin costs per test and per session (1,000 generated tests).
bench-plugin: wheel
    target/python-clients/lightly-1.5.26/bin/python -m pip install --quiet --force-reinstall --no-deps target/wheels/collab_serve-*.whl
    target/python-clients/lightly-1.5.26/bin/python python/bench/bench_plugin.py --tests 1000
