"""Shared look: colour-blind-safe palettes (Okabe-Ito, diverging RdBu) and layout defaults."""

from __future__ import annotations

import plotly.graph_objects as go

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
             "#000000"]
DIVERGING = "RdBu_r"  # blue (negative) - white (0) - red (positive); readable for deuteranopes
SEQUENTIAL = "Viridis"  # perceptually uniform, colour-blind safe


def layout(fig: go.Figure, title: str, height: int = 320, big: bool = False,
           **kw) -> go.Figure:
    """Common layout. big=True (presentation mode): larger fonts, thicker lines, taller.

    uirevision keeps zoom and hover across live refreshes.
    """
    font = 18 if big else 13
    fig.update_layout(title=dict(text=title, x=0.01, font=dict(size=font + 3)),
                      height=int(height * (1.25 if big else 1)), font=dict(size=font),
                      margin=dict(l=55, r=20, t=50, b=45), template="plotly_white",
                      uirevision="keep", **kw)
    if big:
        fig.update_traces(line_width=4, selector=dict(type="scatter"))
    return fig
