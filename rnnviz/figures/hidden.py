"""Hidden-state heatmaps."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .style import DIVERGING, layout


def hidden_heatmap(h: np.ndarray, tokens: list[str] | None = None,
                   title: str = "Hidden state h_t", zmax: float = 1.0) -> go.Figure:
    """h (T, H) as a time x unit heatmap on a fixed diverging scale centred on 0.

    zmax fixes the colour range to [-zmax, zmax] so colours mean the same every frame
    (1.0 for tanh; pass the largest |h| for relu).
    """
    h = np.asarray(h, dtype=np.float32)
    T, H = h.shape
    x = [f"{t + 1}: {tok}" for t, tok in enumerate(tokens)] if tokens else list(range(1, T + 1))
    fig = go.Figure(go.Heatmap(
        z=h.T, x=x, y=[f"unit {j}" for j in range(H)], zmin=-zmax, zmax=zmax, zmid=0.0,
        colorscale=DIVERGING, colorbar=dict(title="h", thickness=12),
        hovertemplate="step %{x}<br>%{y}<br>h = %{z:.4f}<extra></extra>",
    ))
    fig.update_xaxes(title="time step t", type="category")
    fig.update_yaxes(autorange="reversed", showticklabels=H <= 32)
    return layout(fig, title)
