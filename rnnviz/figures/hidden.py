"""Hidden-state heatmaps."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from rnnviz.figures.gradients import step_labels
from rnnviz.figures.style import DIVERGING, figure


def hidden_heatmap(h: np.ndarray, tokens: list[str] | None = None,
                   title: str = "Hidden state h_t", zmax: float = 1.0,
                   big: bool = False) -> go.Figure:
    """h (T, H) as a time x unit heatmap on a fixed diverging scale centred on 0.

    zmax fixes the colour range to [-zmax, zmax] so colours mean the same every frame
    (1.0 for tanh; pass the largest |h| for relu).
    """
    h = np.asarray(h, dtype=np.float32)
    T, H = h.shape
    data = [{"type": "heatmap", "z": h.T, "x": step_labels(T, tokens),
             "y": [f"unit {j}" for j in range(H)], "zmin": -zmax, "zmax": zmax, "zmid": 0.0,
             "colorscale": DIVERGING, "colorbar": {"title": {"text": "h"}, "thickness": 12},
             "hovertemplate": "step %{x}<br>%{y}<br>h = %{z:.4f}<extra></extra>"}]
    lay = {"xaxis": {"title": {"text": "time step t"}, "type": "category"},
           "yaxis": {"autorange": "reversed", "showticklabels": H <= 32}}
    if H > 32:  # too many to label: no tick marks, a title instead
        lay["yaxis"] |= {"ticks": "", "title": {"text": f"{H} units (hover for each)"}}
    return figure(data, lay, title, big=big)
