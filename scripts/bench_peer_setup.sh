#!/usr/bin/env bash
# Installs the peers of `tailor bench ... --peer pytorch,onnxruntime,openvino`: PyTorch (torch,
# and torchvision for its NMS), which also builds and exports the network the runtimes run, and
# ONNX Runtime and OpenVINO from PyPI (never part of the tests).
# Tries the CPU-only wheel index first (small, no CUDA libraries); where that index cannot be
# reached, plain PyPI (its Linux wheel pulls the CUDA runtime wheels too: a few GB). Installs at
# the lowest CPU priority so a training run sharing the machine keeps its cores.
# Usage: scripts/bench_peer_setup.sh [PYTHON]     (default python3)
set -u -o pipefail
PY=${1:-python3}

pip_install() { nice -n 19 "$PY" -m pip install --disable-pip-version-check --quiet "$@"; }

echo "installing onnx, onnxruntime and openvino..."
pip_install onnx onnxruntime openvino || echo "peer onnxruntime/openvino: could not install" >&2
if "$PY" -c "import torch" 2>/dev/null; then
  echo "torch $("$PY" -c 'import torch; print(torch.__version__)') already installed"
  exit 0
fi

echo "installing torch (CPU wheel index)..."
if pip_install --timeout 20 --retries 0 torch torchvision --index-url https://download.pytorch.org/whl/cpu; then
  :
else
  echo "CPU wheel index unreachable; installing torch from PyPI"
  pip_install torch torchvision || { echo "peer pytorch: could not install torch" >&2; exit 1; }
fi
"$PY" -c "import torch; print('torch', torch.__version__, 'threads', torch.get_num_threads())"
