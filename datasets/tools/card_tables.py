#!/usr/bin/env python3
"""Prints the count tables of datasets/README.md from a build report.

    redflag data build --recipe datasets/recipe.toml --out target/redflag-data
    python3 datasets/tools/card_tables.py target/redflag-data/report.json

Tables: records per split and label; per source (rows read, kept per label, dropped per
reason); per language and label; per writer and label.
"""
import json, sys

r = json.load(open(sys.argv[1]))
L = ["appeal", "propaganda", "reporting", "benign"]
print("| split | appeal | propaganda | reporting | benign | total |\n|---|---:|---:|---:|---:|---:|")
tot = {c: 0 for c in L}
for s in ["train", "validation", "test"]:
    c = r["splits"].get(s, {})
    for k in L:
        tot[k] += c.get(k, 0)
    print(f"| {s} | " + " | ".join(str(c.get(k, 0)) for k in L) + f" | {sum(c.get(k, 0) for k in L)} |")
print("| **all** | " + " | ".join(str(tot[k]) for k in L) + f" | {sum(tot.values())} |")
print("\n| source | rows read | kept | kept per label | dropped (reason: rows) |\n|---|---:|---:|---|---|")
for s in r["sources"]:
    if s.get("excluded"):
        continue
    kept = sum(s["kept"].values())
    per = ", ".join(f"{k} {v}" for k, v in sorted(s["kept"].items()))
    drop = ", ".join(f"{k}: {v}" for k, v in sorted(s["dropped"].items())) or "—"
    print(f"| {s['name']} | {s['rows']} | {kept} | {per} | {drop} |")
print("\n| language | appeal | propaganda | reporting | benign | total |\n|---|---:|---:|---:|---:|---:|")
langs = sorted(r["languages"].items(), key=lambda kv: -sum(kv[1].values()))
other = {c: 0 for c in L}
for lang, c in langs:
    n = sum(c.values())
    if n < 100:
        for k in L:
            other[k] += c.get(k, 0)
        continue
    print(f"| {lang} | " + " | ".join(str(c.get(k, 0)) for k in L) + f" | {n} |")
print("| other (under 100 each) | " + " | ".join(str(other[k]) for k in L) + f" | {sum(other.values())} |")
print("\n| writer | appeal | propaganda | reporting | benign | total |\n|---|---:|---:|---:|---:|---:|")
for w, c in sorted(r["writers"].items()):
    print(f"| {w} | " + " | ".join(str(c.get(k, 0)) for k in L) + f" | {sum(c.values())} |")
