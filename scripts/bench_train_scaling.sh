#!/usr/bin/env bash
# Data-parallel scaling on this machine: the same training steps as 1 rank x T threads and as
# 2 ranks x T/2 threads (mpirun on one node), with each run's s/step and the gradient
# allreduce time per step. Real work: the config's model and data, STEPS steps, no evaluation.
#   scripts/bench_train_scaling.sh [CONFIG] [STEPS]   (default: the clothing recipe, 60 steps)
# Multi-node: mpirun -np 8 --hostfile hosts build/app/tailor train --config C
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${1:-configs/ssd_mobilenet_v1_clothing.yaml}
STEPS=${2:-60}
TAILOR=${TAILOR:-build/app/tailor}
CORES=$(nproc)
OUT=$(mktemp -d /tmp/tailor_scaling.XXXXXX)
run() {  # NAME RANKS THREADS
  local name=$1 ranks=$2 threads=$3 log=$OUT/$1.log
  if [ "$ranks" -eq 1 ]; then
    "$TAILOR" train --config "$CONFIG" --steps "$STEPS" --no-eval --threads "$threads" \
      --output-dir "$OUT/$name" >"$log" 2>&1
  else
    mpirun --oversubscribe --allow-run-as-root -np "$ranks" "$TAILOR" train --config "$CONFIG" \
      --steps "$STEPS" --no-eval --threads "$threads" --output-dir "$OUT/$name" >"$log" 2>&1
  fi
  local sps allreduce
  sps=$(grep -o '[0-9.]* s/step); checkpoint' "$log" | tail -1 | cut -d' ' -f1 || true)
  allreduce=$(grep -o 'gradient allreduce [0-9.]* ms/step' "$log" | tail -1 | cut -d' ' -f3 || true)
  printf '%-22s %8s s/step   allreduce %s ms/step\n' "$name" "${sps:-?}" "${allreduce:--}"
}
echo "config $CONFIG, $STEPS steps, $CORES cores (runs in $OUT)"
run "1rank_x${CORES}threads" 1 "$CORES"
run "2ranks_x$((CORES / 2 > 0 ? CORES / 2 : 1))threads" 2 "$((CORES / 2 > 0 ? CORES / 2 : 1))"
