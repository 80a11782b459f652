"""Gradient flow back through time."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .style import OKABE_ITO, layout


def grad_flow_line(grad_norm: np.ndarray, title: str = "Gradient flowing back: ||dL/dh_t||",
                   references: dict[str, np.ndarray] | None = None) -> go.Figure:
    """||dL/dh_t|| (T,) against t on a log axis; optional reference curves by name (T,)."""
    g = np.asarray(grad_norm, dtype=np.float64)
    t = np.arange(1, len(g) + 1)
    positive = np.where(g > 0, g, np.nan)  # a log axis cannot show 0: leave a gap
    fig = go.Figure(go.Scatter(
        x=t, y=positive.astype(np.float32), mode="lines+markers", name="||dL/dh_t||",
        line=dict(color=OKABE_ITO[0], width=2.5),
        hovertemplate="t = %{x}<br>||dL/dh_t|| = %{y:.3e}<extra></extra>",
    ))
    for k, (name, curve) in enumerate((references or {}).items()):
        fig.add_trace(go.Scatter(x=t, y=np.asarray(curve, np.float32), mode="lines", name=name,
                                 line=dict(color=OKABE_ITO[1 + k], dash="dash")))
    fig.update_xaxes(title="time step t")
    fig.update_yaxes(title="||dL/dh_t||", type="log", exponentformat="power")
    return layout(fig, title)
