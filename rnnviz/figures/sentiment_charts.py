"""Figures of the sentiment page: a sentence's hidden-state path and each word's influence."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from rnnviz.figures.style import LEGEND_BELOW, OKABE_ITO, figure, line_width

POS, NEG = OKABE_ITO[1], OKABE_ITO[0]  # orange = positive, blue = negative (colour-blind safe)


def _esc(s: str) -> str:
    """Text for plotly labels: plotly reads a subset of HTML tags, so escape < > &."""
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def trajectory_figure(path: np.ndarray, words: list[str], background: np.ndarray,
                      background_labels: np.ndarray, explained: np.ndarray,
                      background_texts: list[str] | None = None,
                      big: bool = False) -> go.Figure:
    """The sentence's hidden states h_0..h_T (path (T+1, 2) in PCA coordinates) as numbered
    points joined by arrows, over the training sentences' final states (background (B, 2))
    coloured by their label."""
    path = np.asarray(path, dtype=np.float64)
    bg = np.asarray(background, dtype=np.float64)
    lab = np.asarray(background_labels)
    size = 13 if big else 10
    data = []
    for label, name, colour, symbol in ((1, "positive", POS, "circle"),
                                        (0, "negative", NEG, "diamond")):
        sel = lab == label
        texts = [_esc(t) for t, s in zip(background_texts or [""] * len(lab), sel,
                                         strict=True) if s]
        data.append({
            "type": "scatter", "mode": "markers", "x": bg[sel, 0], "y": bg[sel, 1],
            "name": f"training sentence, {name} (end state)", "text": texts,
            "marker": {"color": colour, "size": size - 2, "opacity": 0.35, "symbol": symbol},
            "hovertemplate": "%{text}<extra>" + name + "</extra>",
        })
    labels = ["start h_0"] + [f"{t}: {_esc(w)}" for t, w in enumerate(words, start=1)]
    data.append({
        "type": "scatter", "mode": "lines+markers+text", "x": path[:, 0], "y": path[:, 1],
        "name": "your sentence, word by word", "text": [str(t) for t in range(len(path))],
        "textposition": "top center", "textfont": {"size": size + 2},
        "customdata": labels, "line": {"color": "#555555", "width": line_width(big) / 2},
        "marker": {"color": "#222222", "size": size},
        "hovertemplate": "%{customdata}<br>(%{x:.3f}, %{y:.3f})<extra></extra>",
    })
    data.append({"type": "scatter", "mode": "markers", "x": path[:1, 0], "y": path[:1, 1],
                 "name": "start (h_0 = 0)", "hoverinfo": "skip",
                 "marker": {"symbol": "square-open", "size": size * 2.2, "color": "#222222",
                            "line": {"width": 2.5}}})
    data.append({"type": "scatter", "mode": "markers", "x": path[-1:, 0], "y": path[-1:, 1],
                 "name": "end (h_T, read out)", "hoverinfo": "skip",
                 "marker": {"symbol": "star", "size": size * 2.4, "color": OKABE_ITO[2],
                            "line": {"width": 1, "color": "#222222"}}})
    arrows = [{"x": path[t, 0], "y": path[t, 1], "ax": path[t - 1, 0], "ay": path[t - 1, 1],
               "xref": "x", "yref": "y", "axref": "x", "ayref": "y", "text": "",
               "showarrow": True, "arrowhead": 2, "arrowsize": 1.3, "arrowwidth": 1.6,
               "arrowcolor": "#555555", "standoff": size / 2 + 1}
              for t in range(1, len(path)) if np.any(path[t] != path[t - 1])]
    ev = np.asarray(explained, dtype=np.float64)
    lay = {
        "xaxis": {"title": {"text": f"PC1 ({ev[0]:.0%} of the variance)"}, "zeroline": False},
        "yaxis": {"title": {"text": f"PC2 ({ev[1]:.0%})"}, "zeroline": False},
        "legend": LEGEND_BELOW | {"y": -0.22}, "annotations": arrows,
        "margin": {"l": 55, "r": 20, "t": 50, "b": 110},
    }
    return figure(data, lay, "The hidden state's path, word by word (2-D PCA)", height=470,
                  big=big)


def influence_figure(words: list[str], p_pos: np.ndarray, influence: np.ndarray,
                     big: bool = False) -> go.Figure:
    """Bars: each word's change of P(positive) (orange up, blue hatched down); line:
    P(positive | h_t) from h_0 on."""
    x = ["start"] + [f"{t}: {_esc(w)}" for t, w in enumerate(words, start=1)]
    infl = np.asarray(influence, dtype=np.float64)
    up = infl >= 0
    data = [
        {"type": "bar", "x": x[1:], "y": np.where(up == sign, infl, np.nan), "name": name,
         "marker": {"color": POS if sign else NEG, "pattern": {"shape": "" if sign else "/"}},
         "hovertemplate": "%{x}<br>ΔP(positive) = %{y:+.3f}<extra></extra>"}
        for sign, name in ((True, "word raised P(positive)"), (False, "word lowered it"))
    ] + [
        {"type": "scatter", "mode": "lines+markers", "x": x, "y": np.asarray(p_pos),
         "name": "P(positive | h_t)", "line": {"color": "#222222", "width": line_width(big)},
         "marker": {"size": 9 if big else 7},
         "hovertemplate": "%{x}<br>P(positive | h_t) = %{y:.3f}<extra></extra>"},
    ]
    shapes = [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": 0.5, "y1": 0.5,
               "line": {"color": "grey", "dash": "dash", "width": 1}}]
    lay = {"xaxis": {"type": "category", "categoryorder": "array", "categoryarray": x,
                     "tickangle": -40 if len(x) > 8 else 0},
           "yaxis": {"range": [-1.05, 1.05], "title": {"text": "probability / change"},
                     "zeroline": True},
           "legend": LEGEND_BELOW | {"y": -0.35 if len(x) > 8 else -0.22},
           "shapes": shapes, "bargap": 0.35, "barmode": "relative",
           "margin": {"l": 55, "r": 20, "t": 50, "b": 120 if len(x) > 8 else 90}}
    return figure(data, lay, "Which words moved the prediction", height=420, big=big)
