#!/usr/bin/env bash
# End-to-end benchmark: `redflag score` and `redflag train` against scikit-learn
# (TfidfVectorizer + LogisticRegression) and fastText (supervised, word bigrams) on the same
# corpus, on this machine. See benches/README.md for what each peer does.
#
#   benches/compare.sh                 # 25 MB and >= 200 MB scoring inputs, training
#   benches/compare.sh --quick         # 25 MB scoring input only
#   benches/compare.sh --profile dist  # build redflag with another cargo profile (default release)
#   benches/compare.sh --runs 3        # scoring runs per configuration, fastest kept (default 2)
#
# Prints a Markdown table and writes it to target/bench-results.md. Work files (inputs, models,
# logs of every run) go to target/bench-work; the Python peers run in a throwaway venv,
# target/bench-venv, that this script makes. A peer whose install fails is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
profile=release
RUNS=2                        # each scoring run is done this many times; the fastest is kept
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --profile) profile=${2:?--profile needs a name}; shift ;;
    --profile=*) profile=${1#--profile=} ;;
    --runs) RUNS=${2:?--runs needs a number}; shift ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

BIG_MB=200                    # the large scoring input is the corpus repeated to at least this
DATA=target/bench-data
WORK=target/bench-work
LOGS=$WORK/logs
VENV=target/bench-venv
RESULTS=target/bench-results.md
TSV=$WORK/results.tsv
if [ "$profile" = release ]; then BIN=target/release/redflag; else BIN=target/$profile/redflag; fi

slug() { printf '%s' "$1" | tr -c 'A-Za-z0-9-' '_'; }
say() { printf '== %s\n' "$*" >&2; }
warn() { printf 'compare.sh: %s\n' "$*" >&2; }

command -v python3 > /dev/null || { warn "python3 is needed (peers and the table)"; exit 2; }
[ -x /usr/bin/time ] || { warn "/usr/bin/time (GNU time) is needed: apt-get install time"; exit 2; }

rm -rf "$WORK"
mkdir -p "$WORK/models" "$LOGS"
: > "$TSV"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- redflag and the corpus
say "building redflag ($profile profile)"
cargo build --profile "$profile" --quiet
say "building the corpus into $DATA"
"$BIN" data build --recipe datasets/recipe.toml --out "$DATA" > "$LOGS/data-build.log" 2>&1 || {
  cat "$LOGS/data-build.log" >&2; exit 1; }
TRAIN=$DATA/train.jsonl
VALID=$DATA/validation.jsonl

# Scoring inputs: all three splits concatenated, and that repeated to >= BIG_MB. Each is also
# cut into two halves at line boundaries (GNU split -n l/2, by bytes) for the Python peers'
# two-process runs; the cut is made here, before any timing.
base=$WORK/score-base.jsonl
cat "$DATA/train.jsonl" "$DATA/validation.jsonl" "$DATA/test.jsonl" > "$base"
python3 benches/peers.py stats "$base" "$TRAIN" > "$WORK/stats.jsonl"
field() { python3 -c 'import json,sys; print(json.loads(sys.stdin.readlines()[int(sys.argv[1])])[sys.argv[2]])' "$1" "$2" < "$WORK/stats.jsonl"; }
base_records=$(field 0 records); base_text=$(field 0 text_bytes); base_bytes=$(field 0 file_bytes)
train_records=$(field 1 records); train_text=$(field 1 text_bytes); train_bytes=$(field 1 file_bytes)

# inputs.tsv: key, path, copies, records, file bytes, text bytes
inputs=("base")
printf 'base\t%s\t1\t%s\t%s\t%s\n' "$base" "$base_records" "$base_bytes" "$base_text" > "$WORK/inputs.tsv"
if [ "$quick" = 0 ]; then
  copies=$(( (BIG_MB * 1000000 + base_bytes - 1) / base_bytes ))
  big=$WORK/score-big.jsonl
  : > "$big"
  for _ in $(seq "$copies"); do cat "$base" >> "$big"; done
  printf 'big\t%s\t%s\t%s\t%s\t%s\n' "$big" "$copies" $((base_records * copies)) \
    "$(stat -c %s "$big")" $((base_text * copies)) >> "$WORK/inputs.tsv"
  inputs+=("big")
fi
for key in "${inputs[@]}"; do
  f=$WORK/score-$key.jsonl
  split -n l/2 -d --additional-suffix=.jsonl "$f" "$WORK/score-$key.part"
done

