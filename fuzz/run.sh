#!/usr/bin/env bash
# Builds every fuzz target once, then runs each (or the ones named) for SECONDS on its
# corpus (fuzz/corpus/<target>, written) and its seeds (fuzz/seeds/<target>, read
# only), and prints one line per target: runs, executions per second, coverage
# (cov: edges, ft: features), corpus size and crashes. Exits non-zero on a crash,
# naming the input that caused it (under fuzz/artifacts/<target>/).
#
#   fuzz/run.sh SECONDS [TARGET...]
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --version 0.13.2 --locked`); runs on the
# stable toolchain with RUSTC_BOOTSTRAP=1 (cargo-fuzz passes nightly-only flags).
# See docs/testing.md, "Fuzzing".
set -euo pipefail
cd "$(dirname "$0")"

if [ $# -lt 1 ] || ! [[ $1 =~ ^[0-9]+$ ]]; then
  echo "usage: fuzz/run.sh SECONDS [TARGET...]" >&2
  exit 2
fi
seconds=$1
shift
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "cargo-fuzz is not installed: cargo install cargo-fuzz --version 0.13.2 --locked" >&2
  exit 1
fi
export RUSTC_BOOTSTRAP=1 CARGO_INCREMENTAL=0
# Safe Rust: no sanitizer (see docs/testing.md for the measurement); release build with
# debug assertions and overflow checks (fuzz/Cargo.toml's profile).
flags=(--sanitizer none --release --debug-assertions)

all=$(cargo fuzz list)
if [ $# -eq 0 ]; then
  set -- $all
fi
for target in "$@"; do
  if ! grep -qx "$target" <<<"$all"; then
    echo "no fuzz target $target; there are: $(echo $all)" >&2
    exit 2
  fi
done

cargo fuzz build "${flags[@]}"
host=$(rustc -vV | sed -n 's/^host: //p')
bin_dir=target/$host/release

mkdir -p logs
printf '%-16s %10s %8s %7s %7s %7s  %s\n' target runs exec/s cov ft corpus crashes
failed=()
for target in "$@"; do
  mkdir -p "corpus/$target" "artifacts/$target" "seeds/$target"
  log=logs/$target.log
  status=0
  "$bin_dir/$target" "corpus/$target" "seeds/$target" \
    -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="artifacts/$target/" >"$log" 2>&1 || status=$?
  stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
  last=$(grep -E '(DONE|pulse|NEW|REDUCE|INITED) +cov:' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corpus=$(find "corpus/$target" -type f | wc -l)
  crashes=0
  if [ "$status" -ne 0 ]; then
    crashes=1
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    failed+=("$target: ${artifact:-no artifact written} (log: fuzz/$log)")
  fi
  printf '%-16s %10s %8s %7s %7s %7s  %s\n' "$target" "$(stat number_of_executed_units)" \
    "$(stat average_exec_per_sec)" "${cov:-?}" "${ft:-?}" "$corpus" "$crashes"
done

if [ ${#failed[@]} -gt 0 ]; then
  echo >&2
  for failure in "${failed[@]}"; do
    echo "crash: fuzz/$failure" >&2
  done
  echo "reproduce: cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run -s none <target> <artifact>" >&2
  exit 1
fi
