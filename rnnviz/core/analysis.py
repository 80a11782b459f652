"""Spectra, bounds and reference curves for the vanishing/exploding-gradient views (NumPy)."""

from __future__ import annotations

import numpy as np

from rnnviz.core.activations import MAX_DERIVATIVE


def eigenvalues(W_hh: np.ndarray) -> np.ndarray:
    """Complex eigenvalues of the (H, H) recurrent matrix (one gate block for LSTM/GRU)."""
    return np.linalg.eigvals(np.asarray(W_hh, dtype=np.float64))


def spectral_radius(W_hh: np.ndarray) -> float:
    """max |lambda| of W_hh: > 1 lets signals grow, < 1 makes them shrink."""
    return float(np.max(np.abs(eigenvalues(W_hh))))


def recurrent_blocks(model, layer: int = 0, direction: int = 0) -> dict[str, np.ndarray]:
    """W_hh split into its (H, H) gate blocks ({"W_hh": ...} for a vanilla RNN)."""
    W = model.layer_params(layer, direction)["W_hh"]
    H = W.shape[0]
    names = model.cell.gate_names or ("W_hh",)
    return {n: W[:, k * H : (k + 1) * H] for k, n in enumerate(names)}


def set_spectral_radius(model, rho: float) -> None:
    """Rescale every W_hh (each gate block) in place so its spectral radius is rho."""
    for name, W in model.params.items():
        if name.startswith("W_hh"):
            H = W.shape[0]
            for k in range(W.shape[1] // H):
                blk = W[:, k * H : (k + 1) * H]
                r = spectral_radius(blk)
                if r > 0:
                    blk *= rho / r


def jacobian_bound(W_hh: np.ndarray, activation: str, steps: int) -> np.ndarray:
    """(steps + 1,) upper bound (||W_hh||_2 max|act'|)^k on ||dh_T / dh_{T-k}||, k = 0..steps."""
    factor = np.linalg.norm(W_hh, 2) * MAX_DERIVATIVE[activation]
    return factor ** np.arange(steps + 1, dtype=np.float64)


def reference_curve(factor: float, steps: int) -> np.ndarray:
    """factor^k for k = 0..steps: Mayank Sharma's 0.5^k (vanishing) and 2^k (exploding)."""
    return float(factor) ** np.arange(steps + 1, dtype=np.float64)
