#!/usr/bin/env bash
# Prints the raw, gzip and brotli sizes of the browser bundle a first visit downloads (release
# build; every page loads the same bundle). The server sends the brotli copies made at build
# time to browsers that accept them.
set -euo pipefail
cd "$(dirname "$0")/.."
pkg=target/site/pkg
[ -d "$pkg" ] || { echo "no release build: run scripts/build-release.sh first" >&2; exit 1; }
total_raw=0; total_gz=0; total_br=0
for f in "$pkg"/*.wasm "$pkg"/*.js "$pkg"/*.css; do
  raw=$(stat -c %s "$f"); gz=$(gzip -9 -n -c "$f" | wc -c); br=$(brotli -q 11 -c "$f" | wc -c)
  printf '%-40s %8d bytes  %8d gzip  %8d brotli\n' "$(basename "$f")" "$raw" "$gz" "$br"
  total_raw=$((total_raw + raw)); total_gz=$((total_gz + gz)); total_br=$((total_br + br))
done
printf '%-40s %8d bytes  %8d gzip  %8d brotli (%d KB)\n' total "$total_raw" "$total_gz" "$total_br" $((total_br / 1024))
