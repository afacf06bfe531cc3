#!/usr/bin/env bash
# Builds a release and serves it on http://127.0.0.1:3000 with an embedded SQLite
# database under ./data. A new database gets demonstration data unless ECMO_DEMO=0.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-tools.sh
scripts/build-release.sh
export ECMO_DEMO="${ECMO_DEMO:-1}"
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-target/site}"
echo "==> serving on http://${ECMO_LISTEN_ADDR:-127.0.0.1:3000} (Ctrl-C stops)"
exec target/release/ecmo-referral-server
