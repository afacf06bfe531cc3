#!/usr/bin/env bash
# Alert-path figures on the release server (not a test): an ECPR alert's delivery time
# during a password-reset flood, and RSS and submission time under 600 sign-ins at once.
# Usage: [BIN=path/to/release/ecmo-referral-server] scripts/bench-alerts.sh [flood] [signins]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-target/release/ecmo-referral-server}
[ -x "$bin" ] || scripts/build-release.sh
dir=$(mktemp -d)
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$dir"' EXIT
export ECMO_DATA_DIR="$dir" ECMO_DATABASE_URL="sqlite://$dir/bench.db"
export ECMO_LISTEN_ADDR=127.0.0.1:3300 ECMO_PUBLIC_URL=http://127.0.0.1:3300/
export ECMO_CENTRE_PHONE="+386 1 000 0000" ECMO_TEAM_EMAIL=team@bench.test
export ECMO_SMTP_URL="smtp://127.0.0.1:2626?tls=none" ECMO_TRUSTED_PROXIES=127.0.0.1
export ECMO_LOG_FORMAT=text RUST_LOG=warn
password="bench password 2026 kisik"
printf '%s\n' "$password" | "$bin" create-user --email ref@bench.test --name "Bench Referrer" --role referrer --hospital "SB Celje" >/dev/null
printf '%s\n' "$password" | "$bin" create-user --email oncall@bench.test --name "Bench Clinician" --role ecmo_clinician >/dev/null
"$bin" serve >"$dir/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:3300/healthz >/dev/null && break; sleep 0.1; done
BASE=http://127.0.0.1:3300 SMTP_PORT=2626 REFERRER_EMAIL=ref@bench.test CLINICIAN_EMAIL=oncall@bench.test \
  PASSWORD="$password" SERVER_PID=$pid python3 -W ignore scripts/bench/alerts.py "$@"
