#!/usr/bin/env bash
# Runs one fuzz target for a while with the limits used for the figures in fuzz/README.md.
#
#   fuzz/run.sh TARGET [SECONDS] [WORK_DIR]
#
# TARGET is readers, analyzer, score or model. The committed seeds in fuzz/corpus/TARGET
# are read but not written: the growing corpus goes to WORK_DIR/TARGET (default
# /tmp/redflag-fuzz), and findings to fuzz/artifacts/TARGET. cargo-fuzz needs nightly
# compiler flags; on a stable toolchain RUSTC_BOOTSTRAP=1 enables them.
set -euo pipefail
target=${1:?usage: fuzz/run.sh TARGET [SECONDS] [WORK_DIR]}
seconds=${2:-1800}
work=${3:-/tmp/redflag-fuzz}
cd "$(dirname "$0")"
mkdir -p "$work/$target"
export RUSTC_BOOTSTRAP=1
exec cargo fuzz run -O "$target" "$work/$target" "corpus/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10 -max_len=65536 \
    -print_final_stats=1
