"""What one forward/backward pass recorded. Arrays are time-major and in time order.

`rnnviz.trace.to_frames(trace)` turns it into tidy pandas DataFrames; the core itself stays
NumPy-only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from rnnviz.core import layer as _layer


@dataclass
class LayerTrace:
    """One layer in one direction (0 forward, 1 reverse); all arrays in time order."""

    layer: int
    direction: int
    x: np.ndarray  # (T, B, D_l) input of this layer
    _pre: np.ndarray | Callable[[], np.ndarray]  # `pre`, or the function that builds it
    h: np.ndarray  # (T, B, H) hidden states h_t
    c: np.ndarray | None  # (T, B, H) LSTM cell state c_t
    gates: dict[str, np.ndarray]  # name -> (T, B, H) gate activations (LSTM/GRU)
    dh: np.ndarray | None = None  # (T, B, H) total dL/dh_t, through all later steps
    _cell: object = field(default=None, repr=False)
    _params: dict | None = field(default=None, repr=False)  # copies, safe from updates
    _cache: object = field(default=None, repr=False)
    _mask: np.ndarray | None = field(default=None, repr=False)  # processing order
    _jac: dict = field(default_factory=dict, repr=False)

    @property
    def pre(self) -> np.ndarray:
        """(T, B, G*H) pre-activations (gate blocks side by side), built on first use."""
        if callable(self._pre):
            self._pre = self._pre()
        return self._pre

    @property
    def grad_norm(self) -> np.ndarray | None:
        """(T,) ||dL/dh_t|| over the batch and units."""
        if self.dh is None:
            return None
        return np.sqrt(np.einsum("tbh,tbh->t", self.dh, self.dh))

    def jacobians(self, sample: int = 0) -> np.ndarray:
        """(T, S, S): J_t = d s_t / d s_{t-1} of one sample, S = H (2H for LSTM's (h, c)).

        For the reverse direction "previous" means the step after in time.
        """
        if sample not in self._jac:
            J = _layer.state_jacobians(self._cell, self._params, self._cache, sample, self._mask)
            self._jac[sample] = J[::-1] if self.direction else J
        return self._jac[sample]

    def jac_norm(self, sample: int = 0) -> np.ndarray:
        """(T,) spectral norm ||d s_t / d s_{t-1}||_2 per step."""
        return np.linalg.norm(self.jacobians(sample), 2, axis=(1, 2))

    def jac_prod_norm(self, sample: int = 0) -> np.ndarray:
        """(T,) ||d s_last / d s_t||_2: the running product of Jacobians back from the last step."""
        J = self.jacobians(sample)
        if self.direction:  # processing order for the product, then back to time order
            return _layer.product_norms(J[::-1])[::-1]
        return _layer.product_norms(J)


@dataclass
class Trace:
    """Everything a figure needs from one pass (the DESIGN's public record)."""

    x: np.ndarray  # (T, B, D) inputs, time-major
    mask: np.ndarray | None  # (T, B) bool; None when every step is real
    layers: list[list[LayerTrace]]  # [layer][direction]
    outputs: np.ndarray  # (B, O) readout "last" or (B, T, O) readout "all" (logits / values)
    loss: float | None = None
    loss_per_sample: np.ndarray | None = None  # (B,)
    param_grad_norm: dict[str, float] = field(default_factory=dict)
    dh0: np.ndarray | None = None  # (L*dirs, B, H) dL/dh_0
    clip: dict | None = None  # filled by train_step: norm_before, norm_after, clipped, fraction

    @property
    def top(self) -> list[LayerTrace]:
        return self.layers[-1]

    @property
    def hidden(self) -> np.ndarray:
        """(T, B, H) hidden states of the last layer ([h_fwd; h_rev] if bidirectional)."""
        return _cat([lt.h for lt in self.top])

    @property
    def dh(self) -> np.ndarray | None:
        """(T, B, H) dL/dh_t of the last layer, total through all later steps."""
        if self.top[0].dh is None:
            return None
        return _cat([lt.dh for lt in self.top])

    @property
    def grad_norm(self) -> np.ndarray | None:
        """(T,) ||dL/dh_t|| over the batch (and both directions)."""
        norms = [lt.grad_norm for lt in self.top]
        if norms[0] is None:
            return None
        return np.sqrt(sum(n * n for n in norms))

    @property
    def T(self) -> int:
        return self.x.shape[0]


def _cat(arrays: list[np.ndarray]) -> np.ndarray:
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays, axis=2)
