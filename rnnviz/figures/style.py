"""Shared look and a fast figure builder.

Figures are built as plain dicts and wrapped without plotly's per-property validation:
go.Figure validation and make_subplots cost 10-50 ms per figure, too slow for a page that
redraws several times a second. Palettes are colour-blind safe (Okabe-Ito; RdBu diverging;
Viridis sequential).
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import get_colorscale

# Streamlit styles charts with its own theme; plotly's default template would only cost a
# deep copy per figure.
pio.templates.default = "none"

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
             "#000000"]
# blue (negative) - white (0) - red (positive), readable for deuteranopes. Explicit stops:
# plotly.js does not know the "_r" names that plotly.py's validation would translate.
DIVERGING = get_colorscale("RdBu_r")
SEQUENTIAL = "Viridis"  # perceptually uniform, colour-blind safe
LEGEND_BELOW = {"orientation": "h", "y": -0.28, "x": 0}


def line_width(big: bool) -> float:
    return 4.0 if big else 2.5


def figure(data: list[dict], layout: dict, title: str, height: int = 320,
           big: bool = False) -> go.Figure:
    """Wrap trace dicts and a layout dict into a Figure with the common look.

    big=True (presentation mode): larger fonts and a taller figure. uirevision keeps zoom
    and hover across live refreshes.
    """
    font = 18 if big else 13
    base = {
        "title": {"text": title, "x": 0.01, "font": {"size": font + 3}},
        "height": int(height * (1.25 if big else 1)), "font": {"size": font},
        "margin": {"l": 55, "r": 20, "t": 50, "b": 45}, "uirevision": "keep",
    }
    return go.Figure({"data": data, "layout": base | layout}, _validate=False)


def layout(fig: go.Figure, title: str, height: int = 320, big: bool = False,
           **kw) -> go.Figure:
    """The common look applied to a Figure built with graph_objects (slower path)."""
    font = 18 if big else 13
    fig.update_layout(title={"text": title, "x": 0.01, "font": {"size": font + 3}},
                      height=int(height * (1.25 if big else 1)), font={"size": font},
                      margin={"l": 55, "r": 20, "t": 50, "b": 45}, uirevision="keep", **kw)
    if big:
        fig.update_traces(line_width=4, selector={"type": "scatter"})
    return fig
