"""Shared look and a fast figure builder.

Figures are built as plain dicts (`Fig`), not validated by plotly: go.Figure validation and
make_subplots cost 10-50 ms per figure, and even an unvalidated go.Figure ~4 ms (a template,
a deep copy), too slow for a page that redraws several times a second. Palettes are
colour-blind safe (Okabe-Ito; RdBu diverging; Viridis sequential).
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


class Fig:
    """A figure as plain dicts, `spec` = {"data": [trace dicts], "layout": {...}}.

    The live page only serialises figures (livechart.to_json reads `spec`). Anything else,
    plotly's whole go.Figure API (fig.data[0].y, fig.update_layout, ...), works too: the
    first use builds the go.Figure, and from then on that figure is the one to read."""

    __slots__ = ("spec", "_fig")

    def __init__(self, spec: dict):
        self.spec = spec
        self._fig: go.Figure | None = None

    def current(self) -> dict | go.Figure:
        """What to serialise: the plain spec, or the go.Figure once plotly's API was used."""
        return self.spec if self._fig is None else self._fig

    def figure(self) -> go.Figure:
        if self._fig is None:
            self._fig = go.Figure(self.spec, _validate=False)
        return self._fig

    def __getattr__(self, name):
        return getattr(self.figure(), name)

    def __repr__(self) -> str:
        return f"Fig({len(self.spec.get('data', []))} traces)"


def figure(data: list[dict], layout: dict, title: str, height: int = 320,
           big: bool = False) -> Fig:
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
    return Fig({"data": data, "layout": base | layout})


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
