#!/usr/bin/env bash
# Instructions per GET-list request of a `collab` binary, counted by callgrind: repeatable
# on a busy machine, where wall-clock figures are not (see docs/benchmarks.md).
#
#   crates/server/examples/instructions.sh BINARY [SECONDS] [-- EXTRA SERVE FLAGS]
#   crates/server/examples/instructions.sh bare [SECONDS]
#
# `bare` counts the load example's bare hyper service instead (LOAD=PATH, default
# target/release/examples/load), answering a list of one config.
#
# Starts `BINARY serve` under `valgrind --tool=callgrind` with counting off, warms it
# up with wrk for 7 s (past the 10 000 entries the journal takes before it is full and
# recycles its oldest), counts SECONDS (default 5) of `wrk -t1 -c8`, and prints the
# requests, the instructions and their ratio. KEEP=FILE keeps callgrind's dump for
# callgrind_annotate. Needs valgrind, wrk and curl (Debian's packages).
set -euo pipefail
BIN=$1; SECS=${2:-5}; shift $(( $# < 2 ? $# : 2 )); [ "${1:-}" = "--" ] && shift
for tool in valgrind callgrind_control wrk curl; do
  command -v $tool >/dev/null || { echo "instructions.sh: $tool is missing (apt-get install valgrind wrk curl)" >&2; exit 1; }
done
TOKEN=load-test-token; DATASET=0123456789abcdef01234567
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
if [ "$BIN" = bare ]; then
  LOAD=${LOAD:-$(dirname "$0")/../../../target/release/examples/load}
  BODY='[{"id":"0123456789abcdef01234568","owner":"alice","accessType":"WRITE","users":["ann@example.com","bob@example.com"],"teams":["acme"],"createdAt":1796595699696,"lastModifiedAt":1796595699696}]'
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$dir/cg.out" \
    "$LOAD" --bare-body "$BODY" 2>"$dir/stderr" >"$dir/stdout" &
else
  port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$dir/cg.out" \
    "$BIN" serve --listen "127.0.0.1:$port" --admin-token admin-load \
    --user "alice=$TOKEN" --dataset "$DATASET=alice" "$@" 2>"$dir/stderr" >/dev/null &
fi
pid=$!
for _ in $(seq 1 300); do
  if [ "$BIN" = bare ]; then
    port=$(sed -n 's|^listening on http://127.0.0.1:||p' "$dir/stdout")
    [ -n "$port" ] && break
  else
    curl -s -o /dev/null "http://127.0.0.1:$port/_collab/health" && break
  fi
  kill -0 $pid 2>/dev/null || { cat "$dir/stderr" >&2; exit 1; }
  sleep 0.1
done
url="http://127.0.0.1:$port/v1/datasets/$DATASET/collaboration/access?token=$TOKEN"
wrk -t1 -c8 -d7s "$url" >/dev/null
callgrind_control -i on $pid >/dev/null 2>&1
out=$(wrk -t1 -c8 -d${SECS}s "$url")
callgrind_control -i off $pid >/dev/null 2>&1
callgrind_control -d $pid >/dev/null 2>&1
kill $pid; wait $pid 2>/dev/null || true
requests=$(echo "$out" | awk '/requests in/ {print $1}')
instructions=$(cat "$dir"/cg.out.* | awk '/^totals:/ {s += $2} END {print s}')
echo "$BIN: $requests requests, $instructions instructions, $((instructions / requests)) per request"
[ -n "${KEEP:-}" ] && cp "$dir"/cg.out.1 "$KEEP"
exit 0
