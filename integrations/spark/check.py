"""Checks the Spark job's results against single-machine `redflag score` (run by test.sh).

    python check.py REDFLAG FIXTURE.jsonl WORK_DIR

Builds a partitioned Parquet copy of the fixture, runs redflag_spark.py on the JSON Lines
fixture and on the Parquet copy with local[2], and checks that
  (a) records in = result rows + error rows,
  (b) every score equals single-machine `redflag score` for the same record,
  (c) malformed records are error rows and the job still succeeds,
  (d) Parquet output is partitioned like the input, and --review-only keeps only flagged
      and error rows.
Prints records/s for both runs. Exits non-zero on the first failed check.
"""

import json
import os
import subprocess
import sys
import time

from pyspark.sql import SparkSession

redflag, fixture, work = sys.argv[1:4]
here = os.path.dirname(os.path.abspath(__file__))
job = os.path.join(here, "redflag_spark.py")


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def single_machine(path):
    t = time.perf_counter()
    p = subprocess.run([redflag, "score", path, "--quiet"], capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if p.returncode not in (0, 1):
        fail("redflag score failed: " + p.stderr)
    return [json.loads(l) for l in p.stdout.splitlines()], elapsed


def spark_job(args):
    cmd = [sys.executable, job, "--redflag", redflag, "--mode", "overwrite"] + args
    env = dict(
        os.environ,
        PYSPARK_SUBMIT_ARGS="--master local[2] --conf spark.ui.showConsoleProgress=false pyspark-shell",
    )
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - t
    if p.returncode != 0:
        fail("the Spark job failed (c: a malformed record must not fail it):\n" + p.stderr[-4000:])
    start = p.stdout.index("{")
    return json.loads(p.stdout[start:]), elapsed


def key(rid):
    return rid if isinstance(rid, str) else json.dumps(rid)


def compare(rows, expected, what):
    by_id = {key(r["id"]): r for r in expected}
    if len(rows) != len(expected):
        fail("%s: %d result rows for %d records (a)" % (what, len(rows), len(expected)))
    classes = None
    for row in rows:
        want = by_id.get(row["id"])
        if want is None:
            fail("%s: result for unknown id %r" % (what, row["id"]))
        if "error" in want:
            if row["error"] is None:
                fail("%s: %r should be an error row (c)" % (what, row["id"]))
            continue
        if row["error"] is not None:
            fail("%s: %r is an error row: %s" % (what, row["id"], row["error"]))
        classes = list(want["scores"])
        for c in classes:
            if row["score_" + c] != want["scores"][c]:
                fail("%s: %r score_%s %r != %r (b)" % (what, row["id"], c, row["score_" + c], want["scores"][c]))
        if row["label"] != want["label"] or row["review"] != want["review"]:
            fail("%s: %r label/review differ (b)" % (what, row["id"]))
        if json.loads(row["reasons"]) != want["reasons"]:
            fail("%s: %r reasons differ (b)" % (what, row["id"]))


spark = (
    SparkSession.builder.master("local[2]")
    .appName("redflag-check")
    .config("spark.ui.showConsoleProgress", "false")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("ERROR")

# 1. JSON Lines in.
expected, t_single = single_machine(fixture)
out1 = os.path.join(work, "out-jsonl")
summary, t_spark = spark_job([fixture, out1, "--summary", os.path.join(work, "summary.json")])
rows = [r.asDict() for r in spark.read.parquet(out1).collect()]
compare(rows, expected, "jsonl")
n_errors = sum("error" in r for r in expected)
if n_errors < 3:
    fail("the fixture should hold malformed records")
if (summary["records"], summary["errors"]) != (len(expected), n_errors):
    fail("summary %r vs %d records, %d errors" % (summary, len(expected), n_errors))
want_flagged = sum(1 for r in expected if r.get("review"))
if summary["flagged"] != want_flagged or sum(summary["flagged_per_class"].values()) != want_flagged:
    fail("summary flagged %r, want %d" % (summary, want_flagged))
print("jsonl: %d records (%d errors, %d flagged) match single-machine scoring" % (len(expected), n_errors, want_flagged))

# 2. Partitioned Parquet in (with a null text), partitioned Parquet out; --review-only.
def lenient(line):
    try:
        return json.loads(line)
    except ValueError:
        return None


records = [lenient(l) for l in open(fixture) if l.strip()]
good = []
for r in records:
    if isinstance(r, dict) and isinstance(r.get("text"), str):
        good.append((key(r["id"]), r["text"], "2026-11-0%d" % (1 + len(good) % 2)))
good.append(("parquet-null", None, "2026-11-01"))
src = spark.createDataFrame(good, "post_id string, body string, day string")
pq_in = os.path.join(work, "in-parquet")
src.repartition(3).write.mode("overwrite").partitionBy("day").parquet(pq_in)
jsonl_copy = os.path.join(work, "parquet-as.jsonl")
with open(jsonl_copy, "w") as f:
    for rid, text, _ in good:
        f.write(json.dumps({"id": rid, "text": text}) + "\n")
expected2, _ = single_machine(jsonl_copy)
out2 = os.path.join(work, "out-parquet")
summary2, _ = spark_job([pq_in, out2, "--text-column", "body", "--id-column", "post_id"])
days = sorted(d for d in os.listdir(out2) if d.startswith("day="))
if days != ["day=2026-11-01", "day=2026-11-02"]:
    fail("output not partitioned like the input: %r (d)" % os.listdir(out2))
rows2 = [r.asDict() for r in spark.read.parquet(out2).collect()]
compare(rows2, expected2, "parquet")
for r in rows2:
    want_day = next(d for i, _, d in good if i == r["id"])
    if str(r["day"]) != want_day:
        fail("row %r landed in day %r, not %r (d)" % (r["id"], r["day"], want_day))
out3 = os.path.join(work, "out-review")
spark_job([pq_in, out3, "--text-column", "body", "--id-column", "post_id", "--review-only"])
rows3 = spark.read.parquet(out3).collect()
want3 = sum(1 for r in expected2 if r.get("review") or "error" in r)
if len(rows3) != want3 or not all(r["review"] or r["error"] for r in rows3):
    fail("--review-only kept %d rows, want %d flagged or error rows (d)" % (len(rows3), want3))
print("parquet: %d records, partitioned output, --review-only %d rows: ok" % (len(expected2), want3))
# 3. A folder of JSON Lines parts (as Spark or a log shipper writes them), no --format: the
#    format comes from the files' extensions, not the folder's name.
parts_in = os.path.join(work, "in-jsonl-parts")
os.makedirs(parts_in)
lines = [l for l in open(fixture)]
half = len(lines) // 2
for i, chunk in enumerate([lines[:half], lines[half:]]):
    with open(os.path.join(parts_in, "part-%05d.jsonl" % i), "w") as f:
        f.writelines(chunk)
open(os.path.join(parts_in, "_SUCCESS"), "w").close()
out4 = os.path.join(work, "out-parts")
spark_job([parts_in, out4])
compare([r.asDict() for r in spark.read.parquet(out4).collect()], expected, "jsonl folder")
print("jsonl folder: format from the files' extensions: ok")
print("time: single-machine %.2f s, spark local[2] %.2f s (startup dominates at this size)" % (t_single, t_spark))
spark.stop()
