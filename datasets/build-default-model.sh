#!/usr/bin/env bash
# Rebuilds the embedded default model and its card from the recipe:
#   1. builds train/validation/test from datasets/ + ../shared/corpora into target/redflag-data
#   2. checks them (schema, duplicates, leakage across splits)
#   3. with --lowo (or when models/lowo/ is missing): leave-one-writer-out evaluation of
#      datasets/default.toml on all splits (every writer's records scored by a model that never
#      saw that writer; the writers dealt into 10 folds, a fold left out at a time, because one
#      training per writer takes about four hours on 2 cores at 47 writers), into models/lowo/
#      (lowo.json, lowo.md, predictions.jsonl: ids, labels
#      and scores only); with --ablation also of the variants in datasets/ablation/*.toml, into
#      models/lowo-<name>/
#   4. trains models/default.rfm on the train split with datasets/default.toml; calibration on
#      the validation split, review thresholds on the validation split's public records
#      together with the held-out-writer predictions of step 3
#   5. writes models/default.card.md: the leave-one-writer-out headline (and ablation rows),
#      then test-split metrics, per-language figures and obfuscation robustness
# Deterministic: the same inputs give a byte-identical model.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/redflag
data=target/redflag-data
"$bin" data build --recipe datasets/recipe.toml --out "$data"
"$bin" data check "$data/train.jsonl" "$data/validation.jsonl" "$data/test.jsonl" > "$data/check.txt" || {
  cat "$data/check.txt"; exit 1; }
all=("$data/train.jsonl" "$data/validation.jsonl" "$data/test.jsonl")
folds=(--value-folds 10)
if [[ " $* " == *" --lowo "* || ! -f models/lowo/lowo.json ]]; then
  "$bin" cv --data "${all[@]}" --config datasets/default.toml --leave-one-out writer \
    "${folds[@]}" --resamples 200 --out models/lowo > /dev/null
fi
variants=()
for v in datasets/ablation/*.toml; do
  [[ -e "$v" ]] || continue
  name=$(basename "$v" .toml)
  if [[ " $* " == *" --ablation "* || ! -f "models/lowo-$name/lowo.json" ]]; then
    "$bin" cv --data "${all[@]}" --config "$v" --leave-one-out writer \
      "${folds[@]}" --resamples 200 --out "models/lowo-$name" > /dev/null
  fi
  variants+=(--lowo-variant "$(sed -n 's/^# ablation: //p' "$v")=models/lowo-$name/lowo.json")
done
"$bin" train --data "$data/train.jsonl" --validation "$data/validation.jsonl" \
  --held-out-predictions models/lowo/predictions.jsonl \
  --config datasets/default.toml --out models/default.rfm
"$bin" card --model models/default.rfm --data "$data/test.jsonl" --recipe datasets/recipe.toml \
  --lowo models/lowo/lowo.json "${variants[@]}" \
  --robustness datasets/robustness/pairs.jsonl --out models/default.card.md
echo "wrote models/default.rfm and models/default.card.md; rebuild redflag to embed the model"
