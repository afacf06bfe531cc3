#!/usr/bin/env bash
# What the browser bundle is made of, by crate: twiggy (crates.io, installed on first use)
# over the release bundle's WebAssembly as the compiler left it (with its names), before
# wasm-bindgen, wasm-opt and the split into islands. Needs scripts/build-release.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."
wasm="${CARGO_TARGET_DIR:-target}/front/wasm32-unknown-unknown/wasm-release/ecmo_referral_app.wasm"
[ -f "$wasm" ] || { echo "no release bundle at $wasm: run scripts/build-release.sh first" >&2; exit 1; }
command -v twiggy >/dev/null || cargo install --locked twiggy@0.8.0
twiggy top -n 1000000 -f csv "$wasm" | python3 scripts/bench/wasm-crates.py "${1:-25}"
