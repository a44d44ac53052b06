"""Score text with redflag on Apache Spark.

Every partition's records are piped, as JSON Lines, through one
`redflag score - --threads 1 --quiet` process on the executor, and the results come
back in the same order (redflag writes exactly one result or error record per input
record), so they are joined to their input rows by position. The `redflag` binary,
and a model file if one is given, are shipped to the executors with
`SparkContext.addFile`; nothing is installed on the cluster.

    spark-submit --master 'local[2]' integrations/spark/redflag_spark.py \
        --redflag target/release/redflag INPUT OUTPUT

INPUT is a Parquet file or directory or JSON Lines (file or directory), told apart by
the extension of the path or, for a local directory, of the files inside it; `--format
parquet|jsonl` says it outright (needed for remote directories whose name says nothing). Partition
directories (`day=2026-11-01/`) are discovered and the results are written
partitioned the same way, as Parquet with the columns of `redflag score --output
x.parquet`: id, label, score_<class> for each class, review, reasons (a JSON
string), warnings, error. A malformed record becomes a row with `error` set; it
never fails the job.

redflag flags records for human review only; it takes no action on them.
"""

import argparse
import collections
import itertools
import json
import os
import re
import stat
import subprocess
import sys
import threading

from pyspark import SparkFiles
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("input", help="Parquet or JSON Lines file or directory (any Hadoop path)")
    p.add_argument("output", help="Directory for the Parquet results")
    p.add_argument("--format", choices=["parquet", "jsonl"], help="input format (default: from the path)")
    p.add_argument("--redflag", default="redflag", help="path of the redflag binary on the driver (shipped to executors)")
    p.add_argument("--model", help="model file (shipped to executors); the embedded default model when absent")
    p.add_argument("--text-column", default="text")
    p.add_argument("--id-column", default="id")
    p.add_argument("--max-bytes", type=int, default=1 << 20, help="longest text scored, in bytes (longer is truncated)")
    p.add_argument("--review-only", action="store_true", help="write only records flagged for review, and error records")
    p.add_argument("--partition-by", help="comma-separated output partition columns (default: the input's partition columns)")
    p.add_argument("--mode", default="errorifexists", choices=["errorifexists", "overwrite"], help="when OUTPUT exists")
    p.add_argument("--summary", help="also write the summary (JSON) to this local file")
    return p.parse_args(argv)


_JSONL = re.compile(r"\.(jsonl|ndjson|json)(\.gz)?/?$", re.I)
_PARQUET = re.compile(r"\.(parquet|pq)/?$", re.I)


def input_format(path, forced):
    """`--format`, else from the path's extension, else (a local folder, as Spark writes
    them) from the extensions of the data files inside it. A folder of JSON Lines parts is
    JSON Lines; a folder that mixes formats, or whose files say nothing, is an error that
    asks for --format."""
    if forced:
        return forced
    if _JSONL.search(path):
        return "jsonl"
    if _PARQUET.search(path):
        return "parquet"
    local = path[len("file://"):] if path.startswith("file://") else path
    if os.path.isdir(local):
        found = set()
        for root, dirs, files in os.walk(local):
            dirs[:] = [d for d in dirs if not d.startswith((".", "_"))]
            for f in files:
                if f.startswith((".", "_")) or f.endswith(".crc"):
                    continue
                found.add("jsonl" if _JSONL.search(f) else "parquet" if _PARQUET.search(f) else f)
        if found in ({"jsonl"}, {"parquet"}):
            return found.pop()
        raise SystemExit(
            "cannot tell the format of %s from its files (%s); use --format parquet or --format jsonl"
            % (path, ", ".join(sorted(found)[:5]) or "no data files"))
    return "parquet"


def model_classes(redflag, model):
    """The model's classes, from `redflag inspect` on the driver."""
    cmd = [redflag, "inspect"] + ([model] if model else [])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)["header"]["classes"]


def partition_columns(df):
    """Columns that come from `key=value` directories in every input file's path."""
    files = df.inputFiles()
    if not files:
        return []
    keys = None
    for f in files:
        found = set(re.findall(r"/([^/=]+)=[^/]*(?=/)", f))
        keys = found if keys is None else keys & found
    return [c for c in df.columns if c in (keys or set())]


def result_schema(classes, carried):
    fields = [T.StructField(name, dtype, True) for name, dtype in carried]
    fields += [
        T.StructField("id", T.StringType(), True),
        T.StructField("label", T.StringType(), True),
    ]
    fields += [T.StructField("score_" + c, T.DoubleType(), True) for c in classes]
    fields += [
        T.StructField("review", T.BooleanType(), True),
        T.StructField("reasons", T.StringType(), True),
        T.StructField("warnings", T.StringType(), True),
        T.StructField("error", T.StringType(), True),
    ]
    return T.StructType(fields)


# What redflag's JSON Lines reader counts as a blank line (not a record).
_BLANK = b" \t\n\x0c\r"


