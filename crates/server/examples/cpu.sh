#!/usr/bin/env bash
# CPU time per GET-list request of a `collab` binary and of the bare hyper service
# answering the same bytes, under `wrk -t1 -c64`, alternated ROUNDS times: what the
# server itself spends (user and kernel time of its process, from `perf stat`'s
# task-clock), which wrk's requests/s mixes with wrk's own share of the 2 cores.
#
#   crates/server/examples/cpu.sh BINARY [SECONDS] [ROUNDS]
#
# Needs perf, wrk and curl (Debian's linux-perf, wrk and curl) and the load example
# (`cargo build --release -p collab-server --example load`). See docs/benchmarks.md.
set -euo pipefail
BIN=$1; SECS=${2:-4}; ROUNDS=${3:-3}
LOAD=${LOAD:-$(dirname "$0")/../../../target/release/examples/load}
for tool in perf wrk curl; do
  command -v $tool >/dev/null || { echo "cpu.sh: $tool is missing (apt-get install linux-perf wrk curl)" >&2; exit 1; }
done
[ -x "$LOAD" ] || { echo "cpu.sh: no $LOAD (cargo build --release -p collab-server --example load)" >&2; exit 1; }
TOKEN=load-test-token; DATASET=0123456789abcdef01234567
SHARE='{"accessType":"WRITE","users":["ann@example.com","bob@example.com"],"teams":["acme"]}'
dir=$(mktemp -d); pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$dir"' EXIT

# Starts a server (its stdout's first line: "listening on http://ADDR"); sets ADDR, PID.
start() {
  "$@" >"$dir/out" 2>"$dir/stderr-$((${#pids[@]}))" &
  PID=$!; pids+=("$PID")
  for _ in $(seq 1 100); do
    grep -q "listening on" "$dir/out" 2>/dev/null && break
    kill -0 "$PID" 2>/dev/null || { cat "$dir/stderr-$((${#pids[@]} - 1))" >&2; exit 1; }
    sleep 0.1
  done
  ADDR=$(sed -n 's|^listening on http://||p' "$dir/out" | head -1); : >"$dir/out"
}

# Drives ADDR for SECS after a 2 s warm-up; prints NAME's requests/s and CPU figures.
measure() {
  local name=$1 pid=$2 addr=$3 url out requests rate
  url="http://$addr/v1/datasets/$DATASET/collaboration/access?token=$TOKEN"
  wrk -t1 -c64 -d2s "$url" >/dev/null
  perf stat -e task-clock,context-switches -x, -o "$dir/perf" -p "$pid" &
  local perf_pid=$!
  out=$(wrk -t1 -c64 -d"${SECS}s" "$url")
  kill -INT $perf_pid; wait $perf_pid || true
  requests=$(echo "$out" | awk '/requests in/ {print $1}')
  rate=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  awk -F, -v name="$name" -v r="$requests" -v rate="$rate" '
    /task-clock/ {ms = $1; cpus = $6} /context-switches/ {cs = $1}
    END {printf "%-8s %9.0f requests/s  %6.2f µs of CPU a request  %5.2f CPUs  %.3f context switches a request\n", name, rate, ms * 1000 / r, cpus, cs / r}' "$dir/perf"
}

start "$BIN" serve --listen 127.0.0.1:0 --admin-token admin-load --user "alice=$TOKEN" --dataset "$DATASET=alice"
collab_pid=$PID; collab_addr=$ADDR
url="http://$collab_addr/v1/datasets/$DATASET/collaboration/access?token=$TOKEN"
curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' -d "$SHARE" "$url"
curl -sf -o "$dir/body" "$url"
start "$LOAD" --bare-body "$(cat "$dir/body")"
bare_pid=$PID; bare_addr=$ADDR
for _ in $(seq 1 "$ROUNDS"); do
  measure bare "$bare_pid" "$bare_addr"
  measure collab "$collab_pid" "$collab_addr"
done
