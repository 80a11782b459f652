"""Each task's own view: forecasts for the sine task."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from rnnviz.figures.style import LEGEND_BELOW, OKABE_ITO, figure, line_width


def forecast_plot(t: np.ndarray, truth: np.ndarray, pred: np.ndarray,
                  multi: tuple[np.ndarray, np.ndarray] | None = None,
                  big: bool = False) -> go.Figure:
    """Truth vs next-step predictions (original units) and an optional multi-step forecast."""
    lw = line_width(big)
    data = [
        {"type": "scatter", "mode": "lines", "x": t, "y": np.asarray(truth, np.float32),
         "name": "truth", "line": {"color": "grey", "width": lw}},
        {"type": "scatter", "mode": "lines", "x": t, "y": np.asarray(pred, np.float32),
         "name": "next-step prediction", "line": {"color": OKABE_ITO[0], "width": lw}},
    ]
    if multi is not None:
        data.append({"type": "scatter", "mode": "lines", "x": multi[0],
                     "y": np.asarray(multi[1], np.float32),
                     "name": "multi-step forecast (fed its own output)",
                     "line": {"color": OKABE_ITO[3], "width": lw, "dash": "dot"}})
    lay = {"xaxis": {"title": {"text": "time step"}}, "yaxis": {"title": {"text": "value"}},
           "legend": LEGEND_BELOW}
    return figure(data, lay, "Test period: predictions vs truth", big=big)
