#!/usr/bin/env bash
# The browser benchmarks: `bash end2end/perf.sh [CUSTOMERS…]` (default 100000 300000; add
# 1000000 when asked) — the what-if lab at each size, and the customer portal on a throttled
# phone. Builds the release site if needed, generates a demo database of each size once (kept in
# target/perf, its generation timed), runs on a copy of it (each run publishes) and prints the
# snapshot size, the first open, the engine and input-to-paint medians over 20 edits (normal
# and 4× slower CPU), reopening the lab after one and after a hundred visits (delta size),
# after a reload, and the server's check and publish times, and reopening it after the publish.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100000 300000)
export PATH="$PWD/end2end/node_modules/.bin:$PATH"
[ -x target/release/kehu ] && [ -d target/site/pkg ] || cargo leptos build --release --split --precompress
mkdir -p target/perf
for n in "${sizes[@]}"; do
  # v4: demo accounts have passwords, customers have visits, complaints and logistics figures
  # (older databases lack them).
  db=target/perf/kehu-$n-v4.db
  if [ ! -f "$db" ]; then
    start=$(date +%s.%N)
    target/release/kehu --db "$db" demo --customers "$n"
    echo "demo data for $n customers: $(echo "$(date +%s.%N) - $start" | bc) s"
  fi
  run=target/perf/run-$n.db
  rm -f target/perf/run-$n.*
  cp "$db" "$run"
  (cd end2end && KEHU_PERF_DB="../$run" npx playwright test -c playwright.perf.config.ts --reporter=list 2>&1 |
    grep -E "LAB PERF|PORTAL PERF|passed|failed|Error|expect" || true)
done
