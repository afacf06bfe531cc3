#!/usr/bin/env bash
# The JSON API against its own OpenAPI document: schemathesis (end2end/.venv, made by
# scripts/install-tools.sh --test) sends the document's examples, then generated valid and
# invalid requests to every operation, signed in as a referring doctor, with a fixed seed
# and a bounded number of cases. It fails on any 5xx, any status the document does not
# list, and any body that does not match its schema. Expects a server binary:
# API_SERVER_BIN, by default the release one.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${API_FUZZ_PORT:-3101}"
server_bin="${API_SERVER_BIN:-target/release/ecmo-referral-server}"
[ -x "$server_bin" ] || { echo "error: no server binary at $server_bin" >&2; exit 1; }
[ -x end2end/.venv/bin/schemathesis ] || { echo "error: run scripts/install-tools.sh --test first" >&2; exit 1; }
work=$(mktemp -d)
# A fresh demo database; the sign-in throttle as configured, so that generated sign-ins
# meet it (429 is documented).
ECMO_DEMO=1 ECMO_DATA_DIR="$work" ECMO_LISTEN_ADDR="127.0.0.1:$port" \
  ECMO_DATABASE_URL= ECMO_SMTP_URL= "$server_bin" >"$work/server.log" 2>&1 &
server=$!
cleanup() { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { echo "the server did not start:"; cat "$work/server.log"; exit 1; }
  sleep 0.1
done
password="api fuzz $(head -c 12 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9')"
printf '%s\n' "$password" | ECMO_DATA_DIR="$work" ECMO_DATABASE_URL= "$server_bin" create-user \
  --email fuzz@sb-celje.si --name "API Fuzz" --role referrer --hospital "SB Celje" >/dev/null
cookie=$(curl -fsS -o /dev/null -D - -H 'content-type: application/json' \
  --data "{\"email\":\"fuzz@sb-celje.si\",\"password\":\"$password\"}" \
  "http://127.0.0.1:$port/api/v1/session" | sed -n 's/^[Ss]et-[Cc]ookie: \(ecmo_session=[^;]*\).*/\1/p')
[ -n "$cookie" ] || { echo "error: could not sign in"; exit 1; }
# Signing out would end the run's session: that operation is left out.
end2end/.venv/bin/schemathesis run "http://127.0.0.1:$port/api/v1/openapi.json" \
  --header "Cookie: $cookie" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --exclude-operation-id signOut \
  --max-examples "${API_FUZZ_EXAMPLES:-20}" --seed "${API_FUZZ_SEED:-20261128}" --workers 2