# ---------------------------------------------------------------- Python peers
# The env note: on some processors OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are set for old
# OpenBLAS builds and slow a current numpy; they are unset for the peers' commands alone.
PYENV=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
ONE_THREAD=(OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1)
have_sklearn=0
have_fasttext=0
say "Python peers: venv in $VENV"
if [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV" > "$LOGS/venv.log" 2>&1; then
  PY=("${PYENV[@]}" "$VENV/bin/python")                     # training: default thread settings
  PY1=("${PYENV[@]}" "${ONE_THREAD[@]}" "$VENV/bin/python")  # scoring: one thread per process
  if "$VENV/bin/pip" install -q --disable-pip-version-check scikit-learn numpy > "$LOGS/pip-sklearn.log" 2>&1 \
     && "${PY[@]}" -c 'import sklearn, numpy' 2>> "$LOGS/pip-sklearn.log"; then
    have_sklearn=1
  else
    warn "scikit-learn did not install: skipping the scikit-learn peer (see $LOGS/pip-sklearn.log)"
  fi
  if "$VENV/bin/pip" install -q --disable-pip-version-check fasttext-wheel numpy > "$LOGS/pip-fasttext.log" 2>&1 \
     && "${PY[@]}" -c 'import fasttext' 2>> "$LOGS/pip-fasttext.log"; then
    have_fasttext=1
  else
    warn "fasttext-wheel did not install: skipping the fastText peer (see $LOGS/pip-fasttext.log)"
  fi
  "${PY[@]}" benches/peers.py versions > "$WORK/versions.json" 2> /dev/null || echo '{}' > "$WORK/versions.json"
else
  warn "could not create the venv $VENV: skipping both Python peers (see $LOGS/venv.log)"
  echo '{}' > "$WORK/versions.json"
fi
PEERS=(benches/peers.py)

# ---------------------------------------------------------------- measuring
# /usr/bin/time -v around each command: wall clock, user + system CPU, peak RSS.
wall_of() {  # "Elapsed (wall clock) time (h:mm:ss or m:ss): 1:02.03" -> seconds
  awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0;
    for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$1"; }
cpu_of() { awk -F': ' '/User time \(seconds\)|System time \(seconds\)/ { s += $2 } END { print s + 0 }' "$1"; }
rss_of() { awk -F': ' '/Maximum resident set size/ { print $2 }' "$1"; }
stages_of() { { grep -h '^peers-stages: ' "$@" 2> /dev/null || true; } | sed 's/^peers-stages: //' | tr '\n' ' '; }

# run_once LOG CMD...: one process. Sets W (wall s), C (CPU s), R (peak RSS KB); status 0/1.
run_once() {
  local log=$1; shift
  if /usr/bin/time -v -o "$log.time" "$@" > /dev/null 2> "$log.err"; then
    W=$(wall_of "$log.time"); C=$(cpu_of "$log.time"); R=$(rss_of "$log.time"); return 0
  fi
  warn "failed: $* (see $log.err)"; tail -n 5 "$log.err" >&2; return 1
}

# run_pair LOG FILE0 FILE1 CMD...: CMD FILE0 and CMD FILE1 as two background processes at once.
# W is the wall clock from starting the first to the end of the last; C and R are the sums of
# the two processes' CPU time and peak RSS (the memory the machine needs for the pair).
run_pair() {
  local log=$1 f0=$2 f1=$3; shift 3
  local t0 t1 p0 p1 ok=0
  t0=$EPOCHREALTIME
  /usr/bin/time -v -o "$log.0.time" "$@" "$f0" > /dev/null 2> "$log.0.err" & p0=$!
  /usr/bin/time -v -o "$log.1.time" "$@" "$f1" > /dev/null 2> "$log.1.err" & p1=$!
  wait "$p0" || ok=1
  wait "$p1" || ok=1
  t1=$EPOCHREALTIME
  if [ "$ok" != 0 ]; then
    warn "failed: $* (see $log.[01].err)"; tail -n 5 "$log.0.err" "$log.1.err" >&2; return 1
  fi
  W=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  C=$(awk -v a="$(cpu_of "$log.0.time")" -v b="$(cpu_of "$log.1.time")" 'BEGIN { print a + b }')
  R=$(( $(rss_of "$log.0.time") + $(rss_of "$log.1.time") ))
}

# record KIND INPUT TOOL THREADS STATUS MODEL_BYTES STAGES
record() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "${W:-}" "${C:-}" "${R:-}" \
    "$5" "$6" "$7" >> "$TSV"
}

# Scoring configurations, run round-robin: every configuration once, then every one again, ...
# (RUNS rounds), the fastest run of each kept, so that a burst of other load on the machine
# does not fall on all runs of one configuration.
NCFG=0
CFG_INPUT=() CFG_TOOL=() CFG_THREADS=() CFG_MODE=()
# add_cfg INPUT TOOL THREADS MODE CMD...: MODE one (CMD FILE) or pair (CMD HALF0 & CMD HALF1).
add_cfg() {
  CFG_INPUT[NCFG]=$1 CFG_TOOL[NCFG]=$2 CFG_THREADS[NCFG]=$3 CFG_MODE[NCFG]=$4
  shift 4
  eval "CFG_CMD_$NCFG=(\"\$@\")"
  NCFG=$((NCFG + 1))
}
run_configs() {
  local round i log input
  local -a bw=() bc=() br=() bs=() failed=() cmd=()
  for round in $(seq "$RUNS"); do
    say "scoring, round $round of $RUNS"
    for ((i = 0; i < NCFG; i++)); do
      [ -z "${failed[i]:-}" ] || continue
      eval "cmd=(\"\${CFG_CMD_$i[@]}\")"
      input=${CFG_INPUT[i]}
      log=$LOGS/score-$input-$(slug "${CFG_TOOL[i]}")-${CFG_THREADS[i]}-$round
      if [ "${CFG_MODE[i]}" = pair ]; then
        run_pair "$log" "$WORK/score-$input.part00.jsonl" "$WORK/score-$input.part01.jsonl" "${cmd[@]}" \
          || { failed[i]=1; continue; }
      else
        run_once "$log" "${cmd[@]}" "$WORK/score-$input.jsonl" || { failed[i]=1; continue; }
      fi
      printf '   %-6s %-38s %-3s %8.2f s\n' "$input" "${CFG_TOOL[i]}" "${CFG_THREADS[i]}" "$W" >&2
      if [ -z "${bw[i]:-}" ] || awk -v a="$W" -v b="${bw[i]}" 'BEGIN { exit !(a < b) }'; then
        bw[i]=$W bc[i]=$C br[i]=$R bs[i]=$(stages_of "$log".err "$log".0.err)
      fi
    done
  done
  for ((i = 0; i < NCFG; i++)); do
    if [ -n "${failed[i]:-}" ]; then
      W="" C="" R=""; record score "${CFG_INPUT[i]}" "${CFG_TOOL[i]}" "${CFG_THREADS[i]}" failed "" ""
    else
      W=${bw[i]} C=${bc[i]} R=${br[i]}
      record score "${CFG_INPUT[i]}" "${CFG_TOOL[i]}" "${CFG_THREADS[i]}" ok "" "${bs[i]}"
    fi
  done
}

# ---------------------------------------------------------------- other load
# The machine may be shared: from /proc/stat's busy CPU time over the measurements, less the CPU
# time of this script's own children (bash's `times`), how many cores other processes used.
cpu_busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }  # user nice system irq softirq
own_cpu() {  # CPU seconds of this shell's finished children; `times` must run in this shell
  times > "$WORK/times.txt"
  awk 'NR == 2 { n = split($0, f, " "); s = 0
    for (i = 1; i <= n; i++) { split(f[i], p, "m"); s += p[1] * 60 + p[2] } print s }' "$WORK/times.txt"
}
HZ=$(getconf CLK_TCK)
own_cpu > "$WORK/own0.txt"
m_busy0=$(cpu_busy) m_own0=$(cat "$WORK/own0.txt") m_t0=$EPOCHREALTIME

