#!/usr/bin/env bash
# Every test: unit and integration tests on SQLite and PostgreSQL (when a local server
# can be found or started), then the browser tests against a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-tools.sh --test

pg_url=$(scripts/postgres.sh || true)
if [ -n "$pg_url" ]; then
  export ECMO_TEST_POSTGRES_URL="$pg_url"
  echo "==> PostgreSQL tests enabled"
elif [ "${CI:-}" = true ]; then
  echo "error: CI must exercise PostgreSQL, but no local server could be started" >&2
  exit 1
else
  echo "==> no PostgreSQL server found: database tests run on SQLite only"
fi
[ -n "${CI:-}" ] && [ -n "$pg_url" ] && export ECMO_TEST_REQUIRE_POSTGRES=1

log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "==> unit and integration tests"
cargo test -p ecmo-referral-app --features ssr 2>&1 | tee -a "$log"
cargo test -p ecmo-referral-server 2>&1 | tee -a "$log"

echo "==> release build"
scripts/build-release.sh

echo "==> browser tests"
scripts/e2e.sh 2>&1 | tee -a "$log"

# One closing line with the totals of every runner above (cargo and Playwright).
mkdir -p target
awk '
  /^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
  /^ +[0-9]+ passed \(/ { p += $1 }
  /^ +[0-9]+ failed$/ { f += $1 }
  END { printf "tests: %d passed, %d failed\n", p, f }
' "$log" | tee target/test-summary.txt
