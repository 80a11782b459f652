"""RNN vs LSTM vs GRU: recorded numbers of three runs -> figures (dict-built, no Streamlit).

Every cell keeps one colour on every chart (Okabe-Ito, colour-blind safe): RNN vermillion,
LSTM blue, GRU bluish green.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rnnviz.figures.curves import (
    EMPTY_NOTE,
    baseline_lines,
    downsample,
    empty_log_range,
    overlay_axis,
)
from rnnviz.figures.style import LEGEND_BELOW, OKABE_ITO, SEQUENTIAL, figure, line_width

CELL_COLOURS = {"rnn": OKABE_ITO[3], "lstm": OKABE_ITO[0], "gru": OKABE_ITO[2]}
CELL_NAMES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}
GATE_SYMBOLS = {"forget": "f<sub>t</sub>", "update": "z<sub>t</sub>"}  # plotly's HTML


def loss_race(histories: dict[str, pd.DataFrame], budget: int, baselines=(),
              loss_name: str = "MSE", big: bool = False) -> go.Figure:
    """Test loss per epoch of each cell (log axis) on an x axis fixed to the budget, with the
    task's no-learning baselines (value, label, hover) as dashed lines."""
    data = []
    last = 0
    for cell, h in histories.items():
        if not len(h):
            continue
        h = downsample(h)
        ep = h["epoch"].to_numpy(np.int32)
        last = max(last, int(ep[-1]))
        data.append({
            "type": "scatter", "mode": "lines+markers", "x": ep, "name": CELL_NAMES[cell],
            "y": h["test_loss"].to_numpy(np.float32),
            "line": {"color": CELL_COLOURS[cell], "width": line_width(big)},
            "marker": {"size": 9 if big else 6},
            "hovertemplate": f"{CELL_NAMES[cell]}<br>epoch %{{x}}<br>test {loss_name} "
                             "%{y:.4g}<extra></extra>",
        })
    empty = empty_log_range(data, baselines)
    empty_note = [] if data else [EMPTY_NOTE]
    lines, notes = baseline_lines(baselines, "x2", big=big, unit=f"test {loss_name}")
    notes = empty_note + notes
    data += lines
    lay = {
        "xaxis": {"title": {"text": "epoch"}, "range": [0, max(budget, last) + 0.3],
                  "dtick": _epoch_tick(max(budget, last))},
        "xaxis2": overlay_axis("x"),
        "yaxis": {"title": {"text": f"test {loss_name}"}, "type": "log",
                  "exponentformat": "power"} | empty,
        "annotations": notes, "legend": LEGEND_BELOW,
    }
    return figure(data, lay, f"Test loss ({loss_name}): lower is better", big=big)


def _epoch_tick(n: int) -> int:
    return next(d for d in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000) if n / d <= 12)


def grad_flow_compare(grad_norms: dict[str, np.ndarray], big: bool = False,
                      title: str = "Gradient reaching back") -> go.Figure:
    """||dL/dh_t|| (T,) of each cell against the time step on one log axis."""
    data = []
    for cell, g in grad_norms.items():
        g = np.asarray(g, dtype=np.float64)
        t = np.arange(1, len(g) + 1, dtype=np.int32)
        data.append({
            "type": "scatter", "mode": "lines", "x": t, "name": CELL_NAMES[cell],
            "y": np.where(g > 0, g, np.nan).astype(np.float32),  # log axis: 0 leaves a gap
            "line": {"color": CELL_COLOURS[cell], "width": line_width(big)},
            "hovertemplate": f"{CELL_NAMES[cell]}<br>t = %{{x}}<br>||dL/dh_t|| = %{{y:.3e}}"
                             "<extra></extra>",
        })
    lay = {"xaxis": {"title": {"text": "time step t (the answer is read after the last)"}},
           "yaxis": {"title": {"text": "||dL/dh_t||"}, "type": "log",
                     "exponentformat": "power"},
           "legend": LEGEND_BELOW}
    return figure(data, lay, title, big=big)


def gate_heatmap(gate: np.ndarray, cell: str, gate_name: str, marks: list[int] = (),
                 mark_label: str = "marked", big: bool = False,
                 title: str | None = None) -> go.Figure:
    """Gate activations (T, H) of one sample as a unit x time heatmap on a fixed 0..1 scale;
    `marks` are 0-based time steps holding what must be remembered (arrows above them)."""
    g = np.asarray(gate, dtype=np.float32)  # (T, H)
    T, H = g.shape
    sym = GATE_SYMBOLS.get(gate_name, gate_name)
    data = [{
        "type": "heatmap", "z": g.T, "x": np.arange(1, T + 1, dtype=np.int32),
        "y": np.arange(1, H + 1, dtype=np.int32), "zmin": 0.0, "zmax": 1.0,
        "colorscale": SEQUENTIAL,
        "colorbar": {"title": {"text": sym}, "thickness": 12, "tickvals": [0, 0.5, 1]},
        "hovertemplate": f"t = %{{x}}<br>unit %{{y}}<br>{sym} = %{{z:.3f}}<extra></extra>",
    }]
    notes = [{"x": t + 1, "y": 1.0, "xref": "x", "yref": "paper", "text": mark_label,
              "showarrow": True, "arrowhead": 2, "ax": 0, "ay": -14, "yanchor": "bottom",
              "font": {"size": 15 if big else 11}} for t in marks]
    lay = {"xaxis": {"title": {"text": "time step t"}},
           "yaxis": {"title": {"text": "unit"}, "autorange": "reversed"},
           "annotations": notes, "margin": {"l": 55, "r": 20, "t": 95 if big else 75, "b": 45}}
    name = f"{CELL_NAMES[cell]} {gate_name} gate {sym}"
    return figure(data, lay, title or name, big=big)
