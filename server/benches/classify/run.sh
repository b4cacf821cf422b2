#!/usr/bin/env bash
# End-to-end benchmark of `kehu classify` against Polars, DuckDB and pandas doing the same work
# (read CSV, bands, weighted value score and tier, band transition matrix, write CSV) on one
# generated file. Whole process, wall clock, median of RUNS runs (default 5).
#   bash server/benches/classify/run.sh [ROWS]      (default 1,000,000)
# Needs a release build of kehu (cargo build --release -p server) and python3; the peers are
# installed into target/bench-peers (a virtualenv) on first use.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
rows=${1:-1000000}
runs=${RUNS:-5}
work="$root/target/bench-classify"
venv="$root/target/bench-peers"
mkdir -p "$work"

[ -x "$root/target/release/kehu" ] || (cd "$root" && cargo build --release -p server --locked)
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q polars==2.1.0 duckdb==2.0.0 pandas==3.1.1
fi
input="$work/customers-$rows.csv"
[ -s "$input" ] || python3 "$here/generate.py" "$rows" "$input"
echo "input: $input ($(du -h "$input" | cut -f1), $rows rows); median of $runs runs"

# Median wall-clock seconds of RUNS runs of a command; its stderr goes to $work/NAME.err.
time_runs() { # name, command...
  local name=$1; shift
  python3 - "$runs" "$work/$name.err" "$@" <<'PY'
import statistics, subprocess, sys, time
runs, err, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
times = []
for _ in range(runs):
    with open(err, "w") as e:
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=e, check=True)
        times.append(time.perf_counter() - t)
print(f"{statistics.median(times):.3f}")
PY
}

kehu=$(time_runs kehu "$root/target/release/kehu" classify --input "$input" --output "$work/out-kehu.csv")
printf '%-8s %6.2f s   %s\n' kehu "$kehu" "$(grep -m1 '^tiers' "$work/kehu.err")"
for peer in polars duckdb pandas; do
  t=$(time_runs "$peer" "$venv/bin/python" "$here/peer_$peer.py" "$input" "$work/out-$peer.csv")
  printf '%-8s %6.2f s   %5.1f× kehu   %s\n' "$peer" "$t" "$(python3 -c "print($t / $kehu)")" "$(tail -1 "$work/$peer.err")"
done
