"""Figures of the text-generation page: perplexity, the sample coloured by probability, and
the next-character distribution at one position."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rnnviz.figures.curves import EMPTY_NOTE, baseline_lines, downsample, overlay_axis
from rnnviz.figures.style import LEGEND_BELOW, OKABE_ITO, SEQUENTIAL, figure, line_width
from rnnviz.tasks import display_char

TICKS = [1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]  # log-axis labels


def esc(s: str) -> str:
    """Text for plotly labels: plotly reads a subset of HTML tags, so escape < > &."""
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def label(c: str) -> str:
    """One character as a visible, escaped label (space -> ␣, newline -> ↵)."""
    return esc(display_char(c))


def perplexity_figure(pp: pd.DataFrame, baselines, big: bool = False) -> go.Figure:
    """Train and test perplexity per epoch (log axis) and the no-learning baselines
    (value, label, hover; value in loss units, drawn as perplexity e^value: the uniform
    guess is V)."""
    data = []
    if len(pp):
        h = downsample(pp)
        mode = "lines+markers" if len(h) < 30 else "lines"  # a few epochs: show the points
        for k, split in enumerate(("train", "test")):
            data.append({
                "type": "scatter", "mode": mode, "x": h["epoch"].to_numpy(np.int32),
                "y": h[split].to_numpy(np.float64), "name": split,
                "line": {"color": OKABE_ITO[k], "width": line_width(big),
                         "dash": "solid" if k == 0 else "dot"},
                "hovertemplate": f"epoch %{{x}}<br>{split} perplexity %{{y:.3f}}<extra></extra>"})
    top = max((float(np.exp(b[0])) for b in baselines), default=2.0)
    empty_note = [] if data else [EMPTY_NOTE]
    lines, notes = baseline_lines(
        [(v, f"{label} → perplexity {np.exp(v):.3g}", hover) for v, label, hover in baselines],
        "x2", big=big, scale=np.exp, unit="perplexity")
    notes = empty_note + notes
    data += lines
    lay = {"xaxis": {"title": {"text": "epoch"}},
           "xaxis2": overlay_axis("x"),
           "yaxis": {"type": "log", "title": {"text": "perplexity = exp(loss)"},
                     "tickvals": TICKS, "ticktext": [f"{v:g}" for v in TICKS]}
           | ({} if len(pp) else {"range": [0, float(np.log10(max(top, 2) * 3))]}),
           "legend": LEGEND_BELOW, "annotations": notes}
    return figure(data, lay, "Perplexity per character", big=big)


def sample_strip(prompt: str, text: str, chosen_p: np.ndarray, probs: np.ndarray,
                 vocab: list[str], width: int = 40, big: bool = False) -> go.Figure:
    """The prompt (grey) and each generated character on a grid, coloured by the probability
    the model gave it when it was picked; hover shows that and the runners-up."""
    chars = list(prompt) + list(text)
    P, n = len(prompt), len(text)
    rows = max(1, -(-len(chars) // width))
    z_gen = np.full((rows, width), np.nan)
    z_prompt = np.full((rows, width), np.nan)
    txt = np.full((rows, width), "", dtype=object)
    hover = np.full((rows, width), "", dtype=object)
    for i, c in enumerate(chars):
        r, col = divmod(i, width)
        txt[r, col] = label(c)
        if i < P:
            z_prompt[r, col] = 1.0
            hover[r, col] = f"prompt character {label(c)}"
            continue
        k = i - P
        p = probs[k]
        top = np.argsort(-p, kind="stable")[:3]
        alts = ", ".join(f"{label(vocab[j])} {p[j]:.2f}" for j in top)
        z_gen[r, col] = chosen_p[k]
        hover[r, col] = (f"generated #{k + 1}: {label(c)}<br>p = {chosen_p[k]:.3f}"
                         f"<br>most likely: {alts}")
    font = {"size": 17 if big else 14}
    common = {"type": "heatmap", "text": txt, "texttemplate": "%{text}", "textfont": font,
              "customdata": hover, "hovertemplate": "%{customdata}<extra></extra>",
              "xgap": 2, "ygap": 2}
    data = [
        common | {"z": z_prompt, "zmin": 0, "zmax": 1, "showscale": False,
                  "colorscale": [[0, "#d9d9d9"], [1, "#d9d9d9"]], "name": "prompt"},
        common | {"z": z_gen, "zmin": 0, "zmax": 1, "colorscale": SEQUENTIAL,
                  "name": "generated",
                  "colorbar": {"title": {"text": "p"}, "thickness": 12, "len": 1.0}},
    ]
    lay = {"xaxis": {"visible": False, "range": [-0.5, width - 0.5]},
           "yaxis": {"visible": False, "autorange": "reversed"},
           "margin": {"l": 10, "r": 10, "t": 50, "b": 10}}
    title = f"{n} generated characters (grey: prompt), coloured by p when picked"
    return figure(data, lay, title, height=rows * 28 + 70, big=big)  # big: x 1.25


def next_char_bars(table: pd.DataFrame, position: int, title_note: str = "",
                   big: bool = False) -> go.Figure:
    """Bars of the next-character distribution at one position; the picked one highlighted."""
    n = len(table)
    picked = table["picked"].to_numpy(bool)
    data = [{"type": "bar", "x": list(range(n)), "y": table["p"].to_numpy(np.float64),
             "marker": {"color": [OKABE_ITO[1] if k else OKABE_ITO[0] for k in picked],
                        "pattern": {"shape": ["" if k else "/" for k in picked]}},
             "customdata": [label(c) for c in table["char"]],
             "hovertemplate": "%{customdata}: p = %{y:.4f}<extra></extra>"}]
    c = table["char"][picked].iloc[0]
    p = float(table["p"][picked].iloc[0])
    lay = {"xaxis": {"tickmode": "array", "tickvals": list(range(n)),
                     "ticktext": [label(c) for c in table["char"]], "tickfont": {
                         "size": 20 if big else 16}},
           "yaxis": {"title": {"text": "p(next character)"}, "rangemode": "tozero"},
           "showlegend": False}
    title = f"Position {position}: picked {label(c)} with p = {p:.3f}{title_note}"
    return figure(data, lay, title, big=big)
