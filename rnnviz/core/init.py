"""Parameter names, shapes and initialisers.

Names: layer 0 forward is `W_xh, W_hh, b_h` (GRU also `b_hn`); layer l > 0 adds `_l{l}`;
the reverse direction adds `_rev` (`W_xh_l1_rev`). The readout is `W_hy, b_y`.
Gated cells stack their gate blocks along the columns: LSTM W_xh is (D, 4H) = [i|f|g|o],
GRU (D, 3H) = [r|z|n], so W_xh.T equals PyTorch's weight_ih.
"""

from __future__ import annotations

import numpy as np

from rnnviz.core.config import ModelConfig


def suffix(layer: int, direction: int) -> str:
    return (f"_l{layer}" if layer else "") + ("_rev" if direction else "")


def param_shapes(cfg: ModelConfig) -> dict[str, tuple[int, ...]]:
    """Every parameter's shape in canonical order."""
    G = {"rnn": 1, "lstm": 4, "gru": 3}[cfg.cell]
    H = cfg.hidden_size
    shapes: dict[str, tuple[int, ...]] = {}
    for layer in range(cfg.num_layers):
        D = cfg.input_size if layer == 0 else H * cfg.num_directions
        for d in range(cfg.num_directions):
            sfx = suffix(layer, d)
            shapes["W_xh" + sfx] = (D, G * H)
            shapes["W_hh" + sfx] = (H, G * H)
            shapes["b_h" + sfx] = (G * H,)
            if cfg.cell == "gru":
                shapes["b_hn" + sfx] = (H,)
    shapes["W_hy"] = (H * cfg.num_directions, cfg.output_size)
    shapes["b_y"] = (cfg.output_size,)
    return shapes


def _xavier(rng, n_in, n_out):
    """randn * sqrt(2 / (fan_in + fan_out)), as in Mayank Sharma's guide."""
    return rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / (n_in + n_out))


def _orthogonal(rng, n):
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))  # uniform (Haar) orthogonal


def _matrix(cfg: ModelConfig, rng, name: str, shape) -> np.ndarray:
    n_in, n_cols = shape
    H = cfg.hidden_size
    if cfg.init == "randn1000":
        return rng.standard_normal(shape) / 1000  # Victor Zhou's tutorial: randn(...) / 1000
    if cfg.init == "normal":
        return rng.standard_normal(shape) * cfg.init_std
    blocks = n_cols // H if not name.startswith("W_hy") else 1
    width = n_cols // blocks
    recurrent = name.startswith("W_hh")
    out = []
    for _ in range(blocks):  # one block per gate
        if recurrent and cfg.init == "orthogonal":
            out.append(_orthogonal(rng, H))
        elif recurrent and cfg.init == "identity":
            out.append(np.eye(H))
        else:
            out.append(_xavier(rng, n_in, width))
    return np.concatenate(out, axis=1)


def init_params(cfg: ModelConfig) -> dict[str, np.ndarray]:
    """Draw all parameters from default_rng(seed) in canonical order; biases start at 0."""
    rng = np.random.default_rng(cfg.seed)
    dtype = np.dtype(cfg.dtype)
    params = {}
    for name, shape in param_shapes(cfg).items():
        if len(shape) == 1:
            w = np.zeros(shape)
        else:
            w = _matrix(cfg, rng, name, shape)
            if name.startswith("W_hh"):
                w = w * cfg.init_scale
        params[name] = np.ascontiguousarray(w, dtype=dtype)
    return params
