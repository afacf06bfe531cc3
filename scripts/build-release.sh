#!/usr/bin/env bash
# Release build of the server and the size-optimised browser bundle (target/site).
set -euo pipefail
cd "$(dirname "$0")/.."
# wasm-opt from the npm package binaryen: Debian's older binaryen breaks hydration.
export PATH="$PWD/end2end/node_modules/.bin:$PATH"
cargo leptos build --release --split
scripts/compress-assets.sh
