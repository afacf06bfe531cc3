#!/usr/bin/env bash
# The sizes of the browser bundle's files (raw, gzip, brotli), then what a first visit to
# each page downloads in Debian's chromium with an empty cache (bytes on the wire). Needs the
# release bundle in target/site and a server binary: SIZE_SERVER_BIN, by default the release
# one (the debug one serves the same bytes).
set -euo pipefail
cd "$(dirname "$0")/.."
pkg=target/site/pkg
server_bin="${SIZE_SERVER_BIN:-target/release/ecmo-referral-server}"
[ -x "$server_bin" ] || [ -n "${SIZE_SERVER_BIN:-}" ] || scripts/build-release.sh
[ -x "$server_bin" ] || { echo "error: no server binary at $server_bin" >&2; exit 1; }

[ -d "$pkg" ] || { echo "no browser bundle: run scripts/build-release.sh first" >&2; exit 1; }
echo "== the bundle's files (the main module, then the islands' code, loaded as a page needs it)"
total_raw=0; total_gz=0; total_br=0
for f in "$pkg"/*.wasm "$pkg"/*.js "$pkg"/*.css; do
  raw=$(stat -c %s "$f"); gz=$(gzip -9 -n -c "$f" | wc -c); br=$(brotli -q 11 -c "$f" | wc -c)
  case "$(basename "$f")" in ecmo-referral.*|split_*) printf '%-60s %8d bytes  %8d gzip  %8d brotli\n' "$(basename "$f")" "$raw" "$gz" "$br" ;; esac
  total_raw=$((total_raw + raw)); total_gz=$((total_gz + gz)); total_br=$((total_br + br))
done
printf '%-60s %8d bytes  %8d gzip  %8d brotli\n' "all files (with $(ls "$pkg"/chunk_*.wasm | wc -l) shared chunks)" "$total_raw" "$total_gz" "$total_br"

port="${SIZE_PORT:-3102}"
work=$(mktemp -d)
ECMO_DEMO=1 ECMO_DATA_DIR="$work" ECMO_LISTEN_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site \
  ECMO_DATABASE_URL= ECMO_SMTP_URL= "$server_bin" >"$work/server.log" 2>&1 &
server=$!
cleanup() { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
password="size bench $(head -c 12 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9')"
printf '%s\n' "$password" | ECMO_DATA_DIR="$work" ECMO_DATABASE_URL= "$server_bin" create-user \
  --email size-referrer@sb-celje.si --name "Size Referrer" --role referrer --hospital "SB Celje" >/dev/null
printf '%s\n' "$password" | ECMO_DATA_DIR="$work" ECMO_DATABASE_URL= "$server_bin" create-user \
  --email size-clinician@ecmo.test --name "Size Clinician" --role ecmo_clinician >/dev/null
echo "== a first visit to each page (empty cache)"
SIZE_BASE_URL="http://127.0.0.1:$port" SIZE_PASSWORD="$password" \
  SIZE_REFERRER_EMAIL=size-referrer@sb-celje.si SIZE_CLINICIAN_EMAIL=size-clinician@ecmo.test \
  NODE_PATH=end2end/node_modules node scripts/bench/first-load.cjs
