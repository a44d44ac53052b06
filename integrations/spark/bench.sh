#!/usr/bin/env bash
# Throughput of the Spark job with local[2] against single-machine `redflag score` on the
# same input. Not part of CI (it takes minutes); the figures are in README.md here.
#
#   integrations/spark/bench.sh [RECORDS]     (default 400000)
#
# The input is datasets/handwritten/*.jsonl repeated, with fresh ids, to RECORDS records,
# as JSON Lines and as Parquet (4 files). Uses the venv test.sh makes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
n=${1:-400000}
redflag=$root/target/release/redflag
venv=${REDFLAG_SPARK_VENV:-${TMPDIR:-/tmp}/redflag-spark-venv}
[ -x "$redflag" ] || (cd "$root" && cargo build --release --quiet)
[ -x "$venv/bin/python" ] || { echo "run test.sh first (it makes $venv)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$root" "$n" "$work/in.jsonl" <<'PY'
import glob, json, sys
root, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
texts = [json.loads(l)["text"] for f in sorted(glob.glob(root + "/datasets/handwritten/*.jsonl")) for l in open(f)]
with open(out, "w") as f:
    for i in range(n):
        f.write(json.dumps({"id": "r%d" % i, "text": texts[i % len(texts)]}) + "\n")
PY
bytes=$(stat -c %s "$work/in.jsonl")
echo "input: $n records, $((bytes / 1000000)) MB of JSON Lines"
for t in 1 2; do
    s=$(date +%s.%N)
    "$redflag" score "$work/in.jsonl" --threads $t --quiet > "$work/single.jsonl"
    e=$(date +%s.%N)
    python3 -c "import sys; n=$n; t=$e-$s; print('single machine, --threads $t: %.1f s, %.0f records/s' % (t, n/t))"
done
export PYSPARK_PYTHON="$venv/bin/python"
export PYSPARK_SUBMIT_ARGS="--master local[2] --driver-memory 2g --conf spark.ui.showConsoleProgress=false pyspark-shell"
"$venv/bin/python" - "$work" <<'PY'
import sys
from pyspark.sql import SparkSession
work = sys.argv[1]
spark = SparkSession.builder.getOrCreate()
spark.read.json(work + "/in.jsonl").repartition(4).write.parquet(work + "/in.parquet")
spark.stop()
PY
for input in in.jsonl in.parquet; do
    s=$(date +%s.%N)
    "$venv/bin/python" "$here/redflag_spark.py" --redflag "$redflag" "$work/$input" "$work/out-$input" \
        > "$work/summary.json" 2> "$work/spark.log"
    e=$(date +%s.%N)
    python3 -c "
import json; n=$n; t=$e-$s
s=json.load(open('$work/summary.json'))
assert s['records'] == n, s
print('spark local[2], $input (%d partitions): %.1f s, %.0f records/s, including start-up' % (s['partitions'], t, n/t))"
done
