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
# Fewer malloc arenas: each script run is a thread; this halves the server's memory
# (bench_soak: 480 -> 230 MB with 4 sessions) at the same speed.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
exec .venv/bin/python -m rnnviz.serve "$@"
