#!/usr/bin/env bash
# One pass over Tailor's CUDA backend on a GPU machine (an H200 lent for ~15 minutes in all):
#   1. configure + build only what the checks need (cmake/ninja, -j16);
#   2. the CUDA test suites through ctest;
#   3. the same suites under `compute-sanitizer --tool memcheck`;
#   4. `tailor bench kernels|model --device cuda --peer pytorch`, each only if that command exists;
#   5. a 200-step `tailor train --device cuda` on a tiny data subset (TRAIN_DATA, default the
#      100 Myntra images of --fetch-train-data), timed, then the same steps on the CPU and their losses side
#      by side; without a GPU it checks instead that `--device cuda` fails with exit 1 and
#      "no CUDA device: <reason>";
#   6. 20 steps of the same under `mpirun -np 1`: the NCCL gradient exchange on one GPU.
# Every step has its own timeout and the whole run a budget (default 540 s), so it ends well
# inside a 10-minute call. Everything lands in $OUT (default ./gpu_out) as 8 files at most (what
# the device tool brings back):
#   summary.txt build.log tests.log memcheck.log bench.log bench_kernels.json bench_model.json
#   train.log
# The script never stops at a failed step; summary.txt lists each step's status and exit code,
# and the script exits non-zero if any step failed (a skipped step is not a failure).
#
# Dry run without a GPU: it builds, the tests report "no CUDA device: <reason>" skips, memcheck
# and the benches are skipped with the reason.
#
# Dependencies. The GPU image has nvcc, cmake and ninja; cuDNN may come only as the Python wheel
# nvidia-cudnn-cu13, which is found automatically. Debian packages the build needs (yaml-cpp,
# pugixml, CLI11, GoogleTest, libjpeg, libpng) can be carried as .debs: on a machine with apt,
#   bench/gpu_check.sh --fetch-debs      # apt-get download into .gpu_debs/ (git-ignored)
# and name .gpu_debs in the device run's `carry`; they are unpacked into the build folder only.
# The shared data beside the checkout does not travel with the device tool, so the training
# step needs a subset inside the tree:
#   bench/gpu_check.sh --fetch-train-data [N]   # N (100) Myntra train images into .gpu_data/
# and name .gpu_data in `carry` too. The H200 runs of 2026-12-04 were
#   device run: command "bash bench/gpu_check.sh", carry [".gpu_debs", ".gpu_data"]
#
# Environment: OUT, BUILD_DIR (default build-gpu), JOBS (16), BUDGET_S (540), DEB_DIR (.gpu_debs),
# CMAKE_ARGS (extra configure flags), TRAIN_DATA (a VOC folder with a split, "DIR:SPLIT";
# default .gpu_data/myntra:train),
# TRAIN_STEPS (200), CONV_IMPL (a --conv-impl value for the train run, default from the config),
# SKIP (step names to leave out on a rerun, e.g. "bench_kernels memcheck": tests memcheck
# bench_kernels bench_model train nccl).
set -u -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEB_DIR=${DEB_DIR:-$ROOT/.gpu_debs}
DEB_PACKAGES=(libyaml-cpp-dev libyaml-cpp0.7 libjpeg62-turbo-dev libjpeg62-turbo libpng-dev libpng16-16
  zlib1g-dev nlohmann-json3-dev libpugixml-dev libpugixml1v5 libcli11-dev libgtest-dev libgmock-dev)

if [ "${1:-}" = "--fetch-debs" ]; then
  mkdir -p "$DEB_DIR" && cd "$DEB_DIR" && apt-get download "${DEB_PACKAGES[@]}"
  exit $?
fi
if [ "${1:-}" = "--fetch-train-data" ]; then
  # The first N images of Myntra's train split (never dataturks_val: it is validation only),
  # their VOC annotations, the split file and the label map, about 13 KB an image.
  SRC=$ROOT/../shared/data
  DST=$ROOT/.gpu_data
  N=${2:-100}
  [ -f "$SRC/myntra/train.txt" ] || { echo "gpu_check: no $SRC/myntra/train.txt" >&2; exit 1; }
  rm -rf "$DST" && mkdir -p "$DST/myntra/annotations" "$DST/myntra/images" || exit 1
  head -n "$N" "$SRC/myntra/train.txt" >"$DST/myntra/train.txt"
  while read -r id; do
    cp "$SRC/myntra/annotations/$id.xml" "$DST/myntra/annotations/" &&
      cp "$SRC/myntra/images/$id.jpg" "$DST/myntra/images/" || exit 1
  done <"$DST/myntra/train.txt"
  cp "$SRC/label_map.pbtxt" "$DST/" || exit 1
  echo "gpu_check: $(wc -l <"$DST/myntra/train.txt") images in $DST/myntra (split train)"
  exit 0
