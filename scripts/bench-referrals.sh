#!/usr/bin/env bash
# Benchmark (not a test): sustained VV referral submissions through the JSON API against a
# release build on a fresh SQLite database, the server pinned to two cores. Prints
# requests/s and latency percentiles for 1, 2, 4 and 8 connections.
# Needs wrk (Debian: apt-get install wrk) and a release build (scripts/build-release.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is not installed: sudo apt-get install wrk"; exit 1; }
[ -x target/release/ecmo-referral-server ] || scripts/build-release.sh
port="${BENCH_PORT:-3200}"
duration="${BENCH_SECONDS:-15}"
work=$(mktemp -d)
cores="0,1"
ECMO_DATA_DIR="$work" ECMO_LISTEN_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site \
  ECMO_DATABASE_URL= ECMO_SMTP_URL= ECMO_DEMO=1 ECMO_LOGIN_ADDRESS_BURST=1000 \
  taskset -c "$cores" target/release/ecmo-referral-server >"$work/server.log" 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { echo "the server did not start:"; cat "$work/server.log"; exit 1; }
password="bench password $(head -c 9 /dev/urandom | base64 | tr -dc a-zA-Z0-9)"
printf '%s\n' "$password" | ECMO_DATA_DIR="$work" ECMO_DATABASE_URL= target/release/ecmo-referral-server \
  create-user --email bench@sb-celje.si --name "Bench Referrer" --role referrer --hospital "SB Celje" >/dev/null
curl -fsS -c "$work/cookies" -H 'content-type: application/json' \
  -d "{\"email\":\"bench@sb-celje.si\",\"password\":\"$password\"}" "http://127.0.0.1:$port/api/v1/session" >/dev/null
cookie="ecmo_session=$(awk '$6 == "ecmo_session" {print $7}' "$work/cookies")"
# The VV example of the OpenAPI document: a complete referral, all rules and three scores.
curl -fsS "http://127.0.0.1:$port/api/v1/openapi.json" |
  python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps(d["paths"]["/api/v1/referrals"]["post"]["requestBody"]["content"]["application/json"]["examples"]["vv"]["value"]))' \
  >"$work/body.json"
echo "server on cores $cores of $(nproc); wrk on the same machine; ${duration}s per run"
for connections in 1 2 4 8; do
  printf '%2d connections: ' "$connections"
  BODY_FILE="$work/body.json" COOKIE="$cookie" wrk -t "$(( connections < 2 ? 1 : 2 ))" -c "$connections" \
    -d "${duration}s" --latency -s scripts/bench/submit.lua "http://127.0.0.1:$port" | tail -1
done
n=$(sqlite3 "$work/ecmo-referral.db" 'SELECT COUNT(*) || " referrals, " || COUNT(DISTINCT reference) || " distinct references" FROM referrals' 2>/dev/null || echo "?")
echo "stored: $n"
