#!/usr/bin/env bash
# Installs the PyTorch CPU peer (torch, and torchvision for its NMS) for `tailor bench ... --peer pytorch` (never part of the tests).
# Tries the CPU-only wheel index first (small, no CUDA libraries); where that index cannot be
# reached, plain PyPI (its Linux wheel pulls the CUDA runtime wheels too: a few GB). Installs at
# the lowest CPU priority so a training run sharing the machine keeps its cores.
# Usage: scripts/bench_peer_setup.sh [PYTHON]     (default python3)
set -u -o pipefail
PY=${1:-python3}

if "$PY" -c "import torch" 2>/dev/null; then
  echo "torch $("$PY" -c 'import torch; print(torch.__version__)') already installed"
  exit 0
fi
pip_install() { nice -n 19 "$PY" -m pip install --disable-pip-version-check --quiet "$@"; }

echo "installing torch (CPU wheel index)..."
if pip_install --timeout 20 --retries 0 torch torchvision --index-url https://download.pytorch.org/whl/cpu; then
  :
else
  echo "CPU wheel index unreachable; installing torch from PyPI"
  pip_install torch torchvision || { echo "peer pytorch: could not install torch" >&2; exit 1; }
fi
"$PY" -c "import torch; print('torch', torch.__version__, 'threads', torch.get_num_threads())"
