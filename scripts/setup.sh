#!/usr/bin/env bash
# Installs every Debian package Tailor's build, tests and benches need, then configures and
# builds Release with Ninja into build/. Run as root on Debian 12. Safe to re-run.
#   scripts/setup.sh            # install + build
#   BUILD_DIR=... CMAKE_ARGS=... scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libjpeg62-turbo-dev libpng-dev zlib1g-dev
  libyaml-cpp-dev nlohmann-json3-dev libpugixml-dev libcli11-dev
  libgtest-dev libgmock-dev
  libopenblas-dev
  libopenmpi-dev openmpi-bin
  clang clang-format libclang-rt-14-dev
  python3 python3-venv
  chromium
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The tests' Python side (the ONNX export checked in ONNX Runtime) in a virtual environment of
# its own, so the system Python stays untouched.
if [ ! -x .venv/bin/python3 ]; then
  python3 -m venv .venv
fi
.venv/bin/python3 -m pip install --disable-pip-version-check --quiet numpy onnx onnxruntime

BUILD_DIR=${BUILD_DIR:-build}
# shellcheck disable=SC2086
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release ${CMAKE_ARGS:-}
cmake --build "$BUILD_DIR" -j "$(nproc)"
echo "setup: built $BUILD_DIR/app/tailor"
