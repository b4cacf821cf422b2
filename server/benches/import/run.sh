#!/usr/bin/env bash
# Import benchmark: `bash server/benches/import/run.sh [CUSTOMERS]` (default 100000).
# Generates a demo population, writes it out as CSV (customers with every stored field, and
# twelve months of purchases per customer), then times
#   1. `kehu import customers` + `kehu import purchases` into a fresh database (checked, all or
#      nothing, one transaction each), and
#   2. the sqlite3 command line's `.import` of the same two files into plain tables.
# each RUNS times (default 3), taking turns, and prints the medians.
set -euo pipefail
cd "$(dirname "$0")/../../.."
n=${1:-100000}
out=target/bench-import
mkdir -p "$out"
kehu=target/release/kehu
[ -x "$kehu" ] || cargo build --release -p server --bin kehu
src="$out/source-$n.db"
if [ ! -f "$src" ]; then
  "$kehu" --db "$src" demo --customers "$n" >/dev/null
fi
cols=$(sqlite3 "$src" "SELECT group_concat(name, ',') FROM pragma_table_info('customers')
  WHERE name NOT IN ('id', 'version', 'route_id', 'created_at', 'updated_at')")
sqlite3 -csv -header "$src" "SELECT $cols FROM customers ORDER BY id" > "$out/customers.csv"
sqlite3 -csv -header "$src" "SELECT c.code AS customer_code, p.month, p.cartons,
  printf('%d.%02d', p.amount_fen / 100, p.amount_fen % 100) AS amount_yuan
  FROM purchases p JOIN customers c ON c.id = p.customer_id ORDER BY p.customer_id, p.month" > "$out/purchases.csv"
rows_c=$(($(wc -l < "$out/customers.csv") - 1))
rows_p=$(($(wc -l < "$out/purchases.csv") - 1))

now() { date +%s.%N; }
# kehu and sqlite3 take turns, RUNS times each (default 3), and the medians are printed: this
# machine's speed drifts by a third within minutes, so one run of each says little.
runs=${RUNS:-3}
: > "$out/times"
for run in $(seq "$runs"); do
  rm -f "$out"/kehu.db*
  "$kehu" --db "$out/kehu.db" migrate >/dev/null
  t0=$(now)
  "$kehu" --db "$out/kehu.db" import customers "$out/customers.csv" >/dev/null 2>&1
  t1=$(now)
  "$kehu" --db "$out/kehu.db" import purchases "$out/purchases.csv" >/dev/null
  t2=$(now)
  rm -f "$out"/sqlite3.db*
  t3=$(now)
  sqlite3 "$out/sqlite3.db" ".import --csv $out/customers.csv customers"
  t4=$(now)
  sqlite3 "$out/sqlite3.db" ".import --csv $out/purchases.csv purchases"
  t5=$(now)
  echo "$t0 $t1 $t2 $t3 $t4 $t5" | awk '{ printf "%.3f %.3f %.3f %.3f %.3f %.3f\n",
    $2 - $1, $3 - $2, $3 - $1, $5 - $4, $6 - $5, $6 - $4 }' >> "$out/times"
done
median() { cut -d' ' -f"$1" "$out/times" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf 'IMPORT %s customers, %s purchase rows, median of %s runs each\n' "$rows_c" "$rows_p" "$runs"
printf 'IMPORT kehu:    customers %.2f s, purchases %.2f s, total %.2f s\n' "$(median 1)" "$(median 2)" "$(median 3)"
printf 'IMPORT sqlite3: customers %.2f s, purchases %.2f s, total %.2f s\n' "$(median 4)" "$(median 5)" "$(median 6)"
printf 'IMPORT ratio of the medians, kehu / sqlite3: %.2f\n' "$(echo "$(median 3) / $(median 6)" | bc -l)"
printf 'IMPORT each run (kehu total / sqlite3 total):'
awk '{ printf " %.2f/%.2f", $3, $6 }' "$out/times"
echo
