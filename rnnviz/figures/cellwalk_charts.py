"""The Cell page's figure: one step's terms (or gates) as bars, unit by unit."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from rnnviz.figures.style import OKABE_ITO, layout

# the result rows (pre-activation, states) in dark tones, the inputs to them in colour
_DARK = {"a_t": "#555555", "h_t": "#000000", "c_t": "#555555"}


def step_bars(bars: pd.DataFrame, title: str, big: bool = False) -> go.Figure:
    """bars: rows = series (terms or gates, e.g. "x_t W_xh", "h_t"), columns = units.

    Grouped bars per unit with the value written on each bar (2 decimals).
    """
    fig = go.Figure()
    colours = iter(OKABE_ITO)
    for name, row in bars.iterrows():
        colour = _DARK.get(name) or next(colours)
        fig.add_trace(go.Bar(
            x=list(bars.columns), y=row.to_numpy(dtype=float), name=name, marker_color=colour,
            text=[f"{v:.2f}" for v in row], textposition="outside", cliponaxis=False,
            textfont=dict(size=15 if big else 11),
            hovertemplate=f"{name}<br>%{{x}}: %{{y:.4f}}<extra></extra>",
        ))
    fig.add_hline(y=0, line_width=1, line_color="#888888")
    fig.update_yaxes(zeroline=False, title="value")
    return layout(fig, title, height=340, big=big, barmode="group",
                  uniformtext=dict(minsize=15 if big else 11, mode="show"),
                  legend=dict(orientation="h", y=-0.15, x=0))