fi

OUT=${OUT:-./gpu_out}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
BUILD=${BUILD_DIR:-$ROOT/build-gpu}
JOBS=${JOBS:-16}
BUDGET_S=${BUDGET_S:-540}
START=$(date +%s)
SUMMARY=$OUT/summary.txt
FAILED=0
SKIP=${SKIP:-}
skipped() { [[ " $SKIP " == *" $1 "* ]]; }
: >"$SUMMARY"

note() { echo "$*" | tee -a "$SUMMARY"; }
remaining() { echo $((BUDGET_S - ($(date +%s) - START))); }

# run_step NAME LOG LIMIT_S CMD...: runs CMD with min(LIMIT_S, budget left) and appends to LOG.
run_step() {
  local name=$1 log=$2 limit=$3
  shift 3
  local left
  left=$(remaining)
  if [ "$left" -lt 20 ]; then
    note "SKIP  $name: time budget spent (${BUDGET_S}s)"
    return 0
  fi
  [ "$limit" -gt "$left" ] && limit=$left
  echo "== $name (limit ${limit}s): $*" >>"$log"
  local t0 rc
  t0=$(date +%s)
  timeout --kill-after=10 "$limit" "$@" >>"$log" 2>&1
  rc=$?
  local dt=$(($(date +%s) - t0))
  if [ $rc -eq 0 ]; then
    note "OK    $name (${dt}s)"
  elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    note "FAIL  $name: timed out after ${limit}s (see $(basename "$log"))"
    FAILED=1
  else
    note "FAIL  $name: exit $rc after ${dt}s (see $(basename "$log"))"
    FAILED=1
  fi
  return $rc
}

# ---- environment -------------------------------------------------------------------------
{
  echo "gpu_check $(date -u +%FT%TZ) on $(hostname)"
  echo "tree: $ROOT ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo no-git))"
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm \
    --format=csv,noheader 2>&1 | sed 's/^/gpu: /' || echo "gpu: nvidia-smi not found"
  command -v nvcc >/dev/null || export PATH=/usr/local/cuda/bin:$PATH
  echo "nvcc: $(nvcc --version 2>/dev/null | tail -1)"
  echo "compute-sanitizer: $(command -v compute-sanitizer || echo not found)"
} >>"$SUMMARY" 2>&1

