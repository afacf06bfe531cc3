#!/usr/bin/env bash
# Benchmark (not a test): Lighthouse's performance audit, mobile profile (its default: a
# mid-range phone on a slow 4G link, simulated), in Debian's chromium, of the pages a
# referring doctor opens first: the checklist step, the ECPR alert form and the home page.
# Prints the performance score and the metrics behind it. Lighthouse (npm, pinned) is
# installed beside the other benchmark tools on first use, not with the project's tests.
set -euo pipefail
cd "$(dirname "$0")/.."
server_bin="${LIGHTHOUSE_SERVER_BIN:-target/release/ecmo-referral-server}"
[ -x "$server_bin" ] || [ -n "${LIGHTHOUSE_SERVER_BIN:-}" ] || scripts/build-release.sh
[ -d target/site/pkg ] || { echo "no browser bundle: run scripts/build-release.sh first" >&2; exit 1; }
tools="${ECMO_BENCH_TOOLS:-$HOME/.cache/ecmo-referral-bench}/lighthouse"
if [ ! -x "$tools/node_modules/.bin/lighthouse" ]; then
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-audit --no-fund --silent lighthouse@13.5.0
fi

port="${LIGHTHOUSE_PORT:-3103}"
base="http://127.0.0.1:$port"
work=$(mktemp -d)
ECMO_DEMO=1 ECMO_DATA_DIR="$work" ECMO_LISTEN_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site \
  ECMO_DATABASE_URL= ECMO_SMTP_URL= "$server_bin" >"$work/server.log" 2>&1 &
server=$!
cleanup() { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 1 100); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
password="lighthouse $(head -c 12 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9')"
printf '%s\n' "$password" | ECMO_DATA_DIR="$work" ECMO_DATABASE_URL= "$server_bin" create-user \
  --email lighthouse@sb-celje.si --name "Lighthouse Referrer" --role referrer --hospital "SB Celje" >/dev/null
curl -fsS -c "$work/cookies" -H 'content-type: application/json' \
  -d "{\"email\":\"lighthouse@sb-celje.si\",\"password\":\"$password\"}" "$base/api/v1/session" >/dev/null
cookie="ecmo_session=$(awk '$6 == "ecmo_session" {print $7}' "$work/cookies")"
draft=$(curl -fsS -H "cookie: $cookie" -H "origin: $base" -d pathway=vv "$base/api/referrals/draft-start")

audit() { # name, path, signed in (1/0)
  local headers='{}'
  [ "$3" = 1 ] && headers="{\"cookie\":\"$cookie\"}"
  "$tools/node_modules/.bin/lighthouse" "$base$2" --quiet --output=json --output-path="$work/report.json" \
    --only-categories=performance --extra-headers="$headers" --chrome-path=/usr/bin/chromium \
    --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run" \
    >/dev/null 2>"$work/lighthouse.log" || { cat "$work/lighthouse.log"; return 1; }
  node -e '
    const r = require(process.argv[1]);
    const a = (id) => r.audits[id];
    const ms = (id) => `${Math.round(a(id).numericValue)} ms`;
    console.log(`${process.argv[2].padEnd(28)} performance ${Math.round(r.categories.performance.score * 100)}` +
      `  FCP ${ms("first-contentful-paint")}  LCP ${ms("largest-contentful-paint")}` +
      `  TBT ${ms("total-blocking-time")}  CLS ${a("cumulative-layout-shift").numericValue.toFixed(3)}` +
      `  SI ${ms("speed-index")}  transferred ${Math.round(a("total-byte-weight").numericValue / 1024)} KB`);
  ' "$work/report.json" "$1"
}
echo "Lighthouse 13.5.0, mobile profile (simulated slow 4G, 4x CPU slowdown), $(/usr/bin/chromium --version)"
audit "checklist step (VV, step 1)" "/referrals/drafts/$draft" 1
audit "ECPR alert form" "/referrals/new/ecpr" 1
audit "home, anonymous" "/" 0
