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

echo "==> unit and integration tests"
cargo test -p ecmo-referral-app --features ssr
cargo test -p ecmo-referral-server

echo "==> release build"
scripts/build-release.sh

echo "==> browser tests"
scripts/e2e.sh
