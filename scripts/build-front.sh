#!/usr/bin/env bash
# The size-optimised browser bundle alone (target/site: wasm, its JavaScript, styles and
# assets), as a release ships it; the browser tests serve it from the test build's server.
set -euo pipefail
cd "$(dirname "$0")/.."
# wasm-opt from the npm package binaryen: Debian's older binaryen breaks hydration.
export PATH="$PWD/end2end/node_modules/.bin:$PATH"
cargo leptos build --release --frontend-only --split
scripts/compress-assets.sh
