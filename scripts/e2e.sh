#!/usr/bin/env bash
# Browser tests: the server on a fresh demo database, driven by Playwright in Debian's
# chromium. Expects the browser bundle in target/site (scripts/build-front.sh or
# scripts/build-release.sh) and a server binary: E2E_SERVER_BIN, by default the release one.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${E2E_PORT:-3100}"
server_bin="${E2E_SERVER_BIN:-target/release/ecmo-referral-server}"
[ -x "$server_bin" ] || { echo "error: no server binary at $server_bin" >&2; exit 1; }
work=$(mktemp -d)
log="$work/server.log"
# Every test signs in from 127.0.0.1: the per-address sign-in allowance (30 at once, then one
# per 10 s, meant for one hospital's network) is raised so that the suite's ~35 sign-ins, or
# a repeated run's, are never throttled; per-account lockout stays as configured.
ECMO_DEMO=1 ECMO_DATA_DIR="$work" ECMO_LISTEN_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site \
  ECMO_LOGIN_ADDRESS_BURST=1000 \
  ECMO_DATABASE_URL= ECMO_SMTP_URL= "$server_bin" >"$log" 2>&1 &
server=$!
cleanup() { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  if ! kill -0 "$server" 2>/dev/null; then echo "the server did not start:"; cat "$log"; exit 1; fi
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { echo "the server is not healthy:"; cat "$log"; exit 1; }
# An administrator for the account tests, made the way an operator makes the first one.
admin_password="e2e admin $(head -c 12 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9')"
printf '%s\n' "$admin_password" | ECMO_DATA_DIR="$work" ECMO_DATABASE_URL= \
  "$server_bin" create-user --email e2e-admin@ecmo.test \
  --name "E2E Administrator" --role admin,ecmo_clinician >/dev/null
printf '%s\n' "$admin_password" | ECMO_DATA_DIR="$work" ECMO_DATABASE_URL= \
  "$server_bin" create-user --email e2e-referrer@sb-celje.si \
  --name "E2E Napotni Zdravnik" --role referrer --hospital "SB Celje" >/dev/null
cd end2end
# Without SMTP the server writes each mail as a .eml file in $work/mail: the tests read
# their links there, as a person reads their inbox.
E2E_BASE_URL="http://127.0.0.1:$port" E2E_MAIL_DIR="$work/mail" \
  E2E_ADMIN_EMAIL=e2e-admin@ecmo.test E2E_ADMIN_PASSWORD="$admin_password" \
  E2E_REFERRER_EMAIL=e2e-referrer@sb-celje.si npx playwright test "$@"
