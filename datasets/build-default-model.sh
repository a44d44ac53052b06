#!/usr/bin/env bash
# Rebuilds the embedded default model and its card from the recipe:
#   1. builds train/validation/test from datasets/ + ../shared/corpora into target/redflag-data
#   2. checks them (schema, duplicates, leakage across splits)
#   3. trains models/default.rfm on the train split with datasets/default.toml
#      (thresholds and calibration on the validation split)
#   4. writes models/default.card.md: test-split metrics, ablation (models/default.tune.json,
#      from `redflag tune --ablation` on the train split; rerun with --tune to refresh it),
#      obfuscation robustness
# Deterministic: the same inputs give a byte-identical model.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/redflag
data=target/redflag-data
"$bin" data build --recipe datasets/recipe.toml --out "$data"
"$bin" data check "$data/train.jsonl" "$data/validation.jsonl" "$data/test.jsonl" > "$data/check.txt" || {
  cat "$data/check.txt"; exit 1; }
if [[ "${1:-}" == "--tune" ]]; then
  "$bin" tune --data "$data/train.jsonl" --config datasets/default.toml --folds 3 --budget 6 \
    --ablation --out target/tune > /dev/null
  cp target/tune/tune.json models/default.tune.json
fi
"$bin" train --data "$data/train.jsonl" --validation "$data/validation.jsonl" \
  --config datasets/default.toml --out models/default.rfm
tune=()
[[ -f models/default.tune.json ]] && tune=(--tune models/default.tune.json)
"$bin" card --model models/default.rfm --data "$data/test.jsonl" --recipe datasets/recipe.toml \
  "${tune[@]}" --robustness datasets/robustness/pairs.jsonl --out models/default.card.md
echo "wrote models/default.rfm and models/default.card.md; rebuild redflag to embed the model"
