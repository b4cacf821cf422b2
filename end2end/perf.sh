#!/usr/bin/env bash
# The browser benchmarks: `bash end2end/perf.sh [CUSTOMERS]` (default 100000) — the what-if lab
# and the customer portal on a throttled phone.
# Builds the release site if needed, generates a demo database of that size once (kept in
# target/perf), serves it and prints the snapshot size, the median recompute time over 20 edits
# in headless Chromium and the publish time.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
export PATH="$PWD/end2end/node_modules/.bin:$PATH"
[ -x target/release/kehu ] && [ -d target/site/pkg ] || cargo leptos build --release --split
mkdir -p target/perf
# v4: demo accounts have passwords, customers have visits, complaints and logistics figures
# (older databases lack them).
db=target/perf/kehu-$n-v4.db
if [ ! -f "$db" ]; then
  start=$(date +%s.%N)
  target/release/kehu --db "$db" demo --customers "$n"
  echo "demo data for $n customers: $(echo "$(date +%s.%N) - $start" | bc) s"
fi
cd end2end
KEHU_PERF_DB="../$db" npx playwright test -c playwright.perf.config.ts --reporter=list 2>&1 | grep -E "LAB PERF|PORTAL PERF|passed|failed|Error|expect" || true
