"""Training curves from the run's history DataFrame (one row per epoch)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rnnviz.figures.style import LEGEND_BELOW, OKABE_ITO, figure, line_width

MAX_POINTS = 400  # curves are downsampled to this many points before they are sent
EMPTY_NOTE = {"text": "no epoch yet: press Play or Step", "showarrow": False, "xref": "paper",
              "yref": "paper", "x": 0.5, "y": 0.5, "font": {"color": "grey"}}


def downsample(df: pd.DataFrame, n: int = MAX_POINTS) -> pd.DataFrame:
    """At most n evenly spaced rows, always keeping the first and the last."""
    if len(df) <= n:
        return df
    idx = np.unique(np.linspace(0, len(df) - 1, n).round().astype(int))
    return df.iloc[idx]


BASELINE_DASH = ("dash", "longdashdot", "dot")  # the main baseline first
BASELINE_COLOUR = "#666666"
BASELINE_POINTS = 41  # along the line, so hover finds it anywhere (it sits on the points)


def baseline_lines(baselines, xaxis: str, yaxis: str = "y", big: bool = False,
                   scale=None, unit: str = "loss") -> tuple[list[dict], list[dict]]:
    """No-learning baselines, each (value, label, hover), as dashed horizontal lines on a
    log axis: (traces, annotations).

    Each line is a scatter trace on `xaxis`, a hidden axis fixed to 0..1 (`overlay_axis`),
    so it spans the whole panel whatever the epochs; hover says what it means. Its label
    sits at the right end, the first above its line, the others below theirs (two close
    lines keep their labels apart). `scale` maps a value to the axis (perplexity: np.exp).
    Values a log axis cannot show (<= 0, not finite) are left out."""
    traces, notes = [], []
    x = np.linspace(0.0, 1.0, BASELINE_POINTS, dtype=np.float32)  # (P,)
    for k, (value, label, hover) in enumerate(baselines):
        y = float(scale(value) if scale else value)
        if not (np.isfinite(y) and y > 0):
            continue
        traces.append({
            "type": "scatter", "mode": "lines", "x": x, "y": np.full_like(x, y),
            "xaxis": xaxis, "yaxis": yaxis, "name": label, "showlegend": False,
            "line": {"color": BASELINE_COLOUR, "width": line_width(big) * 0.6,
                     "dash": BASELINE_DASH[min(k, len(BASELINE_DASH) - 1)]},
            "hoverinfo": "text", "text": f"<b>{unit} {y:.4g}</b><br>" + wrap(hover),
            "hoverlabel": {"align": "left", "font": {"size": 15 if big else 12}},
        })
        notes.append({
            "text": esc(label), "xref": xaxis, "x": 0.99, "yref": yaxis,
            "y": float(np.log10(y)), "xanchor": "right",
            "yanchor": "bottom" if not notes else "top", "showarrow": False,
            "font": {"color": BASELINE_COLOUR, "size": 13 if big else 11},  # no background:
            # it would hide the curves' points under it
        })
    return traces, notes


def empty_log_range(data: list, baselines) -> dict:
    """Before the first epoch: a log axis range around the main baseline (with nothing
    but one flat line plotly would zoom onto it and print ten-digit ticks)."""
    if data or not baselines:
        return {"autorange": True}  # else Plotly.react keeps a range an empty frame set
    mid = float(np.log10(baselines[0][0]))
    return {"range": [mid - 3, mid + 0.7]}


def overlay_axis(over: str) -> dict:
    """A hidden x axis on top of axis `over` ("x", "x2"), 0..1 across the panel."""
    return {"overlaying": over, "range": [0, 1], "visible": False, "fixedrange": True}


def wrap(text: str, width: int = 60) -> str:
    """Plain text as hover lines of about `width` characters (plotly's <br>), < > & escaped."""
    text = esc(text)
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "<br>".join(lines + [line])


def esc(text: str) -> str:
    """Text for plotly labels: plotly reads a subset of HTML tags, so escape < > &."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _f32(s: pd.Series) -> np.ndarray:
    return s.to_numpy(dtype=np.float32)


def _mode(h: pd.DataFrame) -> str:
    """Lines; with one epoch only, a marker too (a line through one point draws nothing)."""
    return "lines" if len(h) > 1 else "lines+markers"


def loss_curves(history: pd.DataFrame, metric: str, big: bool = False,
                now: dict | None = None, baselines=()) -> go.Figure:
    """Train/test loss (left, log axis) and train/test metric (right).

    `now` (TrainingRun.in_progress()): the epoch being trained, so far, as one hollow
    marker per panel at x = epoch - 1 + share done: the curve moves between epochs too.
    `baselines`: the task's no-learning losses (value, label, hover), dashed on the loss
    panel."""
    data = []
    if len(history):
        h = downsample(history)
        ep = h["epoch"].to_numpy(np.int32)
        for col, key in ((1, "loss"), (2, metric)):
            for k, split in enumerate(("train", "test")):
                data.append({
                    "type": "scatter", "mode": _mode(h), "x": ep, "y": _f32(h[f"{split}_{key}"]),
                    "name": split, "legendgroup": split, "showlegend": col == 1,
                    "xaxis": f"x{col if col > 1 else ''}",
                    "yaxis": f"y{col if col > 1 else ''}",
                    "line": {"color": OKABE_ITO[k], "width": line_width(big),
                             "dash": "solid" if k == 0 else "dot"},
                    "hovertemplate": f"epoch %{{x}}<br>{split} {key} %{{y:.4g}}<extra></extra>",
                })
    if now is not None:
        x = now["epoch"] - 1 + now["done"]
        for col, key in ((1, "train_loss"), (2, "train_metric")):
            data.append({
                "type": "scatter", "mode": "markers", "x": [x], "y": [float(now[key])],
                "name": "epoch in progress", "showlegend": col == 1,
                "xaxis": f"x{col if col > 1 else ''}", "yaxis": f"y{col if col > 1 else ''}",
                "marker": {"color": OKABE_ITO[0], "size": 9 if big else 7,
                           "symbol": "circle-open", "line": {"width": 2}},
                "hovertemplate": (f"epoch {now['epoch']}, {now['done']:.0%} done<br>train "
                                  f"{'loss' if col == 1 else metric} so far %{{y:.4g}}"
                                  "<extra></extra>"),
            })
    metric_axis = ({"type": "log", "exponentformat": "power"} if metric == "mse"
                   else {"range": [0, 1.02]})
    empty = empty_log_range(data, baselines)
    empty_note = [] if data else [EMPTY_NOTE]
    lines, notes = baseline_lines(baselines, "x3", big=big)
    notes = empty_note + notes
    data += lines
    lay = {
        "xaxis": {"domain": [0, 0.45], "title": {"text": "epoch"}},
        "xaxis2": {"domain": [0.55, 1], "title": {"text": "epoch"}},
        "xaxis3": overlay_axis("x"),
        "yaxis": {"type": "log", "exponentformat": "power", "title": {"text": "loss"}} | empty,
        "yaxis2": {"anchor": "x2", "title": {"text": metric}} | metric_axis,
        "legend": LEGEND_BELOW,
        "annotations": notes,
    }
    return figure(data, lay, "Learning curves", big=big)


def clip_curves(history: pd.DataFrame, clip_at: float | None = None,
                big: bool = False) -> go.Figure:
    """Mean gradient norm before and after clipping per epoch, and the clip fraction."""
    data = []
    if len(history):
        h = downsample(history)
        ep = h["epoch"].to_numpy(np.int32)
        data = [
            {"type": "scatter", "mode": _mode(h), "x": ep, "y": _f32(h["grad_norm"]),
             "name": "before clipping",
             "line": {"color": OKABE_ITO[3], "width": line_width(big)}},
            {"type": "scatter", "mode": _mode(h), "x": ep, "y": _f32(h["grad_norm_after"]),
             "name": "after clipping",
             "line": {"color": OKABE_ITO[0], "width": line_width(big), "dash": "dot"}},
            {"type": "bar", "x": ep, "y": _f32(h["clip_fraction"]), "name": "clip fraction",
             "yaxis": "y2", "marker": {"color": OKABE_ITO[6]}, "opacity": 0.45},
        ]
    shapes, notes = [], [] if data else [EMPTY_NOTE]
    if clip_at:
        shapes.append({"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y",
                       "y0": clip_at, "y1": clip_at, "line": {"color": "grey", "dash": "dash"}})
        notes.append({"text": f"clip at {clip_at:g}", "xref": "paper", "x": 1, "y": np.log10(
            clip_at), "yref": "y", "showarrow": False, "xanchor": "right", "yanchor": "bottom"})
    lay = {
        "xaxis": {"title": {"text": "epoch"}},
        "yaxis": {"title": {"text": "||grad||"}, "type": "log", "exponentformat": "power"},
        "yaxis2": {"title": {"text": "fraction clipped"}, "range": [0, 1], "overlaying": "y",
                   "side": "right", "showgrid": False, "tickformat": ".0%", "dtick": 0.25},
        "shapes": shapes, "annotations": notes, "legend": LEGEND_BELOW,
    }
    return figure(data, lay, "Gradient norm: before / after clipping", big=big)
