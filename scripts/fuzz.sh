#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) in build-fuzz/, seeds their corpora from
# the real files in ../shared, runs each target for SECONDS (default 60) and prints a summary.
# Exits nonzero on any finding: a crash, sanitizer report, leak, timeout (> 10 s per input) or
# OOM (> 2 GB); a slow unit counts only if it is slow again when replayed alone. Reproducers land in build-fuzz/artifacts/<target>/.
#   scripts/fuzz.sh [SECONDS] [TARGET...]     e.g. scripts/fuzz.sh 20 csv voc
# FUZZ_SEED=N makes a run repeatable (CI uses 1); unset, every run explores new mutations.
set -euo pipefail
cd "$(dirname "$0")/.."

SECS=${1:-60}
shift || true
BUILD_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
SHARED_DIR=${TAILOR_SHARED_DIR:-../shared}
ALL=(tfrecord tf_example voc csv dataturks coco label_map pipeline_config
     tf_checkpoint_index tflite safetensors jpeg png)
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL[@]}")

CC=${CC:-clang} CXX=${CXX:-clang++} cmake -S . -B "$BUILD_DIR" -G Ninja \
  -DCMAKE_BUILD_TYPE=Release -DTAILOR_CUDA=OFF -DTAILOR_TESTS=OFF -DTAILOR_FUZZ=ON >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)" --target "${TARGETS[@]/%/_fuzz}"
python3 fuzz/make_seeds.py "$SHARED_DIR" . "$BUILD_DIR/corpus"

status=0
rows=()
for t in "${TARGETS[@]}"; do
  corpus="$BUILD_DIR/corpus/$t" artifacts="$BUILD_DIR/artifacts/$t/" log="$BUILD_DIR/logs/$t.log"
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  rm -f "$artifacts"/*
  echo "fuzz: $t for ${SECS}s"
  rc=0
  "$BUILD_DIR/fuzz/${t}_fuzz" "$corpus" -max_total_time="$SECS" -rss_limit_mb=2048 -timeout=10 \
    -malloc_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts" \
    -seed="${FUZZ_SEED:-0}" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  # A slow unit is a finding only if it is slow again: replayed alone, an input that ran for
  # over 10 s inside the run but finishes in under 1 s was a stalled machine (a CI runner once
  # lost 18 of voc's 20 s to one such unit, which replays in milliseconds here).
  for slow in "$artifacts"slow-unit-*; do
    [ -e "$slow" ] || continue
    t0=$(date +%s.%N)
    timeout 60 "$BUILD_DIR/fuzz/${t}_fuzz" -runs=1 "$slow" >>"$log" 2>&1 || true
    took=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
    if awk -v s="$took" 'BEGIN { exit !(s < 1) }'; then
      echo "fuzz: $t $(basename "$slow") replays in ${took}s: a machine stall, not a finding"
      rm -f "$slow"
    fi
  done
  findings=$(find "$artifacts" -type f | wc -l)
  if [ "$rc" -ne 0 ] || [ "$findings" -ne 0 ]; then
    status=1
    [ "$findings" -ne 0 ] || findings="rc=$rc"
    echo "fuzz: $t FAILED; see $log"
    grep -m3 -E "ERROR|runtime error|terminate|Assertion" "$log" || true
    ls "$artifacts"
  fi
  rows+=("$(printf '%-22s %14s %10s' "$t" "${execs:-?}" "$findings")")
done

printf '\n%-22s %14s %10s\n' target executions crashes
printf '%s\n' "${rows[@]}"
exit $status
