"""Column sums as matrix-vector products: ones(N) @ a is one BLAS call, where a.sum(axis=0)
over an (N, K) array with short rows loops once per row (measurements: benchmarks/notes/core.md).
"""

from __future__ import annotations

import numpy as np


def column_sums(a: np.ndarray) -> np.ndarray:
    """(N, K) -> (K,): the sum of a's rows (a bias gradient over all rows)."""
    return np.ones(a.shape[0], a.dtype) @ a
