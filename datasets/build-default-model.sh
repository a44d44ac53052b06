#!/usr/bin/env bash
# Rebuilds the embedded default model from the recipe:
#   1. builds train/validation/test from datasets/ + ../shared/corpora into target/redflag-data
#   2. trains models/default.rfm on the train split with datasets/default.toml
# Deterministic: the same inputs give a byte-identical model.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/redflag
data=target/redflag-data
"$bin" data build --recipe datasets/recipe.toml --out "$data"
"$bin" data check "$data/train.jsonl" "$data/validation.jsonl" "$data/test.jsonl" > "$data/check.txt" || {
  cat "$data/check.txt"; exit 1; }
"$bin" train --data "$data/train.jsonl" --validation "$data/validation.jsonl" \
  --config datasets/default.toml --out models/default.rfm
"$bin" inspect models/default.rfm > /dev/null
