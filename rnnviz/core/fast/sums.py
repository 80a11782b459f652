"""Column sums as matrix-vector products.

NumPy's a.sum(axis=0) over an (N, K) array with short rows loops once per row: for the
(T*B, O) and (T*B, H) gradients of a bias that is 16-19 us on 800 x 27 or 800 x 64 float32,
against 3 us for ones(N) @ a, one BLAS call.
"""

from __future__ import annotations

import numpy as np


def column_sums(a: np.ndarray) -> np.ndarray:
    """(N, K) -> (K,): the sum of a's rows (a bias gradient over all rows)."""
    return np.ones(a.shape[0], a.dtype) @ a
