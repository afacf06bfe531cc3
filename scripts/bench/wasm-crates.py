"""Sums twiggy's per-function sizes (CSV on stdin) by crate: the first path segment of each
demangled name, e.g. `serde_json::de::...` or `<tachys::...>` -> serde_json, tachys. Data
segments are one line. Prints the largest crates, for deciding what a browser need not
download. Run by scripts/wasm-crates.sh."""
import collections
import csv
import re
import sys

by_crate = collections.Counter()
for row in csv.DictReader(sys.stdin):
    name, size = row["Name"], int(row["ShallowSize"])
    if name.startswith("custom section") or "subsection" in name:
        continue
    if name.startswith("data[") or name.startswith("data segment"):
        by_crate["(data: strings, tables; all stay in the main module)"] += size
        continue
    if "__wbindgen_describe" in name:
        by_crate["(type descriptors, removed by wasm-bindgen)"] += size
        continue
    match = re.search(r"[A-Za-z_][A-Za-z0-9_]*(?=::)", name)
    by_crate[match.group(0) if match else "(other)"] += size
total = sum(by_crate.values())
print(f"{'bytes':>9}  share  crate (before wasm-opt and splitting; {total:,} bytes in all)")
for crate, size in by_crate.most_common(int(sys.argv[1]) if len(sys.argv) > 1 else 25):
    print(f"{size:9d}  {100 * size / total:4.1f}%  {crate}")
