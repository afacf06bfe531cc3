#!/usr/bin/env bash
# Benchmark (not a test): the centre's queue page, quality-figures page and one referral's
# page, server-rendered by a release build on SQLite holding 10,000 referrals
# (BENCH_REFERRALS), beside /healthz (a bare route) in the same run, each with 1 and then 8
# connections. Prints requests/s and latency percentiles for each.
# Needs wrk (Debian: apt-get install wrk) and a release build (scripts/build-release.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is not installed: sudo apt-get install wrk"; exit 1; }
[ -x target/release/ecmo-referral-server ] || scripts/build-release.sh
cargo build --release -q -p ecmo-referral-server --example seed_referrals
port="${BENCH_PORT:-3201}"
duration="${BENCH_SECONDS:-15}"
count="${BENCH_REFERRALS:-10000}"
work=$(mktemp -d)
cores="0,1"
trap 'kill -TERM ${server:-0} 2>/dev/null || true; wait ${server:-0} 2>/dev/null || true; rm -rf "$work"' EXIT
password="bench password $(head -c 9 /dev/urandom | base64 | tr -dc a-zA-Z0-9)"
for account in "bench@sb-celje.si|Bench Referrer|referrer|SB Celje" "clinician@bench.test|Bench Clinician|ecmo_clinician|"; do
  IFS='|' read -r email name role hospital <<<"$account"
  printf '%s\n' "$password" | ECMO_DATA_DIR="$work" ECMO_DATABASE_URL= target/release/ecmo-referral-server \
    create-user --email "$email" --name "$name" --role "$role" ${hospital:+--hospital "$hospital"} >/dev/null
done
target/release/examples/seed_referrals "sqlite://$work/ecmo-referral.db" "$count"
ECMO_DATA_DIR="$work" ECMO_LISTEN_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site \
  ECMO_DATABASE_URL= ECMO_SMTP_URL= ECMO_LOGIN_ADDRESS_BURST=1000 ECMO_CENTRE_PHONE="+386 1 000 0000" \
  taskset -c "$cores" target/release/ecmo-referral-server >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { echo "the server did not start:"; cat "$work/server.log"; exit 1; }
curl -fsS -c "$work/cookies" -H 'content-type: application/json' \
  -d "{\"email\":\"clinician@bench.test\",\"password\":\"$password\"}" "http://127.0.0.1:$port/api/v1/session" >/dev/null
cookie="ecmo_session=$(awk '$6 == "ecmo_session" {print $7}' "$work/cookies")"
rows=$(curl -fsS -H "cookie: $cookie" "http://127.0.0.1:$port/queue" | grep -o 'data-testid="queue-row-' | wc -l)
total=$(curl -fsS -H "cookie: $cookie" "http://127.0.0.1:$port/kpi" | grep -o 'data-testid="kpi-total">[0-9]*' | grep -o '[0-9]*$')
referral=$(curl -fsS -H "cookie: $cookie" "http://127.0.0.1:$port/queue" | grep -o 'href="/referrals/[0-9]*"' | head -1 | grep -o '[0-9]*')
echo "$count referrals stored; the queue shows $rows, the figures (last 12 months) count $total"
echo "server on cores $cores of $(nproc); wrk on the same machine; ${duration}s per run"
for connections in 1 8; do
  for page in /queue /kpi "/referrals/$referral" /healthz; do
    printf '%-18s %d conn  ' "$page" "$connections"
    wrk -t 1 -c "$connections" -d "${duration}s" --latency -H "cookie: $cookie" -H "accept: text/html" \
      "http://127.0.0.1:$port$page" | awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +90%/ {p90=$2} /^ +99%/ {p99=$2} /Non-2xx/ {bad=$NF} END {printf "%9s req/s  p50 %8s  p90 %8s  p99 %8s%s\n", rps, p50, p90, p99, bad ? "  NON-2xx: " bad : ""}'
  done
done
