#!/usr/bin/env bash
# Precompressed copies of the browser bundle (brotli and gzip at their highest levels) beside
# each file in target/site/pkg; the server sends them to browsers that accept them instead of
# compressing on every request.
set -euo pipefail
cd "$(dirname "$0")/.."
for file in target/site/pkg/*.js target/site/pkg/*.wasm target/site/pkg/*.css; do
  [ -f "$file" ] || continue
  gzip -9 -k -f -n "$file"
  brotli -q 11 -k -f "$file"
done