# ---------------------------------------------------------------- training
M=$WORK/models
say "training on $TRAIN ($train_records records)"
train_row() {  # TOOL THREADS MODEL CMD...
  local tool=$1 threads=$2 model=$3 log; shift 3
  log=$LOGS/train-$(slug "$tool")-$threads
  if run_once "$log" "$@"; then
    printf '   %-38s %-3s %8.2f s  %8.1f MB\n' "$tool" "$threads" "$W" "$(awk -v r="$R" 'BEGIN { print r / 1000 }')" >&2
    local st
    st=$(stages_of "$log.err")
    if [ -z "$st" ]; then  # redflag: keep its solver line for the notes
      st=$(grep -o 'converged after [0-9]* iterations\|[0-9]* features' "$log.err" | tr '\n' ';' || true)
    fi
    record train train "$tool" "$threads" ok "$(stat -c %s "$model")" "$st"
  else
    W="" C="" R=""; record train train "$tool" "$threads" failed "" ""
  fi
}
# redflag twice: as the default model is trained (datasets/default.toml), and with the peers'
# feature set and regularisation (word 1-2-grams only, alpha = 1/C = 1: the default model's
# configuration before it was tuned), so that one pair of rows compares like with like.
MATCHED=$WORK/peers-features.toml
cat > "$MATCHED" << 'EOF'
description = "compare.sh: the peers' feature set (word 1-2-grams, min_df 2, max_df 0.5, alpha = 1/C = 1)"
[analyzer]
word_ngrams = { min = 1, max = 2 }
[features]
min_df = 2
max_df = 0.5
sublinear_tf = true
[logistic]
alpha = 1.0
class_weight = "balanced"
max_iterations = 200
[review]
classes = ["appeal", "propaganda"]
EOF
RF_MATCHED="redflag (peers' features)"
for t in 2 1; do
  train_row redflag "$t" "$M/redflag-$t.rfm" "$BIN" train --threads "$t" --data "$TRAIN" \
    --validation "$VALID" --config datasets/default.toml --out "$M/redflag-$t.rfm"
