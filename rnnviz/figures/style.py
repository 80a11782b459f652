"""Shared look: colour-blind-safe palettes (Okabe-Ito, diverging RdBu) and layout defaults."""

from __future__ import annotations

import plotly.graph_objects as go

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
             "#000000"]
DIVERGING = "RdBu_r"  # blue (negative) - white (0) - red (positive); readable for deuteranopes


def layout(fig: go.Figure, title: str, height: int = 320, **kw) -> go.Figure:
    fig.update_layout(title=dict(text=title, x=0.01, font=dict(size=15)), height=height,
                      margin=dict(l=50, r=20, t=45, b=40), template="plotly_white",
                      uirevision="keep", **kw)
    return fig
