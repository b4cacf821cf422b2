#!/usr/bin/env bash
# Server time of every page and server function, per role: `bash server/benches/pages/run.sh
# [CUSTOMERS] [RUNS]` (defaults 100000, 5). On a copy of a demo database of CUSTOMERS customers
# (kept in target/bench-load, made once), starts the release server, signs in as the manager,
# a customer manager (cm01) and the first customer, and requests each page and server function
# RUNS times one at a time on loopback after one warm-up; prints the median and the slowest in
# milliseconds, and the status (a role a page refuses shows its 403/redirect, timed all the same).
# Needs the release site (`cargo leptos build --release --split`, or `bash .ci/test`).
set -euo pipefail
cd "$(dirname "$0")/../../.."
n=${1:-100000}
runs=${2:-5}
out=target/bench-load
mkdir -p "$out"
kehu=target/release/kehu
[ -x "$kehu" ] && [ -d target/site/pkg ] || { echo "build the release site first: cargo leptos build --release --split" >&2; exit 1; }
src="$out/demo-$n.db"
[ -f "$src" ] || { echo "generating $n demo customers (once)…" >&2; "$kehu" --db "$src" demo --customers "$n" >&2; }
rm -f "$out"/pages.db*
"$kehu" --db "$src" backup "$out/pages.db" >/dev/null
port=${PORT:-3919}
base="http://127.0.0.1:$port"
"$kehu" --db "$out/pages.db" --addr "127.0.0.1:$port" serve --no-demo >"$out/pages.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
customer=$(sqlite3 "$out/pages.db" "SELECT username FROM users WHERE role = 'customer' ORDER BY id LIMIT 1")
sign_in() {
  curl -s -o /dev/null -c "$out/jar-$1" --data-urlencode "username=$1" -d 'password=kehu-demo' "$base/auth/login"
}
sign_in manager; sign_in cm01; sign_in "$customer"
# One line per request: what, method, path, form body.
requests() {
  cat <<'LIST'
page GET /
page GET /customers
page GET /customers/5
page GET /lab
page GET /requests
page GET /import
page GET /audit
page GET /complaints
page GET /visits
page GET /reports
page GET /performance
page GET /gaps
page GET /calendar
page GET /account
page GET /my
page GET /my/profile
page GET /my/service
fn POST /api/me
fn POST /api/dashboard
fn POST /api/customers query[page]=1
fn POST /api/customers query[page]=400
fn POST /api/customers query[band]=3&query[page]=1
fn POST /api/customers query[q]=56&query[page]=1
fn POST /api/customer id=5
fn POST /api/filter_options
fn POST /api/customer_history id=5
fn POST /api/change_requests
fn POST /api/audit_log action=&page=1
fn POST /api/policies
fn POST /api/complaints
fn POST /api/visit_plan
fn POST /api/recent_visits
fn POST /api/calendar
fn POST /api/service_gaps tier=
fn POST /api/kpis
fn POST /api/reports unreviewed=false
fn POST /api/disputes
fn POST /api/my_tiers
fn POST /api/my_profile
fn POST /api/my_service
GET GET /api/snapshot
LIST
}
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.0f %.0f", m, a[NR]}'; }
printf '%-44s %16s %16s %16s\n' "request ($n customers, ms: median/max status)" manager cm01 customer
requests | while read -r _ method path body; do
  line=$(printf '%-44s' "$method $path${body:+ $body}")
  for who in manager cm01 "$customer"; do
    args=(-s -o /dev/null -b "$out/jar-$who" -w '%{http_code} %{time_total}\n')
    if [ "$method" = POST ]; then args+=(-X POST -H 'content-type: application/x-www-form-urlencoded' --data "${body:-}"); fi
    curl "${args[@]}" "$base$path" >/dev/null
    times=$(for _ in $(seq "$runs"); do curl "${args[@]}" "$base$path"; done)
    status=$(echo "$times" | awk '{print $1}' | sort | uniq | paste -sd/)
    mm=$(echo "$times" | awk '{print $2 * 1000}' | median)
    line+=$(printf ' %16s' "${mm/ //} $status")
  done
  echo "$line"
done
