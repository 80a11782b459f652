"""Eigenvalues of W_hh against the unit circle."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from rnnviz.figures.style import LEGEND_BELOW, OKABE_ITO, figure

_THETA = np.linspace(0, 2 * np.pi, 181)
_CIRCLE = (np.cos(_THETA).astype(np.float32), np.sin(_THETA).astype(np.float32))


def eigen_plot(eigs: np.ndarray, title: str = "Eigenvalues of W_hh",
               big: bool = False) -> go.Figure:
    """Eigenvalues in the complex plane; outside the unit circle signals can grow."""
    eigs = np.asarray(eigs)
    r = float(np.max(np.abs(eigs))) if eigs.size else 1.0
    outside = np.abs(eigs) > 1 + 1e-9  # round-off of an orthogonal W_hh is not 'outside'
    data = [{"type": "scatter", "mode": "lines", "x": _CIRCLE[0], "y": _CIRCLE[1],
             "name": "|λ| = 1", "line": {"color": "grey", "dash": "dash"}}]
    for mask, name, color in ((~outside, "|λ| ≤ 1", OKABE_ITO[0]),
                              (outside, "|λ| > 1", OKABE_ITO[3])):
        data.append({"type": "scatter", "mode": "markers", "name": name,
                     "x": eigs.real[mask].astype(np.float32),
                     "y": eigs.imag[mask].astype(np.float32),
                     "marker": {"color": color, "size": 10 if big else 8},
                     "hovertemplate": "%{x:.3f} %{y:+.3f}i<extra></extra>"})
    lim = max(1.15, r * 1.1)
    lay = {"xaxis": {"range": [-lim, lim], "title": {"text": "Re"}, "zeroline": True},
           "yaxis": {"range": [-lim, lim], "title": {"text": "Im"}, "scaleanchor": "x",
                     "zeroline": True},
           "legend": LEGEND_BELOW}
    return figure(data, lay, f"{title} (spectral radius {r:.2f})", big=big)
