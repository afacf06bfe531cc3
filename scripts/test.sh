#!/usr/bin/env bash
# Every test: unit and integration tests on SQLite and PostgreSQL (when a local server
# can be found or started), then the browser tests: the test build's server with the
# release browser bundle.
#
# Each dependency graph is compiled once: the server side in the test profile (both
# packages in one cargo invocation, so that features unify and nothing is built twice),
# the browser bundle in its release profile, the two side by side. The browser tests are
# served by the server binary the integration tests were built with.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target
phases=target/test-phases.tsv
: >"$phases"
# phase NAME COMMAND...: runs the command and records its wall time in $phases.
phase() {
  local name=$1 start=$SECONDS status=0
  shift
  "$@" || status=$?
  printf '%s\t%d\n' "$name" $((SECONDS - start)) >>"$phases"
  return "$status"
}

phase "install tools (skips what is there)" scripts/install-tools.sh --test

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
front_log=$(mktemp)
trap 'rm -f "$log" "$front_log"' EXIT
target_dir=$(cargo metadata --no-deps --format-version 1 | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
# Both packages, one feature set: the same compiled dependencies serve every test target.
tests=(--workspace --features ecmo-referral-app/ssr)

echo "==> building the tests and the release browser bundle side by side"
front_start=$SECONDS
scripts/build-front.sh >"$front_log" 2>&1 &
front=$!
trap 'kill "$front" 2>/dev/null || true; rm -f "$log" "$front_log"' EXIT
front_done() {
  local status=0
  wait "$front" || status=$?
  printf '%s\t%d\n' "browser bundle (release wasm, beside the rest)" $((SECONDS - front_start)) >>"$phases"
  cat "$front_log"
  [ "$status" = 0 ] || { echo "error: the browser bundle did not build" >&2; exit 1; }
}
if ! phase "compile tests (test profile)" cargo test "${tests[@]}" --no-run 2>&1 | tee -a "$log" ||
  ! phase "compile benchmarks (test profile)" cargo test "${tests[@]}" --benches --no-run; then
  front_done
  echo "error: the tests did not build" >&2
  exit 1
fi

# The bundle's last step (link-time optimisation of one unit) uses one core: the unit and
# integration tests run meanwhile.
echo "==> unit and integration tests"
phase "run unit and integration tests" cargo test "${tests[@]}" 2>&1 | tee -a "$log"
front_done

echo "==> the JSON API against its OpenAPI document (schemathesis)"
phase "API fuzzing (schemathesis)" env API_SERVER_BIN="$target_dir/debug/ecmo-referral-server" \
  scripts/api-fuzz.sh 2>&1 | tee -a "$log"

echo "==> browser tests"
phase "run browser tests" env E2E_SERVER_BIN="$target_dir/debug/ecmo-referral-server" \
  scripts/e2e.sh 2>&1 | tee -a "$log"

echo "==> time by phase (seconds; the bundle was built while the tests compiled and ran)"
column -t -s $'\t' "$phases" 2>/dev/null || cat "$phases"

# One closing line with the totals of every runner above (cargo and Playwright).
awk '
  /^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
  /^ +[0-9]+ passed \(/ { p += $1 }
  /^ +[0-9]+ failed$/ { f += $1 }
  /^ +[0-9]+ flaky$/ { k += $1 }
  /^ +[0-9]+ generated, [0-9]+ passed/ { a += $1 }
  END { printf "tests: %d passed, %d failed, %d browser tests passed only when repeated (flaky); API fuzzing: %d generated requests passed\n", p, f, k, a }
' "$log" | tee target/test-summary.txt
