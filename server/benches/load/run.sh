#!/usr/bin/env bash
# Mixed-load benchmark: `bash server/benches/load/run.sh [CUSTOMERS] [CLIENTS] [SECONDS]`
# (defaults 100000, 200, 60). On a copy of a demo database of CUSTOMERS customers, starts the
# release server and runs CLIENTS clients at once for SECONDS seconds on loopback: customer-list
# and customer-page reads, field edits, change requests, visits logged, complaints filed,
# sign-ins (see src/main.rs for the mix), after the server has loaded its kept facts and 5 s of
# warm-up. Prints each kind's requests, rate, p50/p99/max latency and errors, then the server's
# resident memory; KINDS=list,page,… runs only those kinds; RATE=1250 sends that many requests a
# second on a timetable instead of back to back (an open loop; SIGN_INS=5 sign-ins a second
# besides). Needs the release site (`cargo leptos build --release --split`, or `bash .ci/test`); the load client
# builds itself.
set -euo pipefail
cd "$(dirname "$0")/../../.."
n=${1:-100000}
clients=${2:-200}
seconds=${3:-60}
out=target/bench-load
mkdir -p "$out"
kehu=target/release/kehu
if [ ! -x "$kehu" ] || [ ! -d target/site/pkg ]; then
  echo "build the release site first: cargo leptos build --release --split" >&2
  exit 1
fi
cargo build --release -q -p kehu-load
src="$out/demo-$n.db"
if [ ! -f "$src" ]; then
  echo "generating $n demo customers (once)…" >&2
  "$kehu" --db "$src" demo --customers "$n" >&2
fi
# Every run starts from the same data: the load writes.
rm -f "$out"/run.db*
"$kehu" --db "$src" backup "$out/run.db" >/dev/null
port=${PORT:-3917}
"$kehu" --db "$out/run.db" --addr "127.0.0.1:$port" serve --no-demo >"$out/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.2
done
# The kept facts load in the background after start (7–8 s at 100,000 customers).
for _ in $(seq 600); do
  grep -q "facts loaded" "$out/server.log" && break
  sleep 0.2
done
# The server's resident memory, sampled every second while the load runs.
( while kill -0 $pid 2>/dev/null; do ps -o rss= -p $pid; sleep 1; done ) >"$out/rss" 2>/dev/null &
sampler=$!
status=0
target/release/kehu-load --base "http://127.0.0.1:$port" --clients "$clients" --seconds "$seconds" ${KINDS:+--kinds "$KINDS"} \
  ${RATE:+--rate "$RATE"} ${SIGN_INS:+--sign-ins "$SIGN_INS"} || status=$?
kill $sampler 2>/dev/null || true
peak=$(sort -n "$out/rss" | tail -1)
echo "server resident memory: peak $((peak / 1024)) MiB during the load ($n customers)"
exit $status
