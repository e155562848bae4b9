#!/usr/bin/env bash
# Install pytracking + ltr.
#
#   bash install.sh                          -> a local virtual environment in ./.venv (default)
#   bash install.sh CONDA_PATH ENV_NAME      -> a conda environment, as in the original install.sh
#
# Safe to run again: finished steps are skipped. Network weights are never downloaded; the
# script says where model-zoo files go (see MODEL_ZOO.md).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

if [ "$#" -ge 2 ]; then
    conda_install_path="$1"
    conda_env_name="$2"
    # shellcheck disable=SC1091
    source "$conda_install_path/etc/profile.d/conda.sh"
    if ! conda env list | awk '{print $1}' | grep -qx "$conda_env_name"; then
        echo "****************** Creating conda environment $conda_env_name (python 3.11) ******************"
        conda create -y --name "$conda_env_name" python=3.11
    fi
    conda activate "$conda_env_name"
    PY=python
elif [ "$#" -eq 0 ]; then
    if [ ! -x .venv/bin/python ]; then
        echo "****************** Creating virtual environment .venv ******************"
        python3 -m venv .venv
    fi
    PY="$ROOT/.venv/bin/python"
else
    echo "usage: bash install.sh [CONDA_INSTALL_PATH ENV_NAME]" >&2
    exit 2
fi

if ! "$PY" -c "import torch, torchvision" >/dev/null 2>&1; then
    echo "****************** Installing PyTorch ******************"
    "$PY" -m pip install "torch>=2.0" "torchvision>=0.15"
fi

if ! "$PY" -c "import pytracking, ltr, pytest, nbclient" >/dev/null 2>&1 || \
   [ setup.py -nt "$("$PY" -c 'import sys; print(sys.prefix)')/.pytracking_installed" ]; then
    echo "****************** Installing pytracking, ltr and test tools ******************"
    "$PY" -m pip install -e ".[test]"
    touch "$("$PY" -c 'import sys; print(sys.prefix)')/.pytracking_installed"
fi

# Create the settings files (pytracking/evaluation/local.py, ltr/admin/local.py) if missing.
"$PY" -c "from pytracking.evaluation.environment import env_settings; from ltr.admin.environment import env_settings as e; env_settings(); e()" 2>/dev/null

NETDIR=$("$PY" -c "from pytracking.evaluation.environment import env_settings; print(env_settings().network_path)")
echo "****************** Installation complete ******************"
echo "Settings files: pytracking/evaluation/local.py (tracking) and ltr/admin/local.py (training)."
echo "Model-zoo network files (see MODEL_ZOO.md) are not downloaded by this script: place them in"
echo "  $NETDIR"
