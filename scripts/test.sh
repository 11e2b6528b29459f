#!/usr/bin/env bash
# Runs the whole test suite through ctest (ends with ctest's summary).
#   scripts/test.sh             # the Release build from scripts/setup.sh
#   scripts/test.sh --sanitize  # ASan + UBSan build of the CPU code in build-sanitize/
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${BUILD_DIR:-build}
if [ "${1:-}" = "--sanitize" ]; then
  BUILD_DIR=build-sanitize
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTAILOR_CUDA=OFF -DTAILOR_SANITIZE=ON
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$BUILD_DIR" -j "$(nproc)"
cd "$BUILD_DIR"
ctest --output-on-failure -j "$(nproc)" --timeout 900
