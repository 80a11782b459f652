"""Gradient flow back through time."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from rnnviz.figures.style import LEGEND_BELOW, OKABE_ITO, SEQUENTIAL, figure, line_width


def step_labels(T: int, tokens: list[str] | None) -> list:
    """'t: token' labels for a time axis (plain step numbers without tokens)."""
    return [f"{t + 1}: {tok}" for t, tok in enumerate(tokens)] if tokens else list(range(1, T + 1))


def grad_flow_line(grad_norm: np.ndarray, title: str = "Gradient flowing back: ||dL/dh_t||",
                   references: dict[str, np.ndarray] | None = None,
                   big: bool = False) -> go.Figure:
    """||dL/dh_t|| (T,) against t on a log axis; optional reference curves by name (T,)."""
    g = np.asarray(grad_norm, dtype=np.float64)
    t = np.arange(1, len(g) + 1, dtype=np.int32)
    # log axis: 0 leaves a gap; float64 because exploding norms pass float32's 3.4e38
    positive = np.where((g > 0) & np.isfinite(g), g, np.nan)
    data = [{"type": "scatter", "mode": "lines+markers", "x": t, "y": positive,
             "name": "||dL/dh_t||", "line": {"color": OKABE_ITO[0], "width": line_width(big)},
             "hovertemplate": "t = %{x}<br>||dL/dh_t|| = %{y:.3e}<extra></extra>"}]
    for k, (name, curve) in enumerate((references or {}).items()):
        data.append({"type": "scatter", "mode": "lines", "x": t, "name": name,
                     "y": np.asarray(curve, np.float64),
                     "line": {"color": OKABE_ITO[1 + k], "dash": "dash"}})
    lay = {"xaxis": {"title": {"text": "time step t"}},
           "yaxis": {"title": {"text": "||dL/dh_t||"}, "type": "log",
                     "exponentformat": "power"},
           "legend": LEGEND_BELOW, "showlegend": bool(references)}
    return figure(data, lay, title, big=big)


def grad_flow_heatmap(epochs: np.ndarray, flow: np.ndarray, tokens: list[str] | None = None,
                      big: bool = False) -> go.Figure:
    """log10 ||dL/dh_t|| as an epoch x time-step heatmap (flow (E, T), epochs (E,))."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.log10(np.where((flow > 0) & np.isfinite(flow), flow, np.nan)).astype(np.float32)
    data = [{"type": "heatmap", "z": z, "x": step_labels(flow.shape[1], tokens),
             "y": np.asarray(epochs, np.int32), "colorscale": SEQUENTIAL,
             "colorbar": {"title": {"text": "log10 ||dL/dh_t||"}, "thickness": 12},
             "hovertemplate": "epoch %{y}<br>step %{x}<br>log10 ||dL/dh_t|| = %{z:.2f}"
                              "<extra></extra>"}]
    lay = {"xaxis": {"title": {"text": "time step t"}, "type": "category"},
           "yaxis": {"title": {"text": "epoch"}} | epoch_ticks(epochs)}
    return figure(data, lay, "Gradient flow over training", big=big)


def epoch_ticks(epochs: np.ndarray) -> dict:
    """Whole epochs on the axis: with one or a few rows plotly would label -0.2, 0.4 ..."""
    if len(epochs) > 5:
        return {}
    return {"tickmode": "array", "tickvals": [int(e) for e in epochs]}
