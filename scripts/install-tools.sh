#!/usr/bin/env bash
# Installs what building and testing need, skipping what is already there.
#   scripts/install-tools.sh          build tools: wasm32 target, cargo-leptos, wasm-bindgen-cli, npm packages
#   scripts/install-tools.sh --test   also Debian's chromium, PostgreSQL and schemathesis for the tests
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10
WASM_BINDGEN_VERSION=0.2.130   # must equal the wasm-bindgen crate pinned in Cargo.toml

say() { printf '==> %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "error: '$*' needs root; run it as root or install the package yourself" >&2; exit 1; fi
}

apt_updated=
apt_install() {
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 12 minutes, once)"
  # no_downloads: the build uses the tools installed here, never fetched binaries.
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Not --locked: one of its locked dependencies was yanked.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

if ! command -v brotli >/dev/null; then
  say "installing brotli (precompresses the browser bundle)"
  apt_install brotli
fi

if ! command -v npm >/dev/null; then
  say "installing Node.js and npm"
  apt_install nodejs npm
fi

if [ ! -x end2end/node_modules/.bin/wasm-opt ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
  say "installing npm packages (wasm-opt, Playwright)"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi

if [ "${1:-}" = "--test" ]; then
  if [ ! -x /usr/bin/chromium ]; then
    say "installing Debian's chromium for the browser tests"
    apt_install chromium
  fi
  # schemathesis, for the API fuzzing, and prometheus-client, whose parser reads /metrics
  # in the tests, in a virtual environment of the project's own.
  if ! end2end/.venv/bin/schemathesis --version 2>/dev/null | grep -q "$(sed -n 's/^schemathesis==//p' end2end/api-requirements.txt)" \
    || ! end2end/.venv/bin/pip show prometheus-client 2>/dev/null | grep -qx "Version: $(sed -n 's/^prometheus-client==//p' end2end/api-requirements.txt)"; then
    say "installing schemathesis and prometheus-client (PyPI) for the API tests"
    if ! python3 -m venv end2end/.venv 2>/dev/null; then
      apt_install python3-venv
      python3 -m venv end2end/.venv
    fi
    end2end/.venv/bin/pip install --quiet --disable-pip-version-check -r end2end/api-requirements.txt
  fi
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    say "installing PostgreSQL for the database tests"
    apt_install postgresql || echo "warning: PostgreSQL could not be installed; its tests will be skipped" >&2
  fi
fi
