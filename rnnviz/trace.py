"""A Trace as tidy pandas DataFrames, one row per observation, for plotting."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .core.trace import Trace


def hidden_frame(trace: Trace) -> pd.DataFrame:
    """Columns: layer, direction, t, sample, unit, h, pre [, c] (vanilla pre only)."""
    frames = []
    for row in trace.layers:
        for lt in row:
            T, B, H = lt.h.shape
            t, b, u = np.meshgrid(np.arange(T), np.arange(B), np.arange(H), indexing="ij")
            d = {"layer": lt.layer, "direction": "reverse" if lt.direction else "forward",
                 "t": t.ravel(), "sample": b.ravel(), "unit": u.ravel(), "h": lt.h.ravel()}
            if lt.c is not None:
                d["c"] = lt.c.ravel()
            if not lt.gates:
                d["pre"] = lt.pre.ravel()
            for name, g in lt.gates.items():
                d[name] = g.ravel()
            if lt.dh is not None:
                d["dh"] = lt.dh.ravel()
            frames.append(pd.DataFrame(d))
    return pd.concat(frames, ignore_index=True)


def grad_frame(trace: Trace) -> pd.DataFrame:
    """Per layer, direction and step: ||dL/dh_t||. Columns: layer, direction, t, grad_norm."""
    rows = []
    for row in trace.layers:
        for lt in row:
            if lt.grad_norm is None:
                continue
            for t, g in enumerate(lt.grad_norm):
                rows.append((lt.layer, "reverse" if lt.direction else "forward", t, float(g)))
    return pd.DataFrame(rows, columns=["layer", "direction", "t", "grad_norm"])


def jacobian_frame(trace: Trace, sample: int = 0, layer: int = -1,
                   direction: int = 0) -> pd.DataFrame:
    """Per step: ||ds_t/ds_{t-1}|| and ||ds_last/ds_t|| for one sample."""
    lt = trace.layers[layer][direction]
    return pd.DataFrame({"t": np.arange(lt.h.shape[0]), "jac_norm": lt.jac_norm(sample),
                         "jac_prod_norm": lt.jac_prod_norm(sample)})


def param_frame(trace: Trace) -> pd.DataFrame:
    """Columns: param, grad_norm."""
    return pd.DataFrame(list(trace.param_grad_norm.items()), columns=["param", "grad_norm"])


def to_frames(trace: Trace) -> dict[str, pd.DataFrame]:
    """All of a trace's tidy frames by name."""
    out = {"hidden": hidden_frame(trace), "params": param_frame(trace)}
    if trace.grad_norm is not None:
        out["grad"] = grad_frame(trace)
    return out
