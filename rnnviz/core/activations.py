"""Activation functions and their derivatives, written in terms of the output h = act(a)."""

from __future__ import annotations

import numpy as np


def sigmoid(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Numerically stable logistic function: 0.5 * (1 + tanh(a / 2))."""
    out = np.multiply(a, 0.5, out=out)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


def activate(name: str, a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """h = act(a) for act in tanh, relu, sigmoid."""
    if name == "tanh":
        return np.tanh(a, out=out)
    if name == "relu":
        return np.maximum(a, 0.0, out=out)
    if name == "sigmoid":
        return sigmoid(a, out=out)
    raise ValueError(f"activation must be tanh, relu or sigmoid; got {name!r}")


def derivative(name: str, h: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """act'(a) from h = act(a): tanh 1 - h^2, sigmoid h (1 - h), relu [h > 0]."""
    if name == "tanh":
        out = np.multiply(h, h, out=out)
        return np.subtract(1.0, out, out=out)
    if name == "sigmoid":
        out = np.subtract(1.0, h, out=out)
        out *= h
        return out
    if name == "relu":
        if out is None:
            return (h > 0).astype(h.dtype)
        return np.greater(h, 0, out=out)
    raise ValueError(f"activation must be tanh, relu or sigmoid; got {name!r}")


# max |act'(a)| over all a: the factor in the bound ||dh_t/dh_{t-1}|| <= ||W_hh|| max|act'|
MAX_DERIVATIVE = {"tanh": 1.0, "relu": 1.0, "sigmoid": 0.25}
