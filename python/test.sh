#!/usr/bin/env bash
# Builds the Python wheel from this checkout into a throwaway virtual environment and runs
# its tests (python/tests) against the CLI at $1 (default target/release/redflag).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-target/release/redflag}")
python=${PYTHON:-python3}
if ! command -v "$python" >/dev/null 2>&1; then
    echo "python/test.sh: no $python; the Python package is not tested" >&2
    exit 1
fi
venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
"$python" -m venv "$venv"
started=$(date +%s)
# pip builds the wheel with maturin (PEP 517) in this workspace's target directory, so the
# redflag library built by `cargo build --release` is reused.
"$venv/bin/pip" install --quiet --disable-pip-version-check "./python[test]"
echo "python/test.sh: wheel built and installed in $(( $(date +%s) - started )) s" >&2
REDFLAG_BIN="$bin" "$venv/bin/python" -m pytest -q -rs python/tests
