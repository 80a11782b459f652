"""Figures of the gradient lab: gradient against distance from the loss, per-step Jacobians,
the vanishing/exploding phase diagram, truncated BPTT and the clipping demo.

Built as dicts through style.figure. Gradient ratios span hundreds of decades (1e-120 is a
real, measured value), beyond float32's 1e-38, so curves on log axes are sent as float64;
inf, NaN and exact zeros are never plotted as numbers: they become gaps, named in the figure.
On log axes every line and label is a trace in data coordinates (plotly places shapes and
annotations on log axes by log10 of the value) or lives in paper coordinates.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from rnnviz.figures.style import LEGEND_BELOW, OKABE_ITO, figure, line_width

BLUE, ORANGE, GREEN, RED, PINK, SKY = OKABE_ITO[:6]
BLACK = OKABE_ITO[7]
GREY = "#888888"
LOG = {"type": "log", "exponentformat": "power"}


def plottable(a) -> np.ndarray:
    """float64 copy with inf, NaN and values <= 0 as NaN (a gap on a log axis)."""
    a = np.array(a, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        a[~(np.isfinite(a) & (a > 0))] = np.nan
    return a


def log_range(*curves, floor: float = 1e-7, ceil: float = 2e6) -> list[float]:
    """log10 y-range holding every finite positive value and at least [floor, ceil]."""
    vals = np.concatenate([plottable(c).ravel() for c in curves if c is not None] or [[]])
    vals = vals[np.isfinite(vals)]
    lo = min(float(vals.min()), floor) if vals.size else floor
    hi = max(float(vals.max()), ceil) if vals.size else ceil
    return [np.log10(lo) - 0.4, np.log10(hi) + 0.4]


def _line(x, y, name, color, width, dash="solid", hover="%{y:.3e}", mode="lines", **kw):
    return {"type": "scatter", "mode": mode, "x": x, "y": plottable(y), "name": name,
            "line": {"color": color, "width": width, "dash": dash},
            "hovertemplate": f"k = %{{x}}<br>{hover}<extra>{name}</extra>"} | kw


def _vline(x: float, text: str, color: str, y: float = 1.0,
           xanchor: str = "left") -> tuple[dict, dict]:
    """A vertical line (shape) and its label (annotation), both in paper y."""
    shape = {"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1,
             "line": {"color": color, "dash": "dot", "width": 1.5}}
    note = {"x": x, "y": y, "xref": "x", "yref": "paper", "text": text, "showarrow": False,
            "xanchor": xanchor, "yanchor": "top", "font": {"color": color}, "bgcolor":
            "rgba(255,255,255,0.8)"}
    return shape, note


def gradient_vs_distance(ratio, jac_prod, bound=None, references=None, marks=(),
                         overflow_from: int | None = None, threshold: float | None = None,
                         below_at: int | None = None, big: bool = False,
                         title: str = "How much gradient reaches k steps back") -> go.Figure:
    """The measured ||dL/dh_{T-k}|| / ||dL/dh_T|| against k with the Jacobian product
    ||dh_T/dh_{T-k}||, the bound (||W_hh|| max|act'|)^k and the tutorial's 0.5^k and 2^k.

    All arrays (T,) by k = 0..T-1; marks: (k, value, label) points on the references;
    threshold: a level drawn across (e.g. 0.01), below_at: the k where the measured curve
    first falls below it (marked).
    """
    T = len(ratio)
    k = np.arange(T, dtype=np.int32)
    w = line_width(big)
    refs = references or {}
    data = []
    colors = (ORANGE, RED)
    for (name, curve), color in zip(refs.items(), colors, strict=False):
        data.append(_line(k, curve, name, color, w * 0.6, "dash"))
    if bound is not None:
        data.append(_line(k, bound, "bound (‖W_hh‖₂·max|act′|)^k", BLACK, w * 0.6, "dot"))
    data.append(_line(k, jac_prod, "‖dh_T/dh_T−k‖₂ Jacobian product", GREEN, w * 0.8))
    data.append(_line(k, ratio, "measured ‖dL/dh_T−k‖ / ‖dL/dh_T‖", BLUE, w,
                      mode="lines+markers" if T <= 60 else "lines",
                      marker={"size": 5 if not big else 7}))
    if threshold is not None:
        data.append(_line(np.array([0, max(T - 1, 1)]), [threshold, threshold],
                          f"{threshold:.0%} of the gradient at the loss", GREY, 1.5, "dot"))
    if below_at is not None:
        data.append({"type": "scatter", "mode": "markers+text", "x": np.array([below_at]),
                     "y": np.array([ratio[below_at]], np.float64), "textposition": "top right",
                     "text": [f"below {threshold:.0%} after {below_at} steps"],
                     "name": f"below {threshold:.0%}", "showlegend": False,
                     "marker": {"color": BLUE, "size": 14 if big else 11, "symbol": "star"},
                     "textfont": {"color": BLUE, "size": 17 if big else 13},
                     "hovertemplate": "%{text}<extra></extra>"})
    shown = [(kk, v, t) for kk, v, t in marks if kk < T]
    if shown:
        data.append({"type": "scatter", "mode": "markers+text", "name": "Mayank Sharma's numbers",
                     "x": np.array([m[0] for m in shown], np.int32),
                     "y": np.array([m[1] for m in shown], np.float64),
                     "text": [m[2] for m in shown], "textposition": "middle right",
                     "marker": {"color": BLACK, "size": 9 if big else 7, "symbol": "diamond"},
                     "textfont": {"size": 15 if big else 12, "color": BLACK},
                     "hovertemplate": "%{text}<extra></extra>"})
    lay = {"xaxis": {"title": {"text": "k = steps back from the loss (h_T is k = 0)"},
                     "range": [-0.5, max(T - 1, 1) + 0.5]},
           "yaxis": LOG | {"title": {"text": "relative to k = 0 (log)"},
                           "range": log_range(ratio, jac_prod)},
           "legend": LEGEND_BELOW | {"y": -0.3}, "margin": {"b": 150}}
    if overflow_from is not None:
        right = overflow_from > T / 2  # keep the label inside the plot
        shape, note = _vline(overflow_from, "overflow: inf/NaN from here" + (" →" if right else
                             ""), RED, 0.5, "right" if right else "left")
        lay |= {"shapes": [shape], "annotations": [note]}
    return figure(data, lay, title, height=480, big=big)


TICKS = [1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100]


def jacobian_steps(jac, rate, factor: float | None = None, rho: float | None = None,
                   big: bool = False) -> go.Figure:
    """Per-step ||dh_{T-k+1}/dh_{T-k}||_2 and the average factor actually applied, rate,
    for k = 1..T-1 (both (T,) by k; index 0 unused), with 1, the tutorial's 0.5 and 2, the
    spectral radius rho and the vanilla bound factor ||W_hh||_2 max|act'| as lines."""
    T = len(jac)
    k = np.arange(1, T, dtype=np.int32)
    ends = np.array([0.5, max(T - 1, 1) + 0.5])
    w = line_width(big)
    data = [_line(ends, [1, 1], "1: neither shrinks nor grows", GREY, 1.5, "dash"),
            _line(ends, [0.5, 0.5], "0.5 (Mayank Sharma's guide)", ORANGE, w * 0.5, "dash"),
            _line(ends, [2, 2], "2 (Mayank Sharma's guide)", RED, w * 0.5, "dash")]
    if rho is not None:
        data.append(_line(ends, [rho, rho], f"ρ(W_hh) = {rho:.3g}", PINK, w * 0.6, "dashdot"))
    if factor is not None:
        data.append(_line(ends, [factor, factor], f"‖W_hh‖₂·max|act′| = {factor:.3g}", BLACK,
                          w * 0.6, "dot"))
    mode = "lines+markers" if T <= 60 else "lines"
    jac, rate = np.asarray(jac, np.float64)[1:], np.asarray(rate, np.float64)[1:]
    data.append(_line(k, jac, "‖dh_t/dh_t−1‖₂ of the k-th step back", GREEN, w, mode=mode,
                      marker={"size": 5}))
    data.append(_line(k, rate, "average factor per step over k steps", BLUE, w, mode=mode,
                      marker={"size": 5}))
    extra = [[v] for v in (factor, rho) if v]
    rng = log_range(jac, rate, [0.5, 2.0], *extra, floor=0.4, ceil=2.5)
    lay = {"xaxis": {"title": {"text": "k = steps back from the loss"}},
           "yaxis": LOG | {"title": {"text": "factor per step (log)"}, "range": rng,
                           "tickvals": [t for t in TICKS if rng[0] <= np.log10(t) <= rng[1]]},
           "legend": LEGEND_BELOW | {"y": -0.25}, "margin": {"b": 140}}
    return figure(data, lay, "One step back: the most it can stretch, and what it did",
                  height=460, big=big)


def sweep_figure(values, ratio, current: float, xlabel: str, T: int,
                 rho_one: float | None = None, big: bool = False) -> go.Figure:
    """||dL/dh_1|| / ||dL/dh_T|| against the W_hh scale (or radius): below 1 vanishing,
    above 1 exploding. current marks the page's setting; rho_one where rho(W_hh) = 1."""
    x = np.asarray(values, np.float64)
    r = np.asarray(ratio, np.float64)
    bad = ~np.isfinite(r)
    w = line_width(big)
    lo, hi = log_range(r, floor=1e-3, ceil=1e3)
    ends = np.array([x.min(), x.max()])
    data = [_line(ends, [1, 1], "1: reaches h_1 undiminished", GREY, 1.5, "dash",
                  hover="1"),
            {"type": "scatter", "mode": "lines+markers", "x": x, "y": plottable(r),
             "name": f"‖dL/dh_1‖ / ‖dL/dh_T‖, T = {T}", "line": {"color": BLUE, "width": w},
             "marker": {"size": 7 if big else 5},
             "hovertemplate": f"{xlabel} %{{x:.2f}}<br>ratio %{{y:.3e}}<extra></extra>"}]
    shapes, notes = [], []
    for xv in x[bad]:  # overflow is no number: a mark along the top, in paper coordinates
        notes.append({"x": xv, "y": 1, "xref": "x", "yref": "paper", "text": "×",
                      "showarrow": False, "font": {"color": RED, "size": 18}})
    if bad.any():
        notes.append({"x": 1, "y": 1.06, "xref": "paper", "yref": "paper", "xanchor": "right",
                      "text": "× overflow: inf/NaN", "showarrow": False,
                      "font": {"color": RED}})
    for xv, text, color, y in ((current, f"now: {current:g}", RED, 0.5),
                               (rho_one, "ρ(W_hh) = 1", GREY, 0.12)):
        if xv is not None and x.min() <= xv <= x.max():
            s, n = _vline(xv, text, color, y)
            shapes.append(s)
            notes.append(n)
    one = -lo / (hi - lo)  # where ratio 1 sits, in paper coordinates
    for dy, text, color in ((0.02, "exploding ↑", RED), (-0.02, "vanishing ↓", BLUE)):
        notes.append({"x": 0.01, "y": one + dy, "xref": "paper", "yref": "paper",
                      "text": text, "showarrow": False, "xanchor": "left",
                      "yanchor": "bottom" if dy > 0 else "top", "font": {"color": color}})
    lay = {"xaxis": {"title": {"text": xlabel}},
           "yaxis": LOG | {"title": {"text": "‖dL/dh_1‖ / ‖dL/dh_T‖ (log)"},
                           "range": [lo, hi]},
           "shapes": shapes, "annotations": notes, "legend": LEGEND_BELOW | {"y": -0.25},
           "margin": {"b": 110}}
    return figure(data, lay, "Vanishing or exploding: one backward pass per W_hh",
                  height=420, big=big)


def truncation_figure(curves: dict, big: bool = False) -> go.Figure:
    """Relative ||dL/dh_{T-k}|| for full BPTT (key None) and truncation windows (key k).

    Inside its window a truncated curve equals the full one (drawn as a wide band under
    it); beyond the window it is exactly 0: a gap on the log axis, and a bar in a strip
    below ("exactly 0") that is not on the log axis at all.
    """
    full = curves[None]
    T = len(full)
    k = np.arange(T, dtype=np.int32)
    w = line_width(big)
    data, shapes, notes = [], [], []
    windows = sorted(kk for kk in curves if kk is not None)
    palette = (ORANGE, PINK, SKY, RED)
    for j in range(len(windows) - 1, -1, -1):  # widest band (longest window) first
        kk, color = windows[j], palette[j % len(palette)]
        data.append(_line(k, curves[kk], f"truncated k = {kk}", color, w * (1.6 + 1.3 * j),
                          opacity=0.55, legendgroup=str(kk)))
        if kk < T:
            data.append({"type": "scatter", "mode": "lines", "x": np.array([kk, T - 1]),
                         "y": [f"k = {kk}", f"k = {kk}"], "yaxis": "y2", "showlegend": False,
                         "legendgroup": str(kk), "line": {"color": color, "width": 3 * w},
                         "hovertemplate": f"k = {kk}: dL/dh is exactly 0 from %{{x}} steps "
                                          "back<extra></extra>"})
            shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": kk - 0.5,
                           "x1": kk - 0.5, "y0": 0, "y1": 1,
                           "line": {"color": color, "dash": "dot", "width": 1.5}})
    data.append(_line(k, full, "full BPTT", BLUE, w * 0.6))
    rows = [f"k = {kk}" for kk in windows]
    lay = {"xaxis": {"title": {"text": "k = steps back from the loss"}, "anchor": "y2",
                     "range": [-0.5, max(T - 1, 1) + 0.5]},
           "yaxis": LOG | {"title": {"text": "relative ‖dL/dh_T−k‖ (log)"}, "domain": [0.3, 1],
                           "range": log_range(*curves.values(), floor=1e-3, ceil=2)},
           "yaxis2": {"domain": [0, 0.22], "type": "category", "categoryorder": "array",
                      "categoryarray": rows, "range": [-0.6, len(rows) - 0.4],
                      "title": {"text": "exactly 0"}, "showgrid": False},
           "shapes": shapes, "annotations": notes, "legend": LEGEND_BELOW | {"y": -0.25},
           "margin": {"b": 110}}
    return figure(data, lay, "Truncated BPTT: how far back the gradient reaches",
                  height=460, big=big)


