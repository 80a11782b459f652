"""Centred finite differences against BPTT, including the truncated objective."""

from __future__ import annotations

import numpy as np

from rnnviz.core import layer as lyr


def frozen_states(model, X, h0=None, mask=None) -> dict | None:
    """The states at truncation cuts of the unperturbed run, to hold constant.

    Truncated BPTT is the exact gradient of the objective in which h (and c) entering each
    cut is a constant; freezing them makes finite differences see that objective.
    """
    cuts = lyr.truncation_cuts(np.asarray(X).shape[1], model.cfg.bptt_truncate)
    if not cuts:
        return None
    x, m, h0, c0 = model._inputs(X, mask, h0)
    caches, _, _ = model._run(x, m, h0, c0)
    frozen = {}
    for l, row in enumerate(caches):
        for d, c in enumerate(row):
            frozen[(l, d)] = {
                s: (c.Hs[s].copy(), None if c.Cs is None else c.Cs[s].copy()) for s in cuts
            }
    return frozen


def numerical_grads(model, X, Y, loss="cross_entropy", h0=None, mask=None, eps=1e-5) -> dict:
    """dL/dtheta by centred differences (L(theta+eps) - L(theta-eps)) / 2 eps, every element."""
    frozen = frozen_states(model, X, h0, mask)
    out = {}
    for name, p in model.params.items():
        g = np.zeros_like(p)
        flat, gflat = p.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            up = model.loss(X, Y, loss, h0, mask, frozen)
            flat[i] = old - eps
            down = model.loss(X, Y, loss, h0, mask, frozen)
            flat[i] = old
            gflat[i] = (up - down) / (2 * eps)
        out[name] = g
    return out


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """||a - b|| / max(||a|| + ||b||, tiny): 0 when both are 0."""
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / denom) if denom > 0 else 0.0


def check_gradients(model, X, Y, loss="cross_entropy", h0=None, mask=None, eps=1e-5) -> dict:
    """{param name: relative error between BPTT and finite differences}."""
    _, grads, _ = model.loss_and_grads(X, Y, loss=loss, h0=h0, mask=mask)
    num = numerical_grads(model, X, Y, loss, h0, mask, eps)
    return {k: relative_error(grads[k], num[k]) for k in grads}
