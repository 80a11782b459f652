#!/usr/bin/env bash
# Set up (once) and start the rnnviz app: http://localhost:8501
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
# One BLAS thread: the matrices are small and sessions train side by side, so BLAS
# threads would only fight each other. Override by setting the variable yourself.
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
exec .venv/bin/python -m rnnviz.serve "$@"