# ---- dependencies: carried .debs and cuDNN from the Python wheel ---------------------------
CMAKE_EXTRA=()
if ls "$DEB_DIR"/*.deb >/dev/null 2>&1; then
  DEPS_ROOT=$BUILD/deps-root
  mkdir -p "$DEPS_ROOT"
  for d in "$DEB_DIR"/*.deb; do dpkg -x "$d" "$DEPS_ROOT"; done
  export CMAKE_PREFIX_PATH="$DEPS_ROOT/usr${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}"
  # The multiarch folder too: jpeglib.h includes jconfig.h from there, and the image's own
  # /usr/include/x86_64-linux-gnu/jconfig.h (libjpeg-turbo8, JPEG_LIB_VERSION 80) would
  # otherwise pair with the carried libjpeg62: "Wrong JPEG library version" on the first image.
  export CPATH="$DEPS_ROOT/usr/include/x86_64-linux-gnu:$DEPS_ROOT/usr/include${CPATH:+:$CPATH}"
  export LD_LIBRARY_PATH="$DEPS_ROOT/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export LIBRARY_PATH="$DEPS_ROOT/usr/lib/x86_64-linux-gnu${LIBRARY_PATH:+:$LIBRARY_PATH}"
  note "deps: unpacked $(ls "$DEB_DIR"/*.deb | wc -l) .debs from $DEB_DIR"
fi
if [ ! -e /usr/include/cudnn.h ] && [ ! -e /usr/local/include/cudnn.h ] && [ ! -e /usr/local/cuda/include/cudnn.h ]; then
  CUDNN_DIR=$(python3 -c 'import nvidia.cudnn, os; print(list(nvidia.cudnn.__path__)[0])' 2>/dev/null || true)
  if [ -n "$CUDNN_DIR" ] && [ -e "$CUDNN_DIR/include/cudnn.h" ]; then
    CUDNN_LIB=$(ls "$CUDNN_DIR"/lib/libcudnn.so* 2>/dev/null | head -1)
    CMAKE_EXTRA+=("-DCUDNN_INCLUDE_DIR=$CUDNN_DIR/include" "-DCUDNN_LIBRARY=$CUDNN_LIB")
    export LD_LIBRARY_PATH="$CUDNN_DIR/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    note "cudnn: from the Python wheel at $CUDNN_DIR ($CUDNN_LIB)"
  fi
fi

# ---- 1. build ------------------------------------------------------------------------------
BUILD_LOG=$OUT/build.log
: >"$BUILD_LOG"
# shellcheck disable=SC2086
run_step configure "$BUILD_LOG" 120 cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  "${CMAKE_EXTRA[@]}" ${CMAKE_ARGS:-}
# Two targets, two steps: a broken test build must not hide the benches, nor the reverse.
BUILT=0
TAILOR_BUILT=0
if run_step "build test_cuda" "$BUILD_LOG" 360 ninja -C "$BUILD" -j "$JOBS" -k 0 test_cuda; then BUILT=1; fi
if run_step "build tailor" "$BUILD_LOG" 240 ninja -C "$BUILD" -j "$JOBS" -k 0 tailor; then TAILOR_BUILT=1; fi
grep -q "TAILOR_HAS_CUDA:INTERNAL=ON\|TAILOR_WITH_CUDA" "$BUILD/CMakeCache.txt" 2>/dev/null ||
  grep -q "Tailor: CUDA" "$BUILD_LOG" || note "WARN  configure did not enable CUDA (see build.log)"

TEST_BIN=$BUILD/tests/test_cuda
TAILOR=$BUILD/app/tailor
HAVE_GPU=0
if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then HAVE_GPU=1; fi

# ---- 2. CUDA tests -------------------------------------------------------------------------
TEST_LOG=$OUT/tests.log
: >"$TEST_LOG"
CUDA_TESTS='^(Impl/|Cuda|ConvImplNames)'
if skipped tests; then
  note "SKIP  ctest: in SKIP"
elif [ $BUILT -eq 1 ]; then
  run_step ctest "$TEST_LOG" 150 ctest --test-dir "$BUILD" -R "$CUDA_TESTS" --output-on-failure -j 4
  # The skip reasons ctest hides: one line per skipped test with its message.
  timeout 60 "$TEST_BIN" 2>&1 | grep -E "SKIPPED|no CUDA device" | sort | uniq -c | head -20 >>"$TEST_LOG"
  grep -E "tests passed|Skipped|Failed" "$TEST_LOG" | tail -3 | sed 's/^/      /' | tee -a "$SUMMARY"
else
  note "SKIP  ctest: test_cuda did not build"
fi

# ---- 3. memcheck ---------------------------------------------------------------------------
MEM_LOG=$OUT/memcheck.log
: >"$MEM_LOG"
if skipped memcheck; then
  note "SKIP  memcheck: in SKIP"
elif [ $BUILT -ne 1 ]; then
  note "SKIP  memcheck: test_cuda did not build"
elif [ $HAVE_GPU -ne 1 ]; then
  note "SKIP  memcheck: no GPU on this machine (nvidia-smi -L failed)"
elif ! command -v compute-sanitizer >/dev/null; then
  note "SKIP  memcheck: compute-sanitizer not found"
else
  # CudaErrors.* provokes failing API calls on purpose (a bad device ordinal, a bad GEMM leading
  # dimension) to check the messages; memcheck reports those as errors, so it is left out here.
  run_step memcheck "$MEM_LOG" 180 compute-sanitizer --tool memcheck --error-exitcode 1 --leak-check no \
    "$TEST_BIN" --gtest_brief=1 --gtest_filter=-CudaErrors.*
  grep -E "ERROR SUMMARY" "$MEM_LOG" | tail -1 | sed 's/^/      /' | tee -a "$SUMMARY"
fi

# ---- 4. benches ----------------------------------------------------------------------------
# bench_cmd NAME: runs `tailor bench NAME --device cuda --peer pytorch` when the command exists,
# writing JSON where the command takes --json or --out.
BENCH_LOG=$OUT/bench.log
: >"$BENCH_LOG"
bench_cmd() {
  local name=$1 log=$BENCH_LOG json=$OUT/bench_$1.json
  if skipped "bench_$name"; then
    note "SKIP  bench $name: in SKIP"
    return
  fi
  if [ $TAILOR_BUILT -ne 1 ] || [ ! -x "$TAILOR" ]; then
    note "SKIP  bench $name: tailor was not built"
    return
  fi
  # `--help` on an unknown subcommand prints the parent's help with exit 0, so look for the
  # name in the parent's subcommand list instead.
  if ! "$TAILOR" --help 2>&1 | grep -qE '^ +bench( |$)'; then
    note "SKIP  bench $name: \`tailor bench\` does not exist in this build"
    return
  fi
  if ! "$TAILOR" bench --help 2>&1 | grep -qE "^ +$name( |\$)"; then
    note "SKIP  bench $name: \`tailor bench $name\` does not exist in this build"
    return
  fi
  local help
  help=$("$TAILOR" bench "$name" --help 2>&1)
  if [ $HAVE_GPU -ne 1 ]; then
    note "SKIP  bench $name: no GPU on this machine"
    return
  fi
  local args=(bench "$name" --device cuda)
  echo "$help" | grep -q -- "--peer" && args+=(--peer pytorch)
  if echo "$help" | grep -q -- "--json"; then args+=(--json "$json")
  elif echo "$help" | grep -q -- "--out"; then args+=(--out "$json"); fi
  run_step "bench $name" "$log" 150 "$TAILOR" "${args[@]}"
}
bench_cmd kernels
bench_cmd model

# ---- 5. a short CUDA training run -----------------------------------------------------------
TRAIN_LOG=$OUT/train.log
: >"$TRAIN_LOG"
TRAIN_STEPS=${TRAIN_STEPS:-200}
train_data_default() {
  [ -f "$ROOT/.gpu_data/myntra/train.txt" ] && echo "$ROOT/.gpu_data/myntra:train"
}
TRAIN_DATA=${TRAIN_DATA:-$(train_data_default)}
if skipped train; then
  note "SKIP  train: in SKIP"
elif [ $TAILOR_BUILT -ne 1 ] || [ ! -x "$TAILOR" ]; then
  note "SKIP  train: tailor was not built"
elif [ $HAVE_GPU -ne 1 ]; then
  # No GPU: the CUDA request must fail cleanly (exit 1, "no CUDA device: <reason>").
  "$TAILOR" train --config "$ROOT/configs/ssd_mobilenet_v1_clothing.yaml" --device cuda \
    --steps 1 --output-dir "$BUILD/gpu_train_nogpu" >>"$TRAIN_LOG" 2>&1
  rc=$?
  if [ $rc -eq 1 ] && grep -q "no CUDA device: " "$TRAIN_LOG"; then
    note "OK    train --device cuda without a GPU: exit 1, $(grep -o 'no CUDA device: .*' "$TRAIN_LOG" | head -1)"
  else
    note "FAIL  train --device cuda without a GPU: exit $rc (expected 1 and 'no CUDA device:')"
    FAILED=1
  fi
  note "SKIP  train timing: no GPU on this machine"
elif [ -z "$TRAIN_DATA" ]; then
  note "SKIP  train: no TRAIN_DATA and no .gpu_data (bench/gpu_check.sh --fetch-train-data makes it)"
else
  # The clothing config with the train input swapped for the tiny subset, no eval input and no
  # fine-tune checkpoint (initializers), written next to the build.
  TRAIN_CFG=$BUILD/gpu_train.yaml
  LABELS=$(dirname "${TRAIN_DATA%%:*}")/label_map.pbtxt
  awk -v data="$TRAIN_DATA" -v labels="$LABELS" '
    /^train_input:/ { print; print "  format: voc"; print "  paths:"; print "    - " data;
                      print "  label_map: " labels; skip = 1; next }
    /^eval_input:/ || /^eval:/ { skip = 1; next }
    /^[a-z_]+:/ { skip = 0 }
    skip { next }
    /fine_tune_checkpoint/ { next }
    { print }' "$ROOT/configs/ssd_mobilenet_v1_clothing.yaml" >"$TRAIN_CFG"
  rm -rf "$BUILD/gpu_train"
  TRAIN_ARGS=(train --config "$TRAIN_CFG" --device cuda --steps "$TRAIN_STEPS" --output-dir "$BUILD/gpu_train")
  [ -n "${CONV_IMPL:-}" ] && TRAIN_ARGS+=(--conv-impl "$CONV_IMPL")
  if ! run_step "train ${TRAIN_STEPS} steps" "$TRAIN_LOG" 180 "$TAILOR" "${TRAIN_ARGS[@]}"; then
    tail -5 "$TRAIN_LOG" | sed 's/^/      /' | tee -a "$SUMMARY"
  fi
  grep -E "train: done" "$TRAIN_LOG" | tail -1 | sed 's/^/      /' | tee -a "$SUMMARY"
  # The same steps on the CPU (same seed, so the same batches and augmentations): the logged
  # losses side by side. They drift apart slowly (float32 sums in other orders), never jump.
  if [ -s "$BUILD/gpu_train/metrics.csv" ]; then
    rm -rf "$BUILD/gpu_train_cpu"
    CPU_ARGS=(train --config "$TRAIN_CFG" --device cpu --steps "$TRAIN_STEPS" --output-dir "$BUILD/gpu_train_cpu")
    run_step "train ${TRAIN_STEPS} steps on the CPU" "$TRAIN_LOG" 150 "$TAILOR" "${CPU_ARGS[@]}"
    if [ -s "$BUILD/gpu_train_cpu/metrics.csv" ]; then
      echo "== losses, cuda against cpu (metrics.csv loss/total)" >>"$TRAIN_LOG"
      join -t, <(cut -d, -f1,3 "$BUILD/gpu_train/metrics.csv" | tail -n +2 | sort -t, -k1,1) \
        <(cut -d, -f1,3 "$BUILD/gpu_train_cpu/metrics.csv" | tail -n +2 | sort -t, -k1,1) |
        sort -t, -k1,1n | awk -F, '{ d = $2 - $3; if (d < 0) d = -d; r = d / ($3 < 0 ? -$3 : $3);
          if (r > worst) worst = r; printf "step %5d  cuda %10.5f  cpu %10.5f  rel %.2e\n", $1, $2, $3, r }
          END { printf "worst relative difference %.2e over %d logged steps\n", worst, NR }' >>"$TRAIN_LOG"
      grep "worst relative difference" "$TRAIN_LOG" | tail -1 | sed 's/^/      /' | tee -a "$SUMMARY"
    fi
  fi
  # ---- 6. the NCCL gradient exchange: a 1-rank mpirun (needs MPI in the build and mpirun) ----
  if skipped nccl; then
    note "SKIP  1-rank NCCL run: in SKIP"
  elif command -v mpirun >/dev/null && grep -q "TAILOR_WITH_MPI\|multi-process training is on" "$BUILD_LOG"; then
    rm -rf "$BUILD/gpu_train_nccl"
    run_step "train 20 steps, 1-rank NCCL" "$TRAIN_LOG" 120 mpirun --allow-run-as-root -np 1 \
      "$TAILOR" train --config "$TRAIN_CFG" --device cuda --steps 20 --output-dir "$BUILD/gpu_train_nccl" ||
      tail -5 "$TRAIN_LOG" | sed 's/^/      /' | tee -a "$SUMMARY"
    grep -E "gradient allreduce" "$TRAIN_LOG" | tail -1 | sed 's/^/      /' | tee -a "$SUMMARY"
  else
    note "SKIP  1-rank NCCL run: no mpirun, or the build has no MPI"
  fi
fi

note "done in $(($(date +%s) - START))s; results in $OUT"
exit $FAILED
