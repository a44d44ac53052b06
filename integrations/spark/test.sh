#!/usr/bin/env bash
# The Spark integration test: runs redflag_spark.py with local[2] on a small fixture and
# checks it against single-machine `redflag score` (see check.py for what is checked).
#
#   integrations/spark/test.sh [REDFLAG_BINARY]
#
# Installs pyspark into a throwaway virtual environment (kept in $REDFLAG_SPARK_VENV,
# default ${TMPDIR:-/tmp}/redflag-spark-venv, so a second run does not download again).
# Needs Java 17 (or 11); where `java` is absent the test is skipped with a message.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
redflag=${1:-$root/target/release/redflag}
if ! command -v java >/dev/null 2>&1; then
    echo "SKIPPED spark integration test: java is not installed (Spark needs Java 17)" >&2
    exit 0
fi
if [ ! -x "$redflag" ]; then
    (cd "$root" && cargo build --release --quiet)
fi
redflag=$(cd "$(dirname "$redflag")" && pwd)/$(basename "$redflag")
venv=${REDFLAG_SPARK_VENV:-${TMPDIR:-/tmp}/redflag-spark-venv}
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import pyspark" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "pyspark==3.5.*"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PYSPARK_PYTHON="$venv/bin/python"
"$venv/bin/python" "$here/check.py" "$redflag" "$here/fixture.jsonl" "$work"
echo "spark integration test: ok"
