#!/usr/bin/env bash
# Prints the raw and gzip sizes of what a browser downloads on first load (release build).
set -euo pipefail
cd "$(dirname "$0")/.."
pkg=target/site/pkg
[ -d "$pkg" ] || { echo "no release build: run scripts/build-release.sh first" >&2; exit 1; }
total_raw=0; total_gz=0
for f in "$pkg"/*.wasm "$pkg"/*.js "$pkg"/*.css; do
  raw=$(stat -c %s "$f"); gz=$(gzip -9 -c "$f" | wc -c)
  printf '%-40s %8d bytes  %8d gzip\n' "$(basename "$f")" "$raw" "$gz"
  total_raw=$((total_raw + raw)); total_gz=$((total_gz + gz))
done
printf '%-40s %8d bytes  %8d gzip (%d KB)\n' total "$total_raw" "$total_gz" $((total_gz / 1024))
