#!/usr/bin/env bash
# Set up (once) and run every test: unit, property, AppTest and the browser tests.
# Browser tests use Debian's Chromium (/usr/bin/chromium), installed here if missing.
# Set RNNVIZ_TORCH=1 to also install the CPU build torch==2.13.0 for the optional
# comparison against PyTorch autograd.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian's chromium for the browser tests..."
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
if [ "${RNNVIZ_TORCH:-0}" = "1" ]; then
  .venv/bin/python -m pip install --quiet torch==2.13.0 \
    || echo "WARNING: torch==2.13.0 could not be installed; the PyTorch comparison will be skipped"
fi
.venv/bin/python -m ruff check .
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"  # small matrices (see conftest.py)
exec .venv/bin/python -m pytest "$@"