def clipping_figure(series: dict, title: str, ytitle: str, threshold: float | None = None,
                    diverged: dict | None = None, big: bool = False) -> go.Figure:
    """Per-step curves (label -> (steps,)) of two runs on a log axis; a run that diverged
    is marked where its numbers became inf/NaN."""
    w = line_width(big)
    data, shapes, notes = [], [], []
    colors = (RED, BLUE)
    n = max(len(v) for v in series.values())
    if threshold is not None:
        data.append(_line(np.array([1, n]), [threshold, threshold],
                          f"clip threshold {threshold:g}", GREY, 1.5, "dash"))
    for (label, y), color in zip(series.items(), colors, strict=False):
        step = np.arange(1, len(y) + 1, dtype=np.int32)
        data.append({"type": "scatter", "mode": "lines+markers", "x": step, "y": plottable(y),
                     "name": label, "line": {"color": color, "width": w * 0.7},
                     "marker": {"size": 4}, "hovertemplate": f"step %{{x}}<br>{ytitle} "
                     f"%{{y:.3g}}<extra>{label}</extra>"})
        at = (diverged or {}).get(label)
        if at is not None:
            s, note = _vline(at, f"{label}: inf/NaN at step {at}", color, 0.99)
            shapes.append(s)
            notes.append(note)
    lay = {"xaxis": {"title": {"text": "training step (one batch of 32)"}},
           "yaxis": LOG | {"title": {"text": ytitle}},
           "shapes": shapes, "annotations": notes, "legend": LEGEND_BELOW}
    return figure(data, lay, title, height=360, big=big)
