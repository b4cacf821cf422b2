#!/usr/bin/env bash
# Writes beside a long import: `bash server/benches/load/import-beside.sh [CUSTOMERS] [MONTHS]`
# (defaults 100000, 72: a purchases file of 7.2M rows). While a manager's upload of that file is
# checked and imported (one transaction, holding the archive's write lock), 12 clients sign in
# and out, edit fields and log visits; prints each kind's requests, latency (max = the longest
# wait) and errors, and the import's own time; the writers run 50 s (SECONDS_BESIDE), past the
# import's end, so that the writes it held back are counted. Needs the release site, like run.sh.
set -euo pipefail
cd "$(dirname "$0")/../../.."
n=${1:-100000}
months=${2:-72}
seconds=${SECONDS_BESIDE:-50}
out=target/bench-load
mkdir -p "$out"
kehu=target/release/kehu
[ -x "$kehu" ] || { echo "build the release site first: cargo leptos build --release --split" >&2; exit 1; }
cargo build --release -q -p kehu-load
src="$out/demo-$n.db"
[ -f "$src" ] || "$kehu" --db "$src" demo --customers "$n" >&2
file="$out/purchases-$n-$months.csv"
if [ ! -f "$file" ]; then
  echo "writing $months months of purchases for every customer…" >&2
  sqlite3 -csv -header "$src" "
    WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i + 1 < $months)
    SELECT c.code AS customer_code,
           strftime('%Y-%m', date('2026-10-01', '-' || k.i || ' months')) AS month,
           (c.id * 7 + k.i * 13) % 90 AS cartons,
           printf('%d.%02d', ((c.id * 7 + k.i * 13) % 90) * 210, (c.id + k.i) % 100) AS amount_yuan
    FROM customers c CROSS JOIN k ORDER BY c.id, k.i" > "$file"
fi
rm -f "$out"/beside.db*
"$kehu" --db "$src" backup "$out/beside.db" >/dev/null
port=${PORT:-3918}
"$kehu" --db "$out/beside.db" --addr "127.0.0.1:$port" serve --no-demo >"$out/beside.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
jar="$out/jar"
curl -s -o /dev/null -c "$jar" -d 'username=manager&password=kehu-demo' "http://127.0.0.1:$port/auth/login"
echo "importing $(($(wc -l < "$file") - 1)) rows ($(($(stat -c %s "$file") / 1024 / 1024)) MB) beside the writers…" >&2
( curl -s -b "$jar" -H 'content-type: text/csv' -o "$out/import-report.json" \
    -w 'IMPORT answered %{http_code} after %{time_total} s\n' \
    --data-binary @"$file" "http://127.0.0.1:$port/import/purchases" ) &
upload=$!
sleep 1
target/release/kehu-load --base "http://127.0.0.1:$port" --kinds signin,edit,visit --clients 12 \
  --managers 12 --seconds "$seconds"
wait $upload
grep -o '"committed":[a-z]*' "$out/import-report.json"