done
for t in 2 1; do
  train_row "$RF_MATCHED" "$t" "$M/redflag-matched-$t.rfm" "$BIN" train --threads "$t" --data "$TRAIN" \
    --validation "$VALID" --config "$MATCHED" --out "$M/redflag-matched-$t.rfm"
done
if [ "$have_sklearn" = 1 ]; then
  train_row scikit-learn 1 "$M/sklearn.pkl" "${PY[@]}" "${PEERS[@]}" sklearn-train --data "$TRAIN" --out "$M/sklearn.pkl"
  [ -s "$M/sklearn.pkl" ] || { warn "no scikit-learn model: skipping its scoring"; have_sklearn=0; }
fi
if [ "$have_fasttext" = 1 ]; then
  for t in 2 1; do
    train_row fastText "$t" "$M/fasttext-$t.bin" "${PY[@]}" "${PEERS[@]}" fasttext-train --threads "$t" \
      --data "$TRAIN" --out "$M/fasttext-$t.bin"
  done
  [ -s "$M/fasttext-2.bin" ] || { warn "no fastText model: skipping its scoring"; have_fasttext=0; }
  rm -f "$M/fasttext-1.bin"  # 0.87 GB each; the thread=2 model is the one scored
fi

# ---------------------------------------------------------------- scoring
# redflag scores with its embedded default model (trained as the first `redflag train` above
# is), and with the peers'-features model trained above.
for key in "${inputs[@]}"; do
  for t in 1 2; do
    add_cfg "$key" redflag "$t" one "$BIN" score --quiet --threads "$t"
    add_cfg "$key" "redflag --no-reasons" "$t" one "$BIN" score --quiet --no-reasons --threads "$t"
  done
  if [ -s "$M/redflag-matched-2.rfm" ]; then
    for t in 1 2; do
      add_cfg "$key" "$RF_MATCHED" "$t" one "$BIN" score --quiet --model "$M/redflag-matched-2.rfm" --threads "$t"
      add_cfg "$key" "$RF_MATCHED --no-reasons" "$t" one "$BIN" score --quiet --no-reasons \
        --model "$M/redflag-matched-2.rfm" --threads "$t"
    done
  fi
  if [ "$have_sklearn" = 1 ]; then
    add_cfg "$key" scikit-learn 1 one "${PY1[@]}" "${PEERS[@]}" sklearn-score --model "$M/sklearn.pkl"
    add_cfg "$key" scikit-learn 2 pair "${PY1[@]}" "${PEERS[@]}" sklearn-score --model "$M/sklearn.pkl"
  fi
  if [ "$have_fasttext" = 1 ]; then
    add_cfg "$key" fastText 1 one "${PY1[@]}" "${PEERS[@]}" fasttext-score --model "$M/fasttext-2.bin"
    add_cfg "$key" fastText 2 pair "${PY1[@]}" "${PEERS[@]}" fasttext-score --model "$M/fasttext-2.bin"
  fi
done
run_configs

# ---------------------------------------------------------------- the table
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
own_cpu > "$WORK/own1.txt"
others=$(awk -v b0="$m_busy0" -v b1="$(cpu_busy)" -v o0="$m_own0" -v o1="$(cat "$WORK/own1.txt")" \
  -v t0="$m_t0" -v t1="$EPOCHREALTIME" -v hz="$HZ" \
  'BEGIN { x = ((b1 - b0) / hz - (o1 - o0)) / (t1 - t0); if (x < 0) x = 0; printf "%.2f", x }')
rev=$(git rev-parse --short HEAD 2> /dev/null || echo unknown)
if [ -n "$(git status --porcelain --untracked-files=no 2> /dev/null)" ]; then rev="$rev (with uncommitted changes)"; fi
cpu=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)
python3 benches/peers.py render --results "$TSV" --inputs "$WORK/inputs.tsv" \
  --versions "$WORK/versions.json" --date "$(date -u '+%Y-%m-%d %H:%M UTC')" \
  --machine "$cpu, $(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 }') GiB" \
  --load "$load_before / $load_after" --others "$others" --revision "$rev" --profile "$profile" \
  --train "$train_records,$train_bytes,$train_text" --runs "$RUNS" > "$RESULTS"
cat "$RESULTS"
say "written to $RESULTS (logs of every run in $LOGS)"