def score_partition(rows, *, binary, model, max_bytes, classes, to_line, carried_names):
    """Pipes one partition through one redflag process; yields result tuples in input order.

    A feeder thread writes records to redflag's standard input while this thread reads
    results, so a partition streams through in bounded memory: only the carried
    (partition) values of records in flight are held.
    """
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    exe = SparkFiles.get(binary)
    mode = os.stat(exe).st_mode
    if not mode & stat.S_IXUSR:
        os.chmod(exe, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    cmd = [exe, "score", "-", "--format", "jsonl", "--threads", "1", "--quiet", "--max-bytes", str(max_bytes)]
    if model:
        cmd += ["--model", SparkFiles.get(model)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    in_flight = collections.deque()
    fed = [0]
    failure = []

    def feed():
        try:
            for row in itertools.chain([first], rows):
                line = to_line(row)
                if not line.strip(_BLANK):
                    continue
                in_flight.append(tuple(row[name] for name in carried_names))
                fed[0] += 1
                proc.stdin.write(line)
                proc.stdin.write(b"\n")
        except BrokenPipeError:
            pass
        except BaseException as e:  # reported after redflag has finished
            failure.append(e)
        finally:
            try:
                proc.stdin.close()
            except BrokenPipeError:
                pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    stderr = []
    drain = threading.Thread(target=lambda: stderr.append(proc.stderr.read()), daemon=True)
    drain.start()
    produced = 0
    for line in proc.stdout:
        res = json.loads(line)
        produced += 1
        carried = in_flight.popleft()
        rid = res.get("id")
        rid = rid if isinstance(rid, str) or rid is None else json.dumps(rid)
        if "error" in res:
            yield carried + (rid, None) + (None,) * len(classes) + (None, None, None, res["error"])
        else:
            scores = res["scores"]
            warnings = ",".join(res.get("warnings", [])) or None
            yield carried + (rid, res["label"]) + tuple(float(scores[c]) for c in classes) + (
                bool(res["review"]),
                json.dumps(res["reasons"], separators=(",", ":")),
                warnings,
                None,
            )
    writer.join()
    code = proc.wait()
    drain.join()
    if failure:
        raise failure[0]
    if code not in (0, 1) or produced != fed[0]:
        raise RuntimeError(
            "redflag exited with %d after %d results for %d records: %s"
            % (code, produced, fed[0], b"".join(stderr).decode("utf-8", "replace").strip())
        )


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    spark = SparkSession.builder.appName("redflag").getOrCreate()
    sc = spark.sparkContext
    classes = model_classes(args.redflag, args.model)
    sc.addFile(os.path.abspath(args.redflag))
    binary = os.path.basename(args.redflag)
    model = None
    if args.model:
        sc.addFile(os.path.abspath(args.model))
        model = os.path.basename(args.model)

    fmt = input_format(args.input, args.format)
    if fmt == "jsonl":
        # Raw lines: redflag parses them, so a malformed line is an error record exactly as
        # on one machine. Blank lines are skipped, as redflag skips them.
        df = spark.read.text(args.input)
        parts = partition_columns(df)
        text_col, id_col = args.text_column, args.id_column

        if (text_col, id_col) == ("text", "id"):
            def to_line(row):
                return row["value"].encode("utf-8")
        else:
            # Rename the fields redflag reads; the line stays the record.
            def to_line(row):
                try:
                    rec = json.loads(row["value"])
                except ValueError:
                    return row["value"].encode("utf-8")
                if isinstance(rec, dict):
                    rec = {"id": rec.get(id_col), "text": rec.get(text_col)}
                return json.dumps(rec).encode("utf-8")
    else:
        df = spark.read.parquet(args.input)
        if args.text_column not in df.columns:
            raise SystemExit("%s has no column %r (columns: %s)" % (args.input, args.text_column, ", ".join(df.columns)))
        parts = partition_columns(df)
        has_id = args.id_column in df.columns

        def to_line(row):
            text = row[args.text_column]
            if isinstance(text, (bytes, bytearray)):
                text = bytes(text).decode("utf-8", "replace")
            rec = {"text": text}
            if has_id and row[args.id_column] is not None:
                rid = row[args.id_column]
                rec["id"] = rid if isinstance(rid, (int, str)) else str(rid)
            return json.dumps(rec).encode("utf-8")

    if args.partition_by:
        parts = [c.strip() for c in args.partition_by.split(",") if c.strip()]
    missing = [c for c in parts if c not in df.columns]
    if missing:
        raise SystemExit("no such partition column(s): %s" % ", ".join(missing))
    carried = [(c, df.schema[c].dataType) for c in parts]
    schema = result_schema(classes, carried)
    carried_names = [c for c, _ in carried]
    scored = df.rdd.mapPartitions(
        lambda rows: score_partition(
            rows,
            binary=binary,
            model=model,
            max_bytes=args.max_bytes,
            classes=classes,
            to_line=to_line,
            carried_names=carried_names,
        )
    )
    results = spark.createDataFrame(scored, schema).persist()

    summary_row = results.agg(
        F.count(F.lit(1)).alias("records"),
        F.sum(F.col("error").isNotNull().cast("long")).alias("errors"),
        F.sum(F.coalesce(F.col("review"), F.lit(False)).cast("long")).alias("flagged"),
    ).first()
    flagged = {
        r["label"]: r["n"]
        for r in results.where(F.col("review")).groupBy("label").agg(F.count(F.lit(1)).alias("n")).collect()
    }
    summary = {
        "input": args.input,
        "output": args.output,
        "records": summary_row["records"],
        "errors": summary_row["errors"] or 0,
        "flagged": summary_row["flagged"] or 0,
        "flagged_per_class": {c: flagged.get(c, 0) for c in classes},
        "partitions": df.rdd.getNumPartitions(),
    }
    out = results
    if args.review_only:
        out = results.where(F.col("review") | F.col("error").isNotNull())
    writer = out.write.mode(args.mode)
    if parts:
        writer = writer.partitionBy(*parts)
    writer.parquet(args.output)
    results.unpersist()
    print(json.dumps(summary, indent=2))
    if args.summary:
        with open(args.summary, "w") as f:
            json.dump(summary, f, indent=2)
    spark.stop()


if __name__ == "__main__":
    main()
